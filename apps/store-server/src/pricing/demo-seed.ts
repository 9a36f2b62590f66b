import type pg from 'pg';
import type { CustomerInput } from '../api/customers';
import { putCampaign } from './campaigns';
import { upsertCustomer } from './customers';
import { applyPricingChange } from './pricing-change';
import { storeRatesSnapshot } from './rates';
import { checkRuleWrites, writeRules } from './rules';

/**
 * Demo pricing for the demo store, so that a newcomer sees discounts at once: a few
 * customers in segments, everyday rules, a scheduled flash sale and demo exchange rates.
 * Deterministic (fixed ids, times and amounts) and run once per database: what a manager
 * changes or deletes afterwards is never brought back by a later start.
 */

export const DEMO_CUSTOMERS: ReadonlyArray<{ id: string } & CustomerInput> = [
  {
    id: 'demo-ada',
    name: 'Ada Lovelace',
    email: 'ada@example.com',
    phone: '+12125550101',
    loyaltyCard: 'TILL-0001',
    segments: ['gold'],
  },
  {
    id: 'demo-grace',
    name: 'Grace Hopper',
    email: 'grace@example.com',
    phone: '+12125550102',
    loyaltyCard: 'TILL-0002',
    segments: ['vip'],
  },
  {
    id: 'demo-alan',
    name: 'Alan Turing',
    email: null,
    phone: '+12125550103',
    loyaltyCard: 'TILL-0003',
    segments: ['new'],
  },
  {
    id: 'demo-katherine',
    name: 'Katherine Johnson',
    email: 'katherine@example.com',
    phone: '+12125550104',
    loyaltyCard: 'TILL-0004',
    segments: ['gold', 'vip'],
  },
];

export const DEMO_RULES: ReadonlyArray<Record<string, unknown> & { id: string }> = [
  {
    id: 'demo-gold-home-15',
    name: 'Gold members: 15% off home goods',
    kind: 'discount',
    segments: ['gold'],
    appliesTo: { categories: ['home'] },
    percentOff: '15',
  },
  {
    id: 'demo-coupon-save10',
    name: 'Coupon SAVE10: 10% off',
    kind: 'discount',
    coupon: 'SAVE10',
    percentOff: '10',
  },
  {
    id: 'demo-toys-b1g1',
    name: 'Toys: buy one, get one free',
    kind: 'mixMatch',
    groups: [{ categories: ['toys'], qty: 2 }],
    leastExpensiveFree: true,
  },
  {
    id: 'demo-threshold-100',
    name: '$10 off orders of $100 or more',
    kind: 'threshold',
    minSubtotal: '100.00',
    amountOff: '10.00',
  },
  {
    id: 'demo-saturday-sporting-20',
    name: 'Saturday morning: 20% off sporting goods',
    kind: 'discount',
    appliesTo: { categories: ['sporting'] },
    percentOff: '20',
    recurrence: { rrule: 'FREQ=WEEKLY;BYDAY=SA', start: '09:00', durationMinutes: 180 },
  },
];

export const DEMO_CAMPAIGN = {
  id: 'demo-black-friday-2026',
  name: 'Black Friday flash sale',
  description: '25% off electronics for one day',
  startsAt: new Date('2026-11-27T05:00:00.000Z'),
  endsAt: new Date('2026-11-28T05:00:00.000Z'),
  rules: [
    {
      id: 'demo-black-friday-electronics-25',
      name: 'Black Friday: 25% off electronics',
      kind: 'discount',
      appliesTo: { categories: ['electronics'] },
      percentOff: '25',
    },
  ],
} as const;

/** Illustrative rates per USD so that prices in other currencies work without a feed; a feed supersedes them. */
export const DEMO_RATES = {
  id: 'demo-usd-2026-11-20',
  base: 'USD',
  asOf: new Date('2026-11-20T00:00:00.000Z'),
  rates: { EUR: '0.92', GBP: '0.79', JPY: '154', CAD: '1.39', AUD: '1.53', CHF: '0.88', KWD: '0.307' },
} as const;

/** Seeds demo pricing into `storeId` once per database; returns false when it had run before. */
export async function seedDemoPricing(client: pg.PoolClient, storeId: string): Promise<boolean> {
  const run = await client.query('INSERT INTO seed_runs (name) VALUES ($1) ON CONFLICT (name) DO NOTHING', [
    `demo-pricing:${storeId}`,
  ]);
  if (run.rowCount === 0) return false;

  for (const { id, ...customer } of DEMO_CUSTOMERS) await upsertCustomer(client, storeId, id, customer);

  const rules = checkRuleWrites(
    DEMO_RULES.map((rule) => ({ id: rule.id, rule })),
    (i) => `DEMO_RULES.${i}`,
  );
  const campaignRules = checkRuleWrites(
    DEMO_CAMPAIGN.rules.map((rule) => ({ id: rule.id, rule: { ...rule }, campaignId: DEMO_CAMPAIGN.id })),
    (i) => `DEMO_CAMPAIGN.rules.${i}`,
  );
  await applyPricingChange(client, [storeId], async (emit) => {
    await writeRules(client, storeId, emit, rules, []);
    await putCampaign(client, storeId, DEMO_CAMPAIGN.id, DEMO_CAMPAIGN, campaignRules, emit);
  });

  await storeRatesSnapshot(client, {
    ...DEMO_RATES,
    rates: { ...DEMO_RATES.rates },
    source: 'manual',
    sourceUrl: null,
  });
  return true;
}
