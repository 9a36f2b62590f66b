import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckoutView, TerminalStatusView } from '../../src/core/views';
import { tempDir } from '../support/terminal';
import {
  checkoutOf,
  demoProducts,
  eventually,
  openTill,
  type StoreServer,
  scan,
  screenshot,
  startTill,
  stopTill,
  synced,
  type TerminalProcess,
} from './support';

/** A full sale at a till in Chromium, against a real store server: loyalty card, coupon, cash. */

let server: StoreServer;
let terminal: TerminalProcess;
let browser: Browser;
const data = tempDir('till-pos-e2e-sale-');

beforeAll(async () => {
  ({ server, terminal, browser } = await startTill('Till 1', data.dir));
});

afterAll(async () => {
  await stopTill({ server, terminal, browser });
  data.remove();
});

describe('a sale at the till', () => {
  it('sells to a gold member with a coupon for cash, priced as the server prices it, and hands the sale in', async () => {
    const status: TerminalStatusView = await synced(terminal, 2415).catch((error: Error) => {
      throw new Error(`${error.message}\n--- terminal output ---\n${terminal.output()}`);
    });
    expect(status.terminal?.name).toBe('Till 1');
    expect(status.store?.name).toBeTruthy();

    const [lamp] = await demoProducts(server, 'home', 1);
    const toys = await demoProducts(server, 'toys', 2);
    const [shirt] = await demoProducts(server, 'fashion', 1);
    if (!lamp || !shirt || toys.length < 2) throw new Error('the demo catalog lacks home goods, toys or fashion');

    const page = await openTill(browser, terminal.url);
    await scan(page, lamp.barcode);
    await scan(page, toys[0]?.barcode ?? '');
    await scan(page, toys[1]?.barcode ?? '');
    await scan(page, shirt.sku);

    // An unknown code is said in words where it was scanned, and the sale stays as it was.
    await page.fill('[data-testid=scan-input]', '4006381333931');
    await page.press('[data-testid=scan-input]', 'Enter');
    await page.locator('[data-testid=scan-error]').waitFor();
    expect(await page.locator('[data-testid=scan-error]').textContent()).toContain('4006381333931');

    await page.keyboard.press('F4');
    await page.fill('[data-testid=customer-input]', 'TILL-0001');
    await page.press('[data-testid=customer-input]', 'Enter');
    await page.locator('[data-testid=customer]').waitFor();

    await page.keyboard.press('F5');
    await page.fill('[data-testid=coupon-input]', 'nope');
    await page.press('[data-testid=coupon-input]', 'Enter');
    await page.locator('[data-testid=dialog-error]').waitFor();
    expect(await page.locator('[data-testid=dialog-error]').textContent()).toBe(
      'Coupon NOPE is not known at this store.',
    );
    await page.fill('[data-testid=coupon-input]', 'save10');
    await page.press('[data-testid=coupon-input]', 'Enter');
    await page.locator('[data-testid=coupon]').waitFor();

    const view: CheckoutView = await checkoutOf(terminal);
    expect(view.customer).toMatchObject({ id: 'demo-ada', loyaltyCard: 'TILL-0001', segments: ['gold'] });
    const applied = view.lines.flatMap((l) => l.discounts.map((d) => d.ruleId));
    expect(applied).toEqual(expect.arrayContaining(['demo-gold-home-15', 'demo-coupon-save10', 'demo-toys-b1g1']));
    expect(view.coupons).toEqual([expect.objectContaining({ code: 'SAVE10', applied: true })]);
    await page.locator('[data-testid=line-discount]').first().waitFor();
    expect(await page.locator('[data-testid=total]').textContent()).toContain(view.total);
    await screenshot(page, 'sale-with-discounts');

    // The server prices the same cart to the same cent.
    const priced = await server.request('/v1/carts/price', {
      role: 'storefront',
      method: 'POST',
      body: JSON.stringify({
        lines: view.lines.map((l) => ({ sku: l.sku, qty: l.qty })),
        customerId: view.customer?.id,
        coupons: ['SAVE10'],
        channel: 'pos',
      }),
    });
    const serverCart = (await priced.json()) as { totals: { total: string }; rulesSnapshot: { id: string } };
    expect(serverCart.totals.total).toBe(view.total);

    await page.keyboard.press('F12');
    await page.locator('[data-testid=tender-amount]').waitFor();
    const cash = String(Math.ceil(Number(view.total) / 10) * 10 + 10);
    await page.fill('[data-testid=tender-amount]', cash);
    await screenshot(page, 'tender-cash');
    await page.press('[data-testid=tender-amount]', 'Enter');
    await page.locator('[data-testid=sale-done]').waitFor();
    const change = await page.locator('[data-testid=change]').textContent();
    expect(change).toBe(`$${(Number(cash) - Number(view.total)).toFixed(2)}`);
    await page.frameLocator('[data-testid=receipt]').locator('text=SAVE10').first().waitFor();
    await screenshot(page, 'receipt-and-change');

    // Handed in: the server has the sale, accepted at the same rules snapshot.
    const report = await eventually('the sale to reach the server', async () => {
      const response = await server.request(`/v1/terminals/${status.terminal?.id}/reconciliation`);
      const body = (await response.json()) as { items: { id: string; kind: string; status: string }[] };
      return body.items.length > 0 ? body : undefined;
    });
    expect(report.items).toEqual([expect.objectContaining({ kind: 'sale', status: 'accepted' })]);
    await eventually('the badge to show everything synced', async () => {
      return (await page.locator('[data-testid=pending-sales]').textContent()) === 'All sales synced';
    });

    // The shirt comes back: a return against the receipt, refunded in cash, handed in too.
    const [lastSale] = await terminal.call<{ data: { receiptNumber: string } }[]>('sales.recent');
    const receiptNumber = lastSale?.data.receiptNumber;
    await page.click('[data-testid=next-sale]');
    await page.keyboard.press('F8');
    await page.fill('[data-testid=return-receipt]', receiptNumber ?? '');
    await page.press('[data-testid=return-receipt]', 'Enter');
    await page.locator('.return-lines, [data-testid=dialog-error]').first().waitFor();
    const shirtRow = page.locator('.return-lines li', { hasText: 'Oxford Shirt' });
    await shirtRow.locator('input').fill('1');
    await page.fill('.return-sale label input', 'too small');
    await page.click('text=/^Refund about/');
    await page.locator('text=/^Refund \\$[\\d.]+ stored\\./').waitFor();
    const shirtLine = view.lines.find((l) => l.sku === shirt.sku);
    const refund = (Number(shirtLine?.total) + Number(shirtLine?.tax)).toFixed(2);
    expect(await page.locator('.return-done .big').textContent()).toBe(`Refund $${refund} stored.`);
    const returned = await eventually('the return to reach the server', async () => {
      const response = await server.request(`/v1/terminals/${status.terminal?.id}/reconciliation`);
      const body = (await response.json()) as { items: { kind: string; status: string }[] };
      return body.items.find((i) => i.kind === 'return');
    });
    expect(returned.status).toBe('accepted');
    await page.keyboard.press('Escape');
  }, 180_000);

  it('prices the sale in euros from the currency dialog (F10), at the rate the server prices with', async () => {
    await synced(terminal, 2415);
    const [lamp] = await demoProducts(server, 'home', 1);
    const [bear] = await demoProducts(server, 'toys', 1);
    if (!lamp || !bear) throw new Error('the demo catalog lacks home goods or toys');
    const page = await openTill(browser, terminal.url);
    await scan(page, lamp.barcode);
    await scan(page, bear.barcode);
    expect(await page.locator('[data-testid=currency-button]').textContent()).toContain('Currency · USD');

    await page.keyboard.press('F10');
    const list = page.locator('[data-testid=currency-list]');
    await list.waitFor();
    const options = await list
      .locator('button')
      .evaluateAll((buttons) => buttons.map((b) => (b as HTMLElement).dataset.currency));
    expect(options).toEqual(['USD', 'AUD', 'CAD', 'CHF', 'EUR', 'GBP', 'JPY', 'KWD']);
    expect(await list.locator('li.active').textContent()).toContain('USD · now');
    expect(await list.locator('[data-currency=EUR]').textContent()).toContain('1 USD = 0.92 EUR');
    await screenshot(page, 'currency-dialog');
    // Keyboard first: ↓ moves along the list, Enter picks.
    for (let i = 0; i < 4; i++) await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await list.waitFor({ state: 'detached' });
    await page.locator('[data-testid=exchange]').waitFor();
    expect(await page.locator('[data-testid=exchange]').textContent()).toBe(
      'In EUR at 1 USD = 0.92 EUR (rates demo-usd-2026-11-20)',
    );
    const lineTotals = await page.locator('[data-testid=line-total]').allTextContents();
    for (const total of lineTotals) expect(total).toMatch(/^€/);
    expect(await page.locator('[data-testid=currency-button]').textContent()).toContain('Currency · EUR');

    const view = await checkoutOf(terminal);
    expect(view.currency).toBe('EUR');
    expect(view.exchange).toEqual({ base: 'USD', currency: 'EUR', rate: '0.92', snapshotId: 'demo-usd-2026-11-20' });
    expect(await page.locator('[data-testid=total]').textContent()).toContain(view.total);
    // The server prices the same cart in euros to the same cent, with the same rates snapshot.
    const priced = await server.request('/v1/carts/price', {
      role: 'storefront',
      method: 'POST',
      body: JSON.stringify({
        lines: view.lines.map((l) => ({ sku: l.sku, qty: l.qty })),
        currency: 'EUR',
        channel: 'pos',
      }),
    });
    const serverCart = (await priced.json()) as { totals: { total: string }; ratesSnapshot: { id: string } };
    expect(serverCart.totals.total).toBe(view.total);
    expect(serverCart.ratesSnapshot.id).toBe('demo-usd-2026-11-20');
    await screenshot(page, 'sale-in-euros');

    // Paid in euros: the server keeps the sale in euros, accepted.
    await page.keyboard.press('F12');
    await page.locator('[data-testid=tender-amount]').waitFor();
    await page.fill('[data-testid=tender-amount]', String(Math.ceil(Number(view.total)) + 5));
    await page.press('[data-testid=tender-amount]', 'Enter');
    await page.locator('[data-testid=sale-done]').waitFor();
    const [sold] = await terminal.call<{ data: { saleId: string; currency: string } }[]>('sales.recent');
    expect(sold?.data.currency).toBe('EUR');
    const status = await terminal.call<TerminalStatusView>('session.status');
    const result = await eventually('the euro sale to reach the server', async () => {
      const response = await server.request(`/v1/terminals/${status.terminal?.id}/reconciliation`);
      const body = (await response.json()) as { items: { id: string; kind: string; status: string }[] };
      return body.items.find((i) => i.id === sold?.data.saleId);
    });
    expect(result).toMatchObject({ kind: 'sale', status: 'accepted' });
    await page.click('[data-testid=next-sale]');
  }, 120_000);

  it('takes a flash price pushed by the manager, counts down to its end and switches back on time', async () => {
    const status = await synced(terminal, 2415);
    const [ball] = await demoProducts(server, 'sporting', 1);
    if (!ball) throw new Error('no sporting goods in the demo catalog');
    const endsAt = Date.now() + 8_000;
    const put = await server.request('/v1/rules/e2e-flash', {
      method: 'PUT',
      body: JSON.stringify({
        rule: {
          name: 'Flash sale: 40% off',
          kind: 'price',
          appliesTo: { skus: [ball.sku] },
          price: '9.99',
          validFrom: new Date(Date.now() - 60_000).toISOString(),
          validTo: new Date(endsAt).toISOString(),
        },
      }),
    });
    expect(put.status).toBe(201);
    // Live push: the rule reaches the replica without a restart.
    await eventually('the flash rule to reach the terminal', async () => {
      const now = await terminal.call<TerminalStatusView>('session.status');
      return now.catalog.rules > status.catalog.rules;
    });
    const page = await openTill(browser, terminal.url);
    await scan(page, ball.barcode);
    await page.locator('[data-testid=countdown]').waitFor();
    expect(await page.locator('[data-testid=countdown]').textContent()).toMatch(/Flash sale: 40% off ends in 00:0\d/);
    expect(await page.locator('[data-testid=line-total]').first().textContent()).toBe('$9.99');
    await screenshot(page, 'flash-price-countdown');
    // At its end the price switches back by itself, and the cashier is told why.
    await page.locator('[data-testid=notice]').waitFor({ timeout: 20_000 });
    expect(await page.locator('[data-testid=notice]').textContent()).toContain('Flash sale: 40% off no longer applies');
    expect(await page.locator('[data-testid=line-total]').first().textContent()).not.toBe('$9.99');
    expect(await page.locator('[data-testid=countdown]').count()).toBe(0);
    await page.click('text=Void sale');
  }, 120_000);
});
