import { describe, expect, it } from 'vitest';
import { Catalog, Decimal, indexRules, type PriceCartInput, priceCart } from '../src';

const AT = Date.parse('2026-11-22T10:00:00.000Z');
const products = {
  LAMP: { price: '80.00', category: 'home', taxRate: '0.08875' },
  VASE: { price: '15.00', category: 'home', taxRate: '0.08875' },
  TOY: { price: '30.00', category: 'toys' },
  SOCK: { price: '5.00', category: 'fashion' },
};

function price(input: Partial<PriceCartInput> & Pick<PriceCartInput, 'lines'>) {
  return priceCart({ at: AT, products, rules: [], ...input });
}

describe('explanations', () => {
  it('says what each rule took off each line, and the parts add up to the line discount', () => {
    const cart = price({
      lines: [
        { sku: 'LAMP', qty: 1 },
        { sku: 'VASE', qty: 3 },
      ],
      rules: [
        {
          id: 'gold',
          name: 'Gold members',
          kind: 'discount',
          segments: ['gold'],
          percentOff: '15',
          appliesTo: { categories: ['home'] },
        },
        { id: 't', kind: 'threshold', minSubtotal: '100.00', amountOff: '10.00' },
      ],
      customer: { segments: ['gold'] },
    });
    const [lamp, vase] = cart.lines;
    expect(lamp?.discounts.map((d) => d.text)).toEqual([
      'Gold members (15% off): −$12.00',
      '$10.00 off orders of $100.00: −$6.40',
    ]);
    for (const line of cart.lines) {
      const sum = line.discounts.reduce((total, d) => total.plus(d.amount), new Decimal(0));
      expect(sum.toFixed(2)).toBe(line.discount);
      expect(new Decimal(line.subtotal).minus(line.discount).toFixed(2)).toBe(line.total);
    }
    expect(vase?.total).toBe('34.65'); // 45 − 6.75 − 3.60
    expect(cart.explanations.applied.map((rule) => [rule.ruleId, rule.amount])).toEqual([
      ['gold', '18.75'],
      ['t', '10.00'],
    ]);
    expect(cart.rulesUsed).toEqual(['gold', 't']);
    expect(cart.total).toBe(
      new Decimal(cart.lines.reduce((s, l) => s + Number(l.total), 0).toFixed(2)).plus(cart.tax).toFixed(2),
    );
  });

  it('shows a price adjustment as the unit price it set', () => {
    const cart = price({
      lines: [{ sku: 'TOY', qty: 2 }],
      rules: [{ id: 'flash', name: 'Flash sale', kind: 'price', price: '19.99', validTo: '2026-11-22T11:00:00.000Z' }],
    });
    expect(cart.lines[0]?.adjustment).toEqual({
      ruleId: 'flash',
      kind: 'price',
      name: 'Flash sale',
      from: '30.00',
      to: '19.99',
      text: 'Flash sale (Special price $19.99): 19.99 instead of 30.00',
    });
    expect(cart.explanations.applied[0]).toMatchObject({ ruleId: 'flash', amount: '20.02' });
    expect(cart.validUntil).toBe(Date.parse('2026-11-22T11:00:00.000Z'));
  });

  it('names near misses in words: coupon, segment, window, threshold and quantity', () => {
    const cart = price({
      lines: [
        { sku: 'LAMP', qty: 1 },
        { sku: 'SOCK', qty: 4 },
      ],
      rules: [
        { id: 'coupon', kind: 'discount', coupon: 'HOME20', percentOff: '20', appliesTo: { categories: ['home'] } },
        { id: 'vip', kind: 'discount', segments: ['vip'], percentOff: '5' },
        { id: 'soon', kind: 'discount', percentOff: '30', validFrom: '2026-11-22T14:00:00.000Z' },
        { id: 'far', kind: 'discount', percentOff: '30', validFrom: '2026-12-22T14:00:00.000Z' },
        { id: 'spend', kind: 'threshold', minSubtotal: '150.00', amountOff: '15.00' },
        { id: 'bulk', kind: 'tiered', appliesTo: { skus: ['SOCK'] }, tiers: [{ minQty: 6, percentOff: '10' }] },
        { id: 'three', kind: 'mixMatch', groups: [{ skus: ['LAMP'], qty: 2 }], percentOff: '10' },
        { id: 'other-store', kind: 'discount', stores: ['airport'], percentOff: '50' },
        { id: 'ship', kind: 'shipping', minSubtotal: '200.00', free: true },
      ],
      shipping: { price: '9.00' },
    });
    const misses = Object.fromEntries(cart.explanations.nearMisses.map((miss) => [miss.ruleId, miss]));
    expect(misses.coupon).toMatchObject({ reason: 'coupon', text: 'Needs a coupon code: 20% off', lines: [0] });
    expect(misses.vip).toMatchObject({ reason: 'segment', text: 'For vip customers only: 5% off' });
    expect(misses.soon).toMatchObject({
      reason: 'window',
      startsAt: Date.parse('2026-11-22T14:00:00.000Z'),
      text: 'Starts Sun 22 Nov 14:00: 30% off',
    });
    expect(misses.far).toBeUndefined();
    expect(misses['other-store']).toBeUndefined();
    expect(misses.spend).toMatchObject({
      reason: 'threshold',
      shortBy: '50.00',
      text: 'Spend $50.00 more to get $15.00 off orders of $150.00',
    });
    expect(misses.bulk).toMatchObject({ reason: 'quantity', unitsShort: 2, text: 'Add 2 more to get 10% off' });
    expect(misses.three).toMatchObject({ reason: 'quantity', unitsShort: 1, text: 'Add 1 more to get buy 2: 10% off' });
    expect(misses.ship).toMatchObject({
      reason: 'threshold',
      shortBy: '100.00',
      text: 'Spend $100.00 more to get free shipping on orders of $200.00',
    });
    expect(cart.lines[1]?.nearMisses.map((miss) => miss.ruleId)).toEqual(['vip', 'soon', 'bulk', 'spend', 'ship']);
    expect(cart.shipping).toBe('9.00');
    expect(cart.validUntil).toBe(Date.parse('2026-11-22T14:00:00.000Z'));
  });

  it('says what became of each coupon entered', () => {
    const rules = [
      { id: 'x', kind: 'discount', coupon: 'X30', percentOff: '30', stackable: false },
      { id: 'y', kind: 'discount', coupon: 'Y10', percentOff: '10', concurrency: 'compound' },
      { id: 'late', kind: 'discount', coupon: 'LATE', percentOff: '10', validFrom: '2027-01-01T00:00:00.000Z' },
      { id: 'toys', kind: 'discount', coupon: 'TOYS', percentOff: '10', appliesTo: { categories: ['toys'] } },
      { id: 'vip', kind: 'discount', coupon: 'VIP', percentOff: '10', segments: ['vip'] },
    ];
    const cart = price({
      lines: [{ sku: 'LAMP', qty: 1 }],
      rules,
      coupons: ['y10', 'X30', 'NOPE', 'LATE', 'TOYS', 'VIP'],
    });
    expect(cart.total).toBe('60.97'); // 80 × 0.7 + tax
    expect(cart.explanations.coupons).toEqual([
      { code: 'Y10', status: 'notCombined', text: 'Coupon Y10 cannot be combined with X30; the better deal was kept' },
      { code: 'X30', status: 'applied', text: 'Coupon X30 applied' },
      { code: 'NOPE', status: 'unknown', text: 'Coupon NOPE is not valid' },
      {
        code: 'LATE',
        status: 'notCombined',
        text: 'Coupon LATE cannot be combined with X30; the better deal was kept',
      },
      {
        code: 'TOYS',
        status: 'notCombined',
        text: 'Coupon TOYS cannot be combined with X30; the better deal was kept',
      },
      { code: 'VIP', status: 'notCombined', text: 'Coupon VIP cannot be combined with X30; the better deal was kept' },
    ]);
    const without = price({ lines: [{ sku: 'LAMP', qty: 1 }], rules, coupons: ['LATE', 'TOYS', 'VIP', 'Y10'] });
    expect(without.explanations.coupons.map((coupon) => coupon.text)).toEqual([
      'Coupon LATE is not valid at this time',
      'Coupon TOYS does not apply to the items in the cart',
      'Coupon VIP is for vip customers only',
      'Coupon Y10 applied',
    ]);
  });
});

describe('amounts', () => {
  it('rounds a cart whose exact total sits on a half cent up, although its spreads repeat', () => {
    // Found by the brute-force property: $34.62 off spread over 45.24 + 0.05 and 157.25 + 0.05.
    const cart = priceCart({
      at: AT,
      products: { C: { price: '45.24' }, D: { price: '0.05' }, E: { price: '157.25' } },
      lines: [
        { sku: 'C', qty: 1 },
        { sku: 'E', qty: 2 },
        { sku: 'D', qty: 2 },
      ],
      rules: [
        { id: 'pair', kind: 'mixMatch', concurrency: 'exclusive', groups: [{ qty: 2 }], amountOff: '34.62' },
        {
          id: 'one',
          kind: 'mixMatch',
          concurrency: 'exclusive',
          groups: [{ qty: 1 }],
          percentOff: '46',
          maxApplications: 1,
        },
      ],
    });
    expect(cart.total).toBe('218.27'); // 359.84 − 34.62 − 34.62 − 72.335 = 218.265
  });

  it('prices duplicate lines of one SKU like one line', () => {
    const rules = [{ id: 'b1g1', kind: 'mixMatch', groups: [{ skus: ['TOY'], qty: 2 }], leastExpensiveFree: true }];
    const split = price({
      lines: [
        { sku: 'TOY', qty: 1 },
        { sku: 'SOCK', qty: 1 },
        { sku: 'TOY', qty: 1 },
      ],
      rules,
    });
    expect(split.total).toBe('35.00');
  });

  it('charges nothing for shipping without a charge, and prices an empty cart at zero', () => {
    const empty = price({ lines: [], shipping: { price: '4.95' } });
    expect(empty.total).toBe('4.95');
    expect(price({ lines: [] }).total).toBe('0.00');
  });

  it('prices from a prebuilt index and catalog exactly as from JSON', () => {
    const rules = [{ id: 'ten', kind: 'discount', percentOff: '10' }];
    const lines = [{ sku: 'LAMP', qty: 2 }];
    const fromJson = price({ lines, rules });
    const prebuilt = priceCart({ at: AT, lines, products: new Catalog(products), rules: indexRules(rules) });
    expect(prebuilt).toEqual(fromJson);
  });
});
