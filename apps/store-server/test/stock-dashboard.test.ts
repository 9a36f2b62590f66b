import type { Browser } from 'playwright-core';
import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './support';
import { chromiumAvailable, launchChromium } from './support/chromium';

describe.skipIf(!chromiumAvailable())('dashboard: stock, holds and alerts', () => {
  let server: TestServer;
  let browser: Browser;

  beforeAll(async () => {
    server = await startTestServer({ demo: true });
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('shows what is held, the low-stock alerts, and answers a SKU lookup', async () => {
    const { rows } = await server.db.pool.query<{ sku: string; name: string }>(
      `SELECT sku, name FROM products ORDER BY sku OFFSET 500 LIMIT 1`,
    );
    const { sku, name } = rows[0] as { sku: string; name: string };
    const adjust = await server.request('/v1/stock/adjustments', {
      method: 'POST',
      role: 'manager',
      body: JSON.stringify({ adjustmentId: uuidv7(), kind: 'count', lines: [{ sku, onHand: 6 }] }),
    });
    expect(adjust.status).toBe(201);
    const hold = await server.request('/v1/holds', {
      method: 'POST',
      body: JSON.stringify({ sku, qty: 2, holderId: 'dash-1' }),
    });
    expect(hold.status).toBe(201);

    const page = await browser.newPage();
    await page.goto(`${server.url}/dashboard/#key=${server.keys.manager}`);
    const heldRow = page.locator('#stock-held tbody tr', { hasText: sku });
    await heldRow.waitFor({ timeout: 15_000 });
    expect(await heldRow.locator('td').allTextContents()).toEqual([sku, name, '6', '2', '4']);
    const alert = page.locator('#stock-alerts tbody tr', { hasText: sku });
    await alert.waitFor({ timeout: 15_000 });
    expect(await alert.locator('td').nth(2).textContent()).toBe('6');

    await page.fill('#stock-sku', sku);
    await page.click('#stock-lookup button');
    await page.waitForFunction(() => document.getElementById('stock-answer')?.textContent?.includes('available'));
    expect(await page.textContent('#stock-answer')).toBe(`${sku}: 6 on hand, 2 held, 4 available`);
    // The store summary beside it counts the same held units.
    await page.waitForFunction(() => document.getElementById('kpi-held')?.textContent !== '–');
    expect(await page.textContent('#kpi-held')).toBe('2');
    await page.close();
  }, 60_000);
});
