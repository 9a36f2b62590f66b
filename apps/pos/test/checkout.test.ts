import { afterEach, describe, expect, it } from 'vitest';
import { fixedLink, type TerminalLink } from '../src/core/sync';
import { CUSTOMERS, startTestTerminal, type TestTerminal } from './support/terminal';

let t: TestTerminal;
afterEach(async () => {
  await t?.terminal.close();
});

describe('scanning', () => {
  it('scans by barcode, SKU and UPC-A, and adds up with tax', async () => {
    t = await startTestTerminal({ seed: {} });
    await t.call('checkout.scan', { code: '2000000000015' });
    await t.call('checkout.scan', { code: 'lamp' });
    // A 12-digit UPC-A is its EAN-13 with a leading zero.
    const view = await t.call('checkout.scan', { code: '012345678905' });
    expect(view.lines.map((l) => [l.sku, l.qty, l.total])).toEqual([
      ['MUG', 1, '12.00'],
      ['LAMP', 1, '80.00'],
      ['CABLE', 1, '9.99'],
    ]);
    expect(view.subtotal).toBe('101.99');
    // 8.875 % per line, rounded per line: 1.07 + 7.10 + 0.89
    expect(view.tax).toBe('9.06');
    expect(view.total).toBe('111.05');
    expect(view.itemCount).toBe(3);
  });

  it('adds a second scan of an item to its line, and a quantity prefix scans several', async () => {
    t = await startTestTerminal({ seed: {} });
    const first = await t.call('checkout.scan', { code: 'MUG' });
    const second = await t.call('checkout.scan', { code: 'MUG', qty: 3 });
    expect(second.lines).toHaveLength(1);
    expect(second.lines[0]?.qty).toBe(4);
    expect(second.lastLineId).toBe(first.lastLineId);
    expect(second.lines[0]?.total).toBe('48.00');
  });

  it('says which code is unknown, and leaves the sale as it was', async () => {
    t = await startTestTerminal({ seed: {} });
    await t.call('checkout.scan', { code: 'MUG' });
    const error = await t.fail('checkout.scan', { code: '4006381333931' });
    expect(error.code).toBe('UNKNOWN_BARCODE');
    expect(error.message).toContain('4006381333931');
    const view = await t.call('checkout.current', {});
    expect(view.lines.map((l) => l.sku)).toEqual(['MUG']);
  });

  it('refuses bad input with the field named, and changes nothing', async () => {
    t = await startTestTerminal({ seed: {} });
    await t.call('checkout.scan', { code: 'MUG' });
    for (const bad of [{ code: '' }, { code: 'MUG', qty: 0 }, { code: 'MUG', qty: 1.5 }, { code: 42 }, { qty: 2 }]) {
      const error = await t.fail('checkout.scan', bad as never);
      expect(error.code).toBe('VALIDATION_FAILED');
      expect(error.message).toMatch(/^(code|qty)/);
    }
    expect((await t.call('checkout.current', {})).lines[0]?.qty).toBe(1);
  });

  it('changes quantities and voids lines', async () => {
    t = await startTestTerminal({ seed: {} });
    const a = await t.call('checkout.scan', { code: 'MUG' });
    await t.call('checkout.scan', { code: 'BALL' });
    const mugLine = a.lastLineId ?? '';
    expect((await t.call('checkout.setQuantity', { lineId: mugLine, qty: 5 })).lines[0]?.total).toBe('60.00');
    const voided = await t.call('checkout.voidLine', { lineId: mugLine });
    expect(voided.lines.map((l) => l.sku)).toEqual(['BALL']);
    expect((await t.fail('checkout.voidLine', { lineId: mugLine })).code).toBe('LINE_NOT_FOUND');
    const zero = await t.call('checkout.setQuantity', { lineId: voided.lines[0]?.id ?? '', qty: 0 });
    expect(zero.lines).toEqual([]);
  });

  it('needs a signed-in cashier to sell', async () => {
    t = await startTestTerminal({ seed: {}, cashier: null });
    expect((await t.fail('checkout.scan', { code: 'MUG' })).code).toBe('NOT_SIGNED_IN');
  });

  it('searches by name and price-checks without touching the sale', async () => {
    t = await startTestTerminal({ seed: {} });
    const found = await t.call('catalog.search', { query: 'plush be' });
    expect(found.map((p) => p.sku)).toEqual(['BEAR']);
    const check = await t.call('catalog.priceCheck', { code: '2000000000022' });
    expect(check.product.name).toBe('Table Lamp');
    expect(check.unitPrice).toBe('80.00');
    expect((await t.call('checkout.current', {})).lines).toEqual([]);
  });
});

describe('customers and coupons', () => {
  const rules = [
    {
      id: 'gold-home',
      name: 'Gold members 15% on home',
      kind: 'discount',
      segments: ['gold'],
      appliesTo: { categories: ['home'] },
      percentOff: '15',
    },
    {
      id: 'save5',
      name: 'SAVE5: $5 off toys',
      kind: 'discount',
      coupon: 'SAVE5',
      appliesTo: { categories: ['toys'] },
      amountOff: '5',
    },
    {
      id: 'old',
      name: 'Old coupon',
      kind: 'discount',
      coupon: 'OLD10',
      percentOff: '10',
      validTo: '2026-11-01T00:00:00.000Z',
    },
    { id: 'vip', name: 'VIP coupon', kind: 'discount', coupon: 'VIPONLY', segments: ['vip'], percentOff: '10' },
  ];

  it('attaches a customer by loyalty card or phone and applies their segment’s discount', async () => {
    t = await startTestTerminal({ seed: { rules } });
    await t.call('checkout.scan', { code: 'LAMP' });
    const byPhone = await t.call('checkout.attachCustomer', { query: '212 555 0101' });
    expect(byPhone.customer?.id).toBe('c-gold');
    await t.call('checkout.detachCustomer', {});
    const view = await t.call('checkout.attachCustomer', { query: CUSTOMERS[0]?.loyaltyCard ?? '' });
    expect(view.customer?.name).toBe('Grace Gold');
    expect(view.lines[0]?.total).toBe('68.00');
    expect(view.lines[0]?.discounts.map((d) => d.ruleId)).toEqual(['gold-home']);
    expect(view.notice?.changes.map((c) => [c.from, c.to])).toEqual([['80.00', '68.00']]);
    expect(view.notice?.changes[0]?.reasons.join(' ')).toContain('Gold members 15% on home');
  });

  it('says why a customer is not found: offline, the server unreachable, or unknown there too', async () => {
    t = await startTestTerminal({ seed: { rules } });
    const offline = await t.fail('checkout.attachCustomer', { query: '12345' });
    expect(offline.code).toBe('CUSTOMER_NOT_FOUND');
    expect(offline.message).toBe(
      'No customer has loyalty card or phone "12345" on this terminal, and it is offline, so the store server cannot be asked. A customer who signed up in the last minutes may be missing: try again when the terminal is back online, or go on without the card.',
    );

    const online = (findCustomer: TerminalLink['findCustomer']) =>
      t.terminal.connect({ ...fixedLink('online'), findCustomer });
    await online(async () => {
      throw new Error('no answer within 3 s');
    });
    const unreachable = await t.fail('checkout.attachCustomer', { query: 'CARD-77' });
    expect(unreachable.message).toBe(
      'No customer has loyalty card or phone "CARD-77" on this terminal, and the store server could not be asked (no answer within 3 s). Try again, or go on without the card.',
    );

    await online(async () => null);
    const unknown = await t.fail('checkout.attachCustomer', { query: 'CARD-77' });
    expect(unknown.message).toBe(
      'No customer has loyalty card or phone "CARD-77" at this store (the store server has none either).',
    );
    expect((await t.call('checkout.current', {})).customer).toBeNull();
  });

  it('asks the store server for a customer the replica lacks, and keeps them for next time', async () => {
    t = await startTestTerminal({ seed: { rules } });
    const asked: string[] = [];
    await t.terminal.connect({
      ...fixedLink('online'),
      findCustomer: async (query) => {
        asked.push(query);
        return {
          id: 'c-fresh',
          name: 'Fred Fresh',
          loyaltyCard: 'CARD-77',
          phone: null,
          email: null,
          segments: ['gold'],
        };
      },
    });
    await t.call('checkout.scan', { code: 'LAMP' });
    const view = await t.call('checkout.attachCustomer', { query: ' CARD-77 ' });
    expect(asked).toEqual(['CARD-77']);
    expect(view.customer).toMatchObject({ id: 'c-fresh', segments: ['gold'] });
    expect(view.lines[0]?.discounts.map((d) => d.ruleId)).toEqual(['gold-home']);
    // Now in the replica: found there, offline too.
    await t.terminal.connect(fixedLink('offline'));
    await t.call('checkout.detachCustomer', {});
    expect((await t.call('checkout.attachCustomer', { query: 'CARD-77' })).customer?.name).toBe('Fred Fresh');
    expect(asked).toHaveLength(1);
  });

  it('applies a coupon and says why others are not valid', async () => {
    t = await startTestTerminal({ seed: { rules } });
    await t.call('checkout.scan', { code: 'BEAR' });
    const view = await t.call('checkout.addCoupon', { code: ' save5 ' });
    expect(view.coupons).toEqual([expect.objectContaining({ code: 'SAVE5', applied: true })]);
    expect(view.lines[0]?.total).toBe('25.00');
    const unknown = await t.fail('checkout.addCoupon', { code: 'NOPE' });
    expect(unknown).toMatchObject({ code: 'COUPON_INVALID', message: 'Coupon NOPE is not known at this store.' });
    const expired = await t.fail('checkout.addCoupon', { code: 'old10' });
    expect(expired.message).toMatch(/^Coupon OLD10 cannot be used now: it ended Oct 31, 2026, 8:00 PM/);
    const segment = await t.fail('checkout.addCoupon', { code: 'VIPONLY' });
    expect(segment.message).toContain('for vip customers only');
    expect((await t.call('checkout.current', {})).coupons.map((c) => c.code)).toEqual(['SAVE5']);
  });
});
