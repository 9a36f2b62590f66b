import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support';
import {
  changePrice,
  connectClient,
  demoSkus,
  type Enrolled,
  enrollTerminal,
  eventually,
  FAST_SYNC_ENV,
  saleItem,
} from './support';

describe('sync: snapshot, live push, upload', () => {
  let server: TestServer;
  let terminal: Enrolled;

  beforeAll(async () => {
    server = await startTestServer({ demo: true, env: FAST_SYNC_ENV });
    terminal = await enrollTerminal(server);
  });
  afterAll(() => server.stop());

  it('starts a new terminal from a snapshot, then keeps it current with pushed changes', async () => {
    const t = connectClient(server.url, { token: terminal.token, terminalId: terminal.terminalId });
    try {
      await eventually('online', () => t.client.status.state === 'online');
      await eventually('snapshot', () => t.store.snapshotsCommitted.length === 1);
      expect(t.store.sections.get('products')?.length).toBe(2_415);
      expect(t.store.sections.get('stock_levels')?.length).toBeGreaterThan(2_000);

      const [sku] = await demoSkus(server.db.pool, 1);
      const seq = await changePrice(server.db.pool, sku as string, '9.99');
      const change = await eventually('the price change', () => t.store.applied.find((c) => c.seq === seq));
      expect(change).toMatchObject({ type: 'price.changed', storeId: 'demo', payload: { sku } });
      expect(t.store.cursor()).toBeGreaterThanOrEqual(seq);
    } finally {
      await t.stop();
    }
  });

  it('applies an uploaded sale once, with its stock movement, and answers a resend as a duplicate', async () => {
    const t = connectClient(server.url, { token: terminal.token, terminalId: terminal.terminalId });
    try {
      const [a, b] = (await demoSkus(server.db.pool, 2)) as [string, string];
      const item = saleItem(terminal.terminalId, [
        { sku: a, qty: 2, price: '3.50' },
        { sku: b, qty: 1, price: '10.00' },
      ]);
      t.store.add('local-1', item);
      t.store.add('local-2', item); // the same sale twice in the outbox
      t.client.kickOutbox();
      await eventually('outbox empty', () => t.store.pendingCount === 0);
      expect(t.store.results.get('local-1')?.status).toBe('accepted');
      expect(t.store.results.get('local-2')).toMatchObject({ status: 'duplicate', original: 'accepted' });

      const sales = await server.db.pool.query<{ total: string }>('SELECT total::text FROM pos_sales WHERE id = $1', [
        item.id,
      ]);
      expect(sales.rows).toHaveLength(1);
      expect(Number(sales.rows[0]?.total)).toBe(Number((item.payload as { total: string }).total));
      const moved = await server.db.pool.query(
        `SELECT sku, sold_delta::int FROM stock_movements WHERE source_id = $1 ORDER BY sku`,
        [item.id],
      );
      expect(moved.rows).toEqual(
        [
          { sku: a, sold_delta: 2 },
          { sku: b, sold_delta: 1 },
        ].sort((x, y) => (x.sku < y.sku ? -1 : 1)),
      );
    } finally {
      await t.stop();
    }
  });
});
