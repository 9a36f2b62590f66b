import { storeSettingsSchema } from '@till/sync';
import { z } from 'zod';
import type { CatalogStore, CustomerRecord, ProductRecord } from './catalog';
import type { SettingsStore, StoreSettings } from './settings';

/**
 * How each kind of change from the server's feed lands in the replica. Event payloads are
 * self-contained (the full new state of the thing), so applying one never asks back.
 * Unknown types are skipped (a newer server may send more); a known type with a payload
 * that does not parse is reported, skipped, and the rest of the batch still applies.
 */

/** A change of the server's feed (@till/sync `Change`); only what the replica reads. */
export interface FeedChange {
  seq: number;
  type: string;
  payload: unknown;
}

const money = z.union([
  z.object({ amount: z.string(), currency: z.string().length(3) }),
  z.string().transform((amount) => ({ amount, currency: undefined as string | undefined })),
]);

const productSchema = z.object({
  sku: z.string().min(1),
  barcode: z.string().nullish(),
  name: z.string().min(1),
  category: z.string().optional(),
  categoryId: z.string().optional(),
  parentSku: z.string().nullish(),
  attributes: z.record(z.string(), z.string()).nullish(),
  price: money.optional(),
  basePrice: money.optional(),
  currency: z.string().length(3).optional(),
  taxRate: z.union([z.string(), z.number()]).optional(),
  active: z.boolean().optional(),
});

const priceSchema = z.object({
  sku: z.string().min(1),
  price: money.nullish(),
  basePrice: money.optional(),
  priceListId: z.string().nullish(),
  ruleId: z.string().nullish(),
});

const customerSchema = z.object({
  id: z.string().min(1),
  name: z.string().nullish(),
  loyaltyCard: z.string().nullish(),
  cardNumber: z.string().nullish(),
  phone: z.string().nullish(),
  email: z.string().nullish(),
  segments: z.array(z.string()).default([]),
});

const stockSchema = z.object({
  sku: z.string().min(1),
  available: z.number().int(),
});

const rateValue = z.union([z.string(), z.number()]).transform(String);
const instant = z.string().refine((v) => !Number.isNaN(Date.parse(v)), 'must be an ISO 8601 time');

/**
 * `rates.updated`: the server's new rates snapshot, with its rates per the store's currency
 * (`storeRates`, null when it cannot convert from it). A snapshot published in the store's
 * own currency needs no conversion.
 */
const ratesUpdatedSchema = z.object({
  snapshot: z.object({
    id: z.string().min(1),
    base: z.string().length(3),
    asOf: instant,
    receivedAt: instant.optional(),
    rates: z.record(z.string(), rateValue),
  }),
  storeCurrency: z.string().length(3).optional(),
  storeRates: z.record(z.string(), rateValue).nullish(),
});

/** A snapshot item of `exchange_rates`: one currency's current rate per the store's currency. */
const currentRateSchema = z.object({
  currency: z.string().length(3),
  rate: rateValue,
  base: z.string().length(3).optional(),
  snapshotId: z.string().min(1).nullish(),
  asOf: instant.optional(),
  receivedAt: instant.optional(),
});

const idSchema = z.object({ id: z.string().min(1) });

/** The server names a price list's rule "price-list:<list id>". */
export const PRICE_LIST_RULE_PREFIX = 'price-list:';

const priceListSchema = z
  .object({
    id: z.string().min(1),
    name: z.string().optional(),
    priority: z.number().int().optional(),
    channel: z.string().optional(),
  })
  .transform((l) => ({
    id: l.id,
    ...(l.name === undefined ? {} : { name: l.name }),
    ...(l.priority === undefined ? {} : { priority: l.priority }),
    ...(l.channel === undefined ? {} : { channel: l.channel }),
  }));
const skuSchema = z.object({ sku: z.string().min(1) });

const unwrap = (payload: unknown, key: string): unknown =>
  payload && typeof payload === 'object' && key in payload ? (payload as Record<string, unknown>)[key] : payload;

/** The value under `key`, which must be there. */
const unwrapKey = (payload: unknown, key: string): unknown => {
  const value = payload && typeof payload === 'object' ? (payload as Record<string, unknown>)[key] : undefined;
  if (value === undefined) throw new Error(`payload has no ${key}`);
  return value;
};

export function toProductRecord(raw: unknown, fallbackCurrency: string): ProductRecord {
  const p = productSchema.parse(unwrap(raw, 'product'));
  const price = p.price ?? p.basePrice;
  if (!price) throw new Error(`product ${p.sku} has no price`);
  return {
    sku: p.sku,
    barcode: p.barcode ?? null,
    name: p.name,
    category: p.category ?? p.categoryId ?? 'uncategorized',
    parentSku: p.parentSku ?? null,
    attributes: p.attributes ?? {},
    price: price.amount,
    currency: price.currency ?? p.currency ?? fallbackCurrency,
    taxRate: String(p.taxRate ?? '0'),
    active: p.active ?? true,
  };
}

export function toCustomerRecord(raw: unknown): CustomerRecord {
  const c = customerSchema.parse(unwrap(raw, 'customer'));
  return {
    id: c.id,
    name: c.name ?? c.id,
    loyaltyCard: c.loyaltyCard ?? c.cardNumber ?? null,
    phone: c.phone ?? null,
    email: c.email ?? null,
    segments: c.segments,
  };
}

export function toStoreSettings(raw: unknown): StoreSettings {
  return storeSettingsSchema.parse(unwrap(raw, 'store'));
}

/** What the replica asks of a change besides parsing it: the engine's word on a rule. */
export interface ReplicaChecks {
  /** Why the pricing engine refuses this rule, or null. */
  ruleProblem(body: Record<string, unknown>): string | null;
}

/**
 * The rule as the engine prices it, from what the server sends: an engine rule, or a stored
 * rule `{ id, rule, effective, enabled, ... }` whose `effective` is the rule with its
 * campaign's window applied — null when it is disabled or its windows never meet.
 */
function pricedRule(raw: unknown): { id: string; rule: Record<string, unknown> | null } {
  const value = unwrap(raw, 'rule');
  if (!value || typeof value !== 'object') throw new Error('rule payload is not an object');
  const v = value as Record<string, unknown>;
  if ('effective' in v) {
    const id = typeof v.id === 'string' ? v.id : (v.rule as { id?: unknown } | undefined)?.id;
    if (typeof id !== 'string') throw new Error('stored rule has no id');
    return { id, rule: (v.effective as Record<string, unknown> | null) ?? null };
  }
  if (typeof v.id !== 'string') throw new Error('rule has no id');
  return { id: v.id, rule: v };
}

/** Stores what the server sent for a rule: upserted when it prices, removed when it does not. */
function applyRule(raw: unknown, catalog: CatalogStore, checks: ReplicaChecks, seq: number): void {
  const { id, rule } = pricedRule(raw);
  if (rule) catalog.upsertRule(checkedRule(rule, checks), seq);
  else catalog.removeRule(id);
}

function checkedRule(raw: unknown, checks: ReplicaChecks): Record<string, unknown> {
  const rule = unwrap(raw, 'rule');
  if (!rule || typeof rule !== 'object') throw new Error('rule payload is not an object');
  const problem = checks.ruleProblem(rule as Record<string, unknown>);
  if (problem)
    throw new Error(`rule ${(rule as { id?: unknown }).id ?? '?'} refused by the pricing engine: ${problem}`);
  return rule as Record<string, unknown>;
}

export interface ApplyOutcome {
  /** The change touched pricing data (prices, rules): checkout caches built before it are an older snapshot. */
  pricing: boolean;
  skipped: boolean;
}

/** Applies one change to the replica (inside the caller's transaction). Throws when its payload does not parse. */
export function applyChange(
  change: FeedChange,
  catalog: CatalogStore,
  settings: SettingsStore,
  now: number,
  checks: ReplicaChecks,
): ApplyOutcome {
  const currency = settings.get('store')?.currency ?? 'USD';
  const { seq, payload } = change;
  switch (change.type) {
    case 'product.upserted':
    case 'product.created':
    case 'product.updated':
      catalog.upsertProduct(toProductRecord(payload, currency), seq);
      return { pricing: true, skipped: false };
    case 'product.removed':
    case 'product.deleted':
      catalog.deactivateProduct(skuSchema.parse(payload).sku, seq);
      return { pricing: true, skipped: false };
    case 'price.changed': {
      const p = priceSchema.parse(payload);
      const price = p.price ?? p.basePrice;
      if (p.priceListId) {
        // A price list's entry: the list is a rule (priceList) in the replica.
        const ruleId = p.ruleId ?? `${PRICE_LIST_RULE_PREFIX}${p.priceListId}`;
        if (!catalog.setPriceListEntry(p.priceListId, ruleId, p.sku, price?.amount ?? null, seq)) {
          throw new Error(
            `price.changed for ${p.sku} names price list ${p.priceListId}, which this terminal does not have`,
          );
        }
        return { pricing: true, skipped: false };
      }
      if (!price) throw new Error(`price.changed for ${p.sku} has no price`);
      catalog.setPrice(p.sku, price.amount, seq);
      return { pricing: true, skipped: false };
    }
    case 'price_list.upserted': {
      const list = priceListSchema.parse(unwrapKey(payload, 'priceList'));
      catalog.upsertPriceList(list);
      const rule = (payload as { rule?: unknown }).rule;
      // An empty list is no rule (null): whatever rule it had is gone.
      if (rule) catalog.upsertRule(checkedRule(rule, checks), seq);
      else catalog.removeRule(`${PRICE_LIST_RULE_PREFIX}${list.id}`);
      return { pricing: true, skipped: false };
    }
    case 'price_list.deleted': {
      const d = z.object({ id: z.string().min(1), ruleId: z.string().min(1).optional() }).parse(payload);
      catalog.removePriceList(d.id);
      catalog.removeRule(d.ruleId ?? `${PRICE_LIST_RULE_PREFIX}${d.id}`);
      return { pricing: true, skipped: false };
    }
    case 'campaign.deleted':
      for (const id of z.object({ ruleIds: z.array(z.string()).default([]) }).parse(payload).ruleIds) {
        catalog.removeRule(id);
      }
      return { pricing: true, skipped: false };
    case 'rule.upserted':
    case 'rule.created':
    case 'rule.updated':
      applyRule(payload, catalog, checks, seq);
      return { pricing: true, skipped: false };
    case 'campaign.upserted': {
      // A campaign's window bounds its rules: their effective forms come with it.
      const rules = (payload as { rules?: unknown }).rules;
      for (const rule of Array.isArray(rules) ? rules : []) applyRule(rule, catalog, checks, seq);
      return { pricing: true, skipped: false };
    }
    case 'rule.removed':
    case 'rule.deleted':
      catalog.removeRule(idSchema.parse(payload).id);
      return { pricing: true, skipped: false };
    case 'customer.upserted':
    case 'customer.created':
    case 'customer.updated':
      catalog.upsertCustomer(toCustomerRecord(payload), seq);
      return { pricing: false, skipped: false };
    case 'customer.removed':
    case 'customer.deleted':
      catalog.removeCustomer(idSchema.parse(unwrap(payload, 'customer')).id);
      return { pricing: false, skipped: false };
    case 'rates.updated': {
      const r = ratesUpdatedSchema.parse(payload);
      const rates =
        r.storeRates && r.storeCurrency === currency
          ? r.storeRates
          : r.snapshot.base === currency
            ? r.snapshot.rates
            : null;
      // A snapshot that cannot convert from the store's currency prices nothing here.
      if (!rates) return { pricing: false, skipped: true };
      const asOf = Date.parse(r.snapshot.asOf);
      const receivedAt = r.snapshot.receivedAt ? Date.parse(r.snapshot.receivedAt) : asOf;
      for (const [code, rate] of Object.entries(rates)) {
        if (code !== currency) catalog.setRate({ currency: code, rate, snapshotId: r.snapshot.id, asOf, receivedAt });
      }
      return { pricing: true, skipped: false };
    }
    case 'store.updated':
      settings.set('store', toStoreSettings(payload));
      return { pricing: true, skipped: false };
    default:
      if (change.type.startsWith('stock.')) {
        const levels = stockLevels(payload);
        for (const level of levels) catalog.setAvailable(level.sku, level.available, now);
        return { pricing: false, skipped: levels.length === 0 };
      }
      return { pricing: false, skipped: true };
  }
}

/** Availability a stock event tells, whatever its shape: { sku, available }, { sku, after }, or lines of them. */
function stockLevels(payload: unknown): { sku: string; available: number }[] {
  const one = (value: unknown): { sku: string; available: number } | null => {
    const v = value as { sku?: unknown; available?: unknown; after?: { available?: unknown } } | null;
    const available = typeof v?.available === 'number' ? v.available : v?.after?.available;
    return typeof v?.sku === 'string' && typeof available === 'number' ? { sku: v.sku, available } : null;
  };
  const direct = one(payload);
  if (direct) return [direct];
  const p = payload as { lines?: unknown; levels?: unknown } | null;
  const list = Array.isArray(p?.lines) ? p.lines : Array.isArray(p?.levels) ? p.levels : [];
  return list.map(one).filter((l): l is { sku: string; available: number } => l !== null);
}

/** The pricing version a pricing event carries (the server's rules snapshot it produced). */
export function pricingVersionOf(payload: unknown): number | null {
  const version = (payload as { pricingVersion?: unknown } | null)?.pricingVersion;
  return typeof version === 'number' && Number.isInteger(version) ? version : null;
}

const categorySchema = z.object({
  id: z.string().min(1),
  name: z.string().default(''),
  parentId: z.string().nullish(),
});

/**
 * Loads one item of a snapshot section into the (cleared) replica. Sections are named after
 * what they hold; an unknown section is skipped, like an unknown change type.
 */
export function applySnapshotItem(
  section: string,
  item: Record<string, unknown>,
  seq: number,
  catalog: CatalogStore,
  settings: SettingsStore,
  now: number,
  checks: ReplicaChecks,
): void {
  const currency = settings.get('store')?.currency ?? 'USD';
  switch (section) {
    case 'store':
    case 'stores':
      settings.set('store', toStoreSettings(item));
      return;
    case 'categories': {
      const c = categorySchema.parse(item);
      catalog.upsertCategory({ id: c.id, name: c.name || c.id, parentId: c.parentId ?? null });
      return;
    }
    case 'products':
      catalog.upsertProduct(toProductRecord(item, currency), seq);
      return;
    case 'rules':
      applyRule(item, catalog, checks, seq);
      return;
    case 'customers':
      catalog.upsertCustomer(toCustomerRecord(item), seq);
      return;
    case 'stock':
    case 'stock_levels': {
      const s = stockSchema.parse(item);
      catalog.setAvailable(s.sku, s.available, now);
      return;
    }
    case 'price_lists':
      catalog.upsertPriceList(priceListSchema.parse(unwrap(item, 'priceList')));
      return;
    case 'price_list_prices': {
      const p = priceSchema.parse(item);
      const price = p.price ?? p.basePrice;
      if (!p.priceListId || !price) throw new Error(`price list entry for ${p.sku} names no list or price`);
      const ruleId = p.ruleId ?? `${PRICE_LIST_RULE_PREFIX}${p.priceListId}`;
      if (!catalog.setPriceListEntry(p.priceListId, ruleId, p.sku, price.amount, seq)) {
        throw new Error(`price list ${p.priceListId} of ${p.sku} is not in the snapshot`);
      }
      return;
    }
    case 'rates':
    case 'exchange_rates': {
      const r = currentRateSchema.parse(item);
      if (r.base !== undefined && r.base !== currency) {
        throw new Error(`the rate of ${r.currency} is per ${r.base}, but the store sells in ${currency}`);
      }
      const asOf = r.asOf ? Date.parse(r.asOf) : now;
      catalog.setRate({
        currency: r.currency,
        rate: r.rate,
        snapshotId: r.snapshotId ?? null,
        asOf,
        receivedAt: r.receivedAt ? Date.parse(r.receivedAt) : asOf,
      });
      return;
    }
    default:
      return;
  }
}
