import type { Browser, Page } from 'playwright-core';
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
  startTerminal,
  startTill,
  stopTill,
  synced,
  type TerminalProcess,
} from './support';

/**
 * The network dies: the till keeps selling and says so; the server comes back and every sale
 * reaches it once, with its reconciliation result. And a terminal killed mid-sale comes back
 * with the sale on screen as it was.
 */

let server: StoreServer;
let terminal: TerminalProcess;
let browser: Browser;
const data = tempDir('till-pos-e2e-offline-');

beforeAll(async () => {
  ({ server, terminal, browser } = await startTill('Till 2', data.dir));
});

afterAll(async () => {
  await stopTill({ server, terminal, browser });
  data.remove();
});

async function badge(page: Page) {
  return {
    connection: (await page.locator('[data-testid=connection]').textContent())?.trim(),
    pending: await page.locator('[data-testid=pending-sales]').textContent(),
  };
}

async function payExact(page: Page) {
  await page.keyboard.press('F12');
  await page.locator('[data-testid=tender-amount]').waitFor();
  await page.press('[data-testid=tender-amount]', 'Enter');
  await page.locator('[data-testid=sale-done]').waitFor();
  await page.click('[data-testid=next-sale]');
  await page.locator('[data-testid=scan-input]').waitFor();
}

describe('selling offline', () => {
  it('sells five times with the server down, then hands every sale in once when it is back', async () => {
    const status: TerminalStatusView = await synced(terminal, 2415);
    const goods = await demoProducts(server, 'sporting', 10);
    const page = await openTill(browser, terminal.url);

    await server.stop();
    await eventually('the badge to say offline', async () => (await badge(page)).connection === 'Offline');
    const totals: string[] = [];
    for (let sale = 0; sale < 5; sale++) {
      await scan(page, goods[sale * 2]?.barcode ?? '');
      await scan(page, goods[sale * 2 + 1]?.barcode ?? '');
      totals.push((await checkoutOf(terminal)).total);
      if (sale === 4) {
        // Offline with sales waiting, in the middle of the fifth.
        await screenshot(page, 'offline-with-waiting-sales');
      }
      await payExact(page);
    }
    expect(await badge(page)).toEqual({ connection: 'Offline', pending: '5 sales waiting to sync' });
    // A no-sale drawer opening, offline too: it waits in the outbox behind the sales.
    const opening = await terminal.call<{ id: string }>('drawer.open', { reason: 'change for the float' });

    await server.start();
    await eventually('the badge to say online', async () => (await badge(page)).connection === 'Online', 60_000);
    await eventually('the outbox to drain', async () => (await badge(page)).pending === 'All sales synced', 60_000);

    type Report = { counts: Record<string, number>; items: { id: string; kind: string; status: string }[] };
    const report = await eventually('the drawer opening in the report', async () => {
      const response = await server.request(`/v1/terminals/${status.terminal?.id}/reconciliation`);
      const body = (await response.json()) as Report;
      return body.items.length === 6 ? body : undefined;
    });
    const sales = report.items.filter((i) => i.kind === 'sale');
    expect(sales).toHaveLength(5);
    expect(sales.every((i) => i.status === 'accepted')).toBe(true);
    expect(report.items.filter((i) => i.kind === 'drawer_open')).toEqual([
      expect.objectContaining({ id: opening.id, status: 'accepted' }),
    ]);
    expect(report.counts.accepted).toBe(6);
    const drawer = await server.db.pool.query(
      `SELECT cashier, reason FROM drawer_openings WHERE id = $1 AND terminal_id = $2`,
      [opening.id, status.terminal?.id],
    );
    expect(drawer.rows).toEqual([{ cashier: 'Ana', reason: 'change for the float' }]);
    // The stock moved on the server by what was sold.
    const sold = await server.db.pool.query<{ n: string }>(
      `SELECT count(*)::text AS n FROM pos_sales WHERE terminal_id = $1`,
      [status.terminal?.id],
    );
    expect(Number(sold.rows[0]?.n)).toBe(5);
    const serverTotals = await server.db.pool.query<{ total: string }>(
      `SELECT total::text FROM pos_sales WHERE terminal_id = $1 ORDER BY sold_at`,
      [status.terminal?.id],
    );
    expect(serverTotals.rows.map((r) => Number(r.total).toFixed(2))).toEqual(totals);
    await page.close();
  }, 240_000);

  it('comes back from being killed mid-sale with the sale on screen, items and prices as they were', async () => {
    await synced(terminal, 2415);
    const goods = await demoProducts(server, 'home', 3);
    const page = await openTill(browser, terminal.url);
    for (const item of goods) await scan(page, item.barcode);
    await page.keyboard.press('F4');
    await page.fill('[data-testid=customer-input]', 'TILL-0001');
    await page.press('[data-testid=customer-input]', 'Enter');
    await page.locator('[data-testid=customer]').waitFor();
    const before: CheckoutView = await checkoutOf(terminal);
    expect(before.lines).toHaveLength(3);

    await terminal.kill('SIGKILL');
    terminal = await startTerminal({ serverUrl: server.url, dataDir: data.dir });
    const after = await checkoutOf(terminal);
    expect(after.cartId).toBe(before.cartId);
    expect(after.lines.map((l) => [l.sku, l.qty, l.total])).toEqual(before.lines.map((l) => [l.sku, l.qty, l.total]));
    expect(after.customer?.id).toBe('demo-ada');
    expect(after.total).toBe(before.total);

    const again = await openTill(browser, terminal.url);
    expect(await again.locator('[data-testid=line]').count()).toBe(3);
    expect(await again.locator('[data-testid=total]').textContent()).toContain(before.total);

    // Park it, start another, and look at the parked sales.
    await again.keyboard.press('F6');
    await again.fill('[data-testid=park-label]', 'Ada — fetching her wallet');
    await again.press('[data-testid=park-label]', 'Enter');
    await again.locator('text=Ready to scan').waitFor();
    await scan(again, goods[0]?.barcode ?? '');
    await again.keyboard.press('F6');
    await again.fill('[data-testid=park-label]', 'Man in the blue coat');
    await again.press('[data-testid=park-label]', 'Enter');
    await again.locator('text=Ready to scan').waitFor();
    await again.keyboard.press('F7');
    await again.locator('[data-testid=resume]').first().waitFor();
    expect(await again.locator('[data-testid=resume]').count()).toBe(2);
    await screenshot(again, 'parked-sales');
    await again.locator('[data-testid=resume]').first().click();
    await again.locator('[data-testid=line]').first().waitFor();
    expect(await again.locator('[data-testid=line]').count()).toBe(3);
    expect((await checkoutOf(terminal)).cartId).toBe(before.cartId);
  }, 240_000);
});
