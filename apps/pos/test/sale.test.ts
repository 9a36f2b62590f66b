import { afterEach, describe, expect, it } from 'vitest';
import { fixedLink } from '../src/core/sync';
import { startTestTerminal, type TestTerminal } from './support/terminal';

let t: TestTerminal;
afterEach(async () => {
  await t?.terminal.close();
});

function pendingItems(t: TestTerminal) {
  return t.terminal.outbox.pending({ limit: 100 });
}

describe('paying', () => {
  it('takes cash, gives change, stores the sale in the outbox and starts a new sale', async () => {
    t = await startTestTerminal({ seed: {} });
    await t.call('checkout.scan', { code: 'MUG', qty: 2 });
    const view = await t.call('checkout.current', {});
    expect(view.total).toBe('26.13');
    const paid = await t.call('checkout.tender', { method: 'cash', amount: '30', expectedTotal: view.total });
    expect(paid.done?.change).toBe('3.87');
    expect(paid.checkout.lines).toEqual([]);
    expect(paid.done?.receipt.data).toMatchObject({
      kind: 'sale',
      receiptNumber: 'T1-000001',
      total: '26.13',
      tenders: [{ method: 'cash', amount: '30.00', reference: null }],
      change: '3.87',
    });
    expect(paid.done?.receipt.html).toContain('Stoneware Mug');
    expect(paid.done?.receipt.email.subject).toBe('Your receipt T1-000001 from Demo Store');
    const [item, ...rest] = pendingItems(t);
    expect(rest).toEqual([]);
    expect(item?.item).toMatchObject({
      id: paid.done?.receipt.data.saleId,
      kind: 'sale',
      terminalId: 'term_test1',
      payload: {
        currency: 'USD',
        lines: [{ sku: 'MUG', qty: 2, unitPrice: '12.00', total: '24.00', ruleIds: [] }],
        subtotal: '24.00',
        tax: '2.13',
        total: '26.13',
        taxIncluded: false,
        payments: [{ method: 'cash', amount: '26.13' }],
      },
    });
    expect(t.terminal.status().pendingSales).toBe(1);
    const again = await t.call('sales.receipt', { saleId: paid.done?.receipt.data.saleId ?? '' });
    expect(again.data.receiptNumber).toBe('T1-000001');
  });

  it('splits a sale over card and cash; a card cannot take more than is due', async () => {
    t = await startTestTerminal({ seed: {} });
    await t.call('checkout.scan', { code: 'LAMP' });
    const due = (await t.call('checkout.current', {})).total;
    expect(due).toBe('87.10');
    const tooMuch = await t.fail('checkout.tender', { method: 'card', amount: '100' });
    expect(tooMuch.code).toBe('TENDER_INVALID');
    const part = await t.call('checkout.tender', { method: 'card', amount: '50', reference: '4242' });
    expect(part.done).toBeNull();
    expect(part.checkout.due).toBe('37.10');
    expect(part.checkout.paid).toBe('50.00');
    // Items cannot change under a recorded payment.
    expect((await t.fail('checkout.scan', { code: 'MUG' })).code).toBe('CART_HAS_TENDERS');
    const rest = await t.call('checkout.tender', { method: 'cash', amount: '40' });
    expect(rest.done?.change).toBe('2.90');
    expect(pendingItems(t)[0]?.item.payload.payments).toEqual([
      { method: 'card', amount: '50.00' },
      { method: 'cash', amount: '37.10' },
    ]);
  });

  it('refuses amounts that are not amounts, and a total that changed since it was shown', async () => {
    t = await startTestTerminal({ seed: {} });
    await t.call('checkout.scan', { code: 'BALL' });
    for (const amount of ['abc', '-5', '1.234', '1e3']) {
      expect((await t.fail('checkout.tender', { method: 'cash', amount })).code).toBe('TENDER_INVALID');
    }
    const changed = await t.fail('checkout.tender', { method: 'cash', amount: '50', expectedTotal: '20.00' });
    expect(changed.code).toBe('TOTAL_CHANGED');
    expect(pendingItems(t)).toEqual([]);
    expect((await t.call('checkout.current', {})).lines).toHaveLength(1);
  });
});

describe('parking', () => {
  it('parks a sale, starts another, and resumes the first as it was', async () => {
    t = await startTestTerminal({ seed: {} });
    await t.call('checkout.scan', { code: 'MUG' });
    await t.call('checkout.attachCustomer', { query: '9000000002' });
    const parked = await t.call('checkout.park', { label: 'red coat' });
    expect(parked).toEqual([
      expect.objectContaining({
        label: 'red coat',
        itemCount: 1,
        total: '13.07',
        customer: 'Nina New',
        cashier: 'Ana',
      }),
    ]);
    expect((await t.call('checkout.current', {})).status).toBe('empty');
    await t.call('checkout.scan', { code: 'BALL' });
    const resumed = await t.call('checkout.resume', { cartId: parked[0]?.cartId ?? '' });
    expect(resumed.lines.map((l) => l.sku)).toEqual(['MUG']);
    expect(resumed.customer?.name).toBe('Nina New');
    // The sale that was on screen was parked in its place.
    const nowParked = await t.call('checkout.parked', {});
    expect(nowParked.map((p) => p.itemCount)).toEqual([1]);
    expect(nowParked[0]?.cartId).not.toBe(parked[0]?.cartId);
    // Resuming the sale on screen changes nothing; an unknown one is refused.
    expect((await t.call('checkout.resume', { cartId: parked[0]?.cartId ?? '' })).cartId).toBe(parked[0]?.cartId);
    expect((await t.fail('checkout.resume', { cartId: 'no-such-cart' })).code).toBe('CART_NOT_FOUND');
    expect(await t.call('checkout.parked', {})).toHaveLength(1);
  });

  it('will not park an empty sale', async () => {
    t = await startTestTerminal({ seed: {} });
    expect((await t.fail('checkout.park', {})).code).toBe('CART_EMPTY');
  });
});

describe('returns and the drawer', () => {
  it('refunds against a receipt, never more than was sold, exactly what was paid in all', async () => {
    t = await startTestTerminal({ seed: {} });
    await t.call('checkout.scan', { code: 'CABLE', qty: 3 });
    const sale = await t.call('checkout.tender', { method: 'cash', amount: '40' });
    const number = sale.done?.receipt.data.receiptNumber ?? '';
    const found = await t.call('returns.find', { receiptNumber: number.toLowerCase() });
    expect(found.lines).toEqual([expect.objectContaining({ sku: 'CABLE', sold: 3, returnable: 3 })]);
    const first = await t.call('returns.complete', {
      receiptNumber: number,
      lines: [{ index: 0, qty: 2 }],
      method: 'cash',
      reason: 'does not fit the TV',
    });
    expect(first.data).toMatchObject({ kind: 'return', total: '21.75', returnOf: { receiptNumber: number } });
    const tooMany = await t.fail('returns.complete', {
      receiptNumber: number,
      lines: [{ index: 0, qty: 2 }],
      method: 'cash',
      reason: 'again',
    });
    expect(tooMany).toMatchObject({
      code: 'RETURN_INVALID',
      message: expect.stringContaining('Only 1 of HDMI Cable 2m'),
    });
    const last = await t.call('returns.complete', {
      receiptNumber: number,
      lines: [{ index: 0, qty: 1 }],
      method: 'card',
      reason: 'the last one too',
    });
    // 21.75 + 10.88 = 32.63, the sale's total to the cent.
    expect(last.data.total).toBe('10.88');
    expect(sale.done?.receipt.data.total).toBe('32.63');
    const returns = pendingItems(t).filter((i) => i.item.kind === 'return');
    expect(returns.map((r) => r.item.payload)).toEqual([
      expect.objectContaining({ saleId: sale.done?.receipt.data.saleId, refundTotal: '21.75', restock: true }),
      expect.objectContaining({ refundTotal: '10.88' }),
    ]);
    expect((await t.fail('returns.find', { receiptNumber: 'T9-999' })).code).toBe('SALE_NOT_FOUND');
  });

  it('opens the drawer only with a reason, and records it', async () => {
    t = await startTestTerminal({ seed: {} });
    expect((await t.fail('drawer.open', { reason: '' })).code).toBe('VALIDATION_FAILED');
    await t.call('drawer.open', { reason: 'change for the float' });
    const drawer = t.terminal.outbox.pending({ limit: 10 });
    expect(drawer.map((d) => [d.item.kind, d.item.payload.reason])).toEqual([['drawer_open', 'change for the float']]);
    // Not a sale: the badge counts sales and returns only.
    expect(t.terminal.status().pendingSales).toBe(0);
  });
});

describe('stock the server knows of', () => {
  it('warns of an item sold out on the server while online, and sells it anyway', async () => {
    t = await startTestTerminal({
      seed: {
        stock: [
          { sku: 'BEAR', available: 0 },
          { sku: 'BALL', available: 1 },
        ],
      },
    });
    await t.call('checkout.scan', { code: 'BEAR' });
    // Offline, the terminal cannot know better than its last news: no warning.
    expect((await t.call('checkout.current', {})).lines[0]?.stockWarning).toBeNull();
    await t.terminal.connect(fixedLink('online'));
    await t.call('checkout.scan', { code: 'BALL', qty: 2 });
    const view = await t.call('checkout.current', {});
    expect(view.lines.map((l) => [l.sku, l.stockWarning])).toEqual([
      ['BEAR', 'Sold out on the server'],
      ['BALL', 'Only 1 left on the server'],
    ]);
    expect((await t.call('checkout.tender', { method: 'card' })).done).not.toBeNull();
  });
});
