import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PROTOCOL_VERSION } from '@till/sync';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support';
import { chromiumAvailable, launchChromium } from '../support/chromium';
import { connectClient, demoSkus, type Enrolled, enrollTerminal, eventually, FAST_SYNC_ENV, saleItem } from './support';

const liveJs = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dashboard/live.js');

describe('the dashboard page speaks the current protocol', () => {
  it('declares the protocol version of @till/sync', () => {
    const declared = /const PROTOCOL = (\d+);/.exec(fs.readFileSync(liveJs, 'utf8'))?.[1];
    expect(Number(declared)).toBe(PROTOCOL_VERSION);
  });
});

describe.skipIf(!chromiumAvailable())('the dashboard, live, in a browser', () => {
  let server: TestServer;
  let browser: Browser;
  let terminal: Enrolled;

  beforeAll(async () => {
    server = await startTestServer({ demo: true, env: FAST_SYNC_ENV });
    terminal = await enrollTerminal(server, 'Till by the door');
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server.stop();
  });

  it('shows stock, alerts and reconciliation as a terminal uploads a sale', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${server.url}/dashboard/#key=${server.keys.manager}`);
    await page.waitForSelector('#live-status.ok', { timeout: 15_000 });
    expect(await page.textContent('#live-status')).toMatch(/^Live · /);
    await page.waitForSelector('#terminals tbody tr');
    expect(await page.textContent('#terminals tbody')).toContain('Till by the door');

    const t = connectClient(server.url, { token: terminal.token, terminalId: terminal.terminalId });
    try {
      const [plenty] = (await demoSkus(server.db.pool, 1)) as [string];
      const [scarce] = (await demoSkus(server.db.pool, 1, 1)) as [string];
      const { rows } = await server.db.pool.query<{ available: number }>(
        `SELECT (received - sold - held)::int AS available FROM stock_levels WHERE store_id = 'demo' AND sku = $1`,
        [scarce],
      );
      t.store.add('fine', saleItem(terminal.terminalId, [{ sku: plenty, qty: 1, price: '2.00' }]));
      t.store.add(
        'oversold',
        saleItem(terminal.terminalId, [{ sku: scarce, qty: (rows[0]?.available ?? 0) + 2, price: '2.00' }]),
      );
      t.store.add(
        'no-sale',
        t.client.makeOutboxItem('drawer_open', {
          openedAt: Date.now(),
          cashier: 'Ana',
          reason: 'change for the float',
        }),
      );
      t.client.kickOutbox();
      await eventually('uploaded', () => t.store.pendingCount === 0);

      await page.waitForSelector(`#live-stock tr[data-sku="${plenty}"]`, { timeout: 15_000 });
      await page.waitForSelector(`#live-stock tr[data-sku="${scarce}"]`, { timeout: 15_000 });
      await page.waitForFunction(
        () => document.querySelector('#live-alerts')?.textContent?.includes('count the shelf'),
        undefined,
        {
          timeout: 15_000,
        },
      );
      await page.waitForFunction(
        () => document.querySelector('#live-alerts')?.textContent?.includes('No sale: Ana opened the drawer'),
        undefined,
        { timeout: 15_000 },
      );
      expect(await page.textContent('#live-alerts')).toContain('“change for the float”');
      const cells = async () =>
        page.$$eval(`#terminals tr[data-terminal="${terminal.terminalId}"] td`, (tds) =>
          tds.map((td) => td.textContent),
        );
      await eventually('the reconciliation counts', async () => {
        const c = await cells();
        return c[1] === 'online' && c[2] === '2' && c[3] === '1'; // the sale and the drawer opening; the oversold sale
      });
      expect(errors).toEqual([]);
    } finally {
      await t.stop();
      await page.close();
    }
  });

  it('says in words when the key is refused', async () => {
    const page = await browser.newPage();
    await page.goto(`${server.url}/dashboard/#key=${server.keys.storefront}`);
    await page.waitForSelector('#live-status.error', { timeout: 15_000 });
    expect(await page.textContent('#live-status')).toMatch(/manager key|storefront key/);
    await page.close();
  });
});
