import { describe, expect, it } from 'vitest';
import { parseRules, parseScenario, priceCart, ValidationError, validateRule } from '../src';

function issuesOf(action: () => unknown): { path: string; message: string }[] {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as ValidationError).issues.map(({ path, message }) => ({ path, message }));
  }
  throw new Error('expected a ValidationError');
}

describe('rules are refused with the field and the problem', () => {
  const cases: [string, unknown, string, RegExp][] = [
    ['an unknown kind', { id: 'a', kind: 'bogus' }, 'kind', /unknown kind "bogus"; expected one of price, priceList/],
    ['no kind', { id: 'a', percentOff: '10' }, 'kind', /is required/],
    ['percent over 100', { id: 'a', kind: 'discount', percentOff: '120' }, 'percentOff', /at most 100 \(got 120\)/],
    ['percent of zero', { id: 'a', kind: 'discount', percentOff: '0' }, 'percentOff', /greater than 0/],
    [
      'a float amount',
      { id: 'a', kind: 'discount', amountOff: 5.5 },
      'amountOff',
      /decimal string such as "5.5", not a number/,
    ],
    ['a negative price', { id: 'a', kind: 'price', price: '-5.00' }, 'price', /must not be negative/],
    [
      'a negative minimum',
      { id: 'a', kind: 'threshold', minSubtotal: '-1', amountOff: '1' },
      'minSubtotal',
      /negative/,
    ],
    [
      'overlapping tiers',
      {
        id: 'a',
        kind: 'tiered',
        tiers: [
          { minQty: 10, percentOff: '10' },
          { minQty: 10, percentOff: '20' },
        ],
      },
      'tiers[1].minQty',
      /overlaps tier 0: both start at 10 units/,
    ],
    [
      'tiers out of order',
      {
        id: 'a',
        kind: 'tiered',
        tiers: [
          { minQty: 50, percentOff: '20' },
          { minQty: 10, percentOff: '10' },
        ],
      },
      'tiers[1].minQty',
      /greater than the previous tier's minQty \(50\)/,
    ],
    [
      'a window that ends before it starts',
      {
        id: 'a',
        kind: 'discount',
        percentOff: '5',
        validFrom: '2026-11-22T11:00:00Z',
        validTo: '2026-11-22T10:00:00Z',
      },
      'validTo',
      /must be after validFrom .* end before it starts/,
    ],
    [
      'a compound mix-and-match',
      { id: 'a', kind: 'mixMatch', concurrency: 'compound', groups: [{ qty: 2 }], leastExpensiveFree: true },
      'concurrency',
      /cannot be compound/,
    ],
    [
      'a mix-and-match without benefit',
      { id: 'a', kind: 'mixMatch', groups: [{ qty: 2 }] },
      '',
      /needs one of dealPrice/,
    ],
    ['two benefits', { id: 'a', kind: 'discount', percentOff: '5', amountOff: '1' }, 'amountOff', /only one of/],
    [
      'a typo in a field',
      { id: 'a', kind: 'discount', percentOf: '5', percentOff: '5' },
      'percentOf',
      /not a known field/,
    ],
    [
      'a bad instant',
      { id: 'a', kind: 'discount', percentOff: '5', validFrom: '2026-02-30T00:00:00Z' },
      'validFrom',
      /ISO 8601/,
    ],
    [
      'an RRULE with a time of day',
      {
        id: 'a',
        kind: 'discount',
        percentOff: '5',
        recurrence: { rrule: 'FREQ=DAILY;BYHOUR=10', start: '10:00', durationMinutes: 60 },
      },
      'recurrence.rrule',
      /BYHOUR is not used here/,
    ],
    [
      'an hourly RRULE',
      {
        id: 'a',
        kind: 'discount',
        percentOff: '5',
        recurrence: { rrule: 'FREQ=HOURLY', start: '10:00', durationMinutes: 60 },
      },
      'recurrence.rrule',
      /names dates/,
    ],
    [
      'a bad start time',
      {
        id: 'a',
        kind: 'discount',
        percentOff: '5',
        recurrence: { rrule: 'FREQ=DAILY', start: '24:00', durationMinutes: 60 },
      },
      'recurrence.start',
      /HH:MM/,
    ],
    [
      'a bad zone',
      {
        id: 'a',
        kind: 'discount',
        percentOff: '5',
        recurrence: { rrule: 'FREQ=DAILY', start: '10:00', durationMinutes: 60, timeZone: 'Mars/Olympus' },
      },
      'recurrence.timeZone',
      /IANA time zone/,
    ],
    [
      'a price list with a SKU twice',
      {
        id: 'a',
        kind: 'priceList',
        prices: [
          { sku: 'A', price: '1' },
          { sku: 'A', price: '2' },
        ],
      },
      'prices[1].sku',
      /listed twice/,
    ],
    [
      'stackable without a coupon',
      { id: 'a', kind: 'discount', percentOff: '5', stackable: false },
      'stackable',
      /coupon/,
    ],
    [
      'a set too large',
      { id: 'a', kind: 'mixMatch', groups: [{ qty: 15 }, { qty: 10 }], percentOff: '5' },
      'groups',
      /at most 20 units/,
    ],
  ];

  it.each(cases)('%s', (_, rule, path, message) => {
    const issues = issuesOf(() => validateRule(rule));
    const issue = issues.find((candidate) => candidate.path === path);
    expect(issue, JSON.stringify(issues)).toBeDefined();
    expect(issue?.message).toMatch(message);
  });

  it('names the rule in a list, and refuses two rules with one id', () => {
    const issues = issuesOf(() =>
      parseRules([
        { id: 'a', kind: 'discount', percentOff: '5' },
        { id: 'b', kind: 'discount', percentOff: '500' },
        { id: 'a', kind: 'shipping', free: true },
      ]),
    );
    expect(issues).toEqual([
      { path: 'rules[1].percentOff', message: 'must be at most 100 (got 500)' },
      { path: 'rules[2].id', message: '"a" is already the id of rules[0]' },
    ]);
  });

  it('accepts every rule kind and normalises instants', () => {
    const rules = parseRules([
      { id: 'p', kind: 'price', price: '9.99', appliesTo: { skus: ['A'] }, validFrom: 0 },
      { id: 'l', kind: 'priceList', prices: [{ sku: 'A', price: '8' }], stores: ['s1'], override: true },
      { id: 'd', kind: 'discount', amountOff: '1', segments: ['vip'], coupon: ['X', 'Y'], stackable: false },
      {
        id: 't',
        kind: 'tiered',
        tiers: [
          { minQty: 2, price: '5' },
          { minQty: 5, percentOff: '20' },
        ],
      },
      {
        id: 'm',
        kind: 'mixMatch',
        groups: [
          { skus: ['A'], qty: 2 },
          { categories: ['c'], qty: 1, discounted: true },
        ],
        percentOff: '100',
        maxApplications: 3,
      },
      { id: 'h', kind: 'threshold', minSubtotal: '100', percentOff: '5', excludes: { categories: ['gift'] } },
      { id: 's', kind: 'shipping', minSubtotal: '50', free: true, channels: ['web'] },
    ]);
    expect(rules.map((rule) => rule.kind)).toEqual([
      'price',
      'priceList',
      'discount',
      'tiered',
      'mixMatch',
      'threshold',
      'shipping',
    ]);
    expect(rules[0]?.validFrom).toBe('1970-01-01T00:00:00.000Z');
  });
});

describe('carts and scenarios are refused with the field and the problem', () => {
  const products = { A: { price: '10.00' } };

  it('names unknown SKUs, bad quantities, currencies and rates', () => {
    expect(
      issuesOf(() =>
        priceCart({
          at: 0,
          lines: [
            { sku: 'Z', qty: 1 },
            { sku: 'A', qty: 0 },
          ],
          products,
          rules: [],
        }),
      ),
    ).toEqual([
      { path: 'lines[0].sku', message: 'unknown product "Z"' },
      { path: 'lines[1].qty', message: 'must be a whole number from 1 to 1000000, got 0' },
    ]);
    expect(issuesOf(() => priceCart({ at: 0, lines: [], products, rules: [], currency: 'EUR' }))).toEqual([
      { path: 'rates.EUR', message: 'is required to price in EUR from USD' },
    ]);
    expect(issuesOf(() => priceCart({ at: 0, lines: [], products, rules: [], currency: 'EURO' }))[0]?.path).toBe(
      'currency',
    );
    expect(issuesOf(() => priceCart({ at: 0, lines: [], products, rules: [], timeZone: 'Nowhere' }))[0]?.path).toBe(
      'timeZone',
    );
    expect(issuesOf(() => priceCart({ at: 1.5, lines: [], products, rules: [] }))[0]?.path).toBe('at');
    expect(
      issuesOf(() => priceCart({ at: 0, lines: [{ sku: 'A', qty: 1 }], products: { A: { price: '-1' } }, rules: [] })),
    ).toEqual([{ path: 'products.A.price', message: 'must not be negative (got -1)' }]);
  });

  it('names the field of a malformed scenario', () => {
    const issues = issuesOf(() =>
      parseScenario({
        name: 'x',
        at: '2026-11-22T10:00:00.000Z',
        currency: 'EUR',
        products: [{ sku: 'A', price: '1.00' }],
        rules: [{ id: 'r', kind: 'discount', percentOff: '101' }],
        lines: [{ sku: 'B', qty: 1 }],
        expect: { total: 1 },
      }),
    );
    expect(issues).toEqual(
      expect.arrayContaining([
        { path: 'expect.total', message: 'must be a decimal string such as "1", not a number' },
        { path: 'rules[0].percentOff', message: 'must be at most 100 (got 101)' },
      ]),
    );
  });
});
