import { z } from 'zod';

/**
 * A store as the server describes it to its clients (the `store` snapshot section and the
 * `store.updated` change): the facts a till prices by besides the rules themselves.
 */
export const storeSettingsSchema = z.object({
  id: z.string(),
  name: z.string(),
  /** Currency of prices and rule amounts (the store's base currency). */
  currency: z.string().length(3),
  timeZone: z.string().default('UTC'),
  taxIncluded: z.boolean().default(false),
  stacking: z.enum(['withinPriority', 'acrossPriorities']).default('withinPriority'),
});

export type StoreSettings = z.infer<typeof storeSettingsSchema>;
export type Stacking = StoreSettings['stacking'];
