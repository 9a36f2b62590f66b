import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isValidEan13 } from '../src/seed/ean13';
import { startTestServer, type TestServer } from './support';

describe('store server HTTP', () => {
  let server: TestServer;
  const get = (path: string) =>
    server.request(path, { role: path.startsWith('/v1/stores') ? 'manager' : 'storefront' });

  beforeAll(async () => {
    server = await startTestServer({ demo: true, env: { API_KEY_CACHE_MS: '300' } });
  });
  afterAll(() => server.stop());

  it('is healthy and ready', async () => {
    const health = await get('/healthz');
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok' });
    const ready = await get('/readyz');
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', checks: { database: { ok: true }, stock: { ok: true } } });
  });

  it('exposes Prometheus metrics, including request timings', async () => {
    await get('/healthz');
    const res = await get('/metrics');
    expect(res.headers.get('content-type')).toContain('text/plain');
    const body = await res.text();
    expect(body).toContain('till_process_cpu_user_seconds_total');
    expect(body).toMatch(/till_http_request_duration_seconds_count\{method="GET",route="\/healthz",status="200"\} \d+/);
  });

  it('pages through the whole demo catalog', async () => {
    const seen = new Set<string>();
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await get(`/v1/products?limit=500${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.status).toBe(200);
      const page = (await res.json()) as { items: Array<{ sku: string; barcode: string }>; nextCursor: string | null };
      for (const p of page.items) {
        expect(seen.has(p.sku)).toBe(false);
        expect(isValidEan13(p.barcode)).toBe(true);
        seen.add(p.sku);
      }
      cursor = page.nextCursor;
      pages++;
    } while (cursor && pages < 100);
    expect(seen.size).toBeGreaterThanOrEqual(2_000);
  });

  it('finds a product by SKU, by barcode, by name and by category', async () => {
    const bySku = await (await get('/v1/products/FAS-00001-01')).json();
    expect(bySku).toMatchObject({
      sku: 'FAS-00001-01',
      category: 'fashion',
      parentSku: 'FAS-00001',
      price: { currency: 'USD' },
      taxRate: '0.08875',
    });
    expect(bySku.price.amount).toMatch(/^\d+\.\d{2}$/);
    const byBarcode = await (await get(`/v1/products/${bySku.barcode}`)).json();
    expect(byBarcode.sku).toBe('FAS-00001-01');
    const byName = await (await get('/v1/products?q=oxford%20shirt&limit=5')).json();
    expect(byName.items.length).toBe(5);
    for (const p of byName.items) expect(p.name.toLowerCase()).toContain('oxford shirt');
    const toys = await (await get('/v1/products?category=toys&limit=20')).json();
    expect(toys.items.every((p: { category: string }) => p.category === 'toys')).toBe(true);
  });

  it('answers unknown things and bad input with one error shape that names the field', async () => {
    const missing = await get('/v1/products/NOPE-1');
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({
      error: { code: 'NOT_FOUND', message: 'Product NOPE-1 was not found', sku: 'NOPE-1' },
    });

    const bad = await get('/v1/products?limit=abc');
    expect(bad.status).toBe(400);
    const body = await bad.json();
    expect(body.error.code).toBe('VALIDATION_FAILED');
    expect(body.error.fields[0].field).toBe('querystring.limit');

    const badSku = await get('/v1/products/%20drop%20table');
    expect(badSku.status).toBe(400);
    expect((await badSku.json()).error.fields[0].field).toBe('params.sku');

    const noRoute = await get('/v2/nothing');
    expect(noRoute.status).toBe(404);
    expect((await noRoute.json()).error.code).toBe('NOT_FOUND');
  });

  it('needs an API key of a role allowed on the route, for its own store only', async () => {
    const none = await server.request('/v1/products', { role: null });
    expect(none.status).toBe(401);
    expect((await none.json()).error.code).toBe('UNAUTHENTICATED');

    const forged = await fetch(`${server.url}/v1/products`, {
      headers: { authorization: 'Bearer till_sf_notarealkeynotarealkey' },
    });
    expect(forged.status).toBe(401);
    expect((await forged.json()).error.code).toBe('INVALID_API_KEY');

    const storefrontOnSummary = await server.request('/v1/stores/demo/summary', { role: 'storefront' });
    expect(storefrontOnSummary.status).toBe(403);
    expect((await storefrontOnSummary.json()).error).toMatchObject({ code: 'FORBIDDEN', role: 'storefront' });

    await server.db.pool.query(`INSERT INTO stores (id, name, currency) VALUES ('other', 'Other', 'EUR')`);
    const otherStore = await server.request('/v1/stores/other/summary', { role: 'manager' });
    expect(otherStore.status).toBe(403);
    expect((await otherStore.json()).error.code).toBe('FORBIDDEN_STORE');
    const asAdmin = await server.request('/v1/stores/other/summary', { role: 'admin' });
    expect(asAdmin.status).toBe(200);

    // Health, docs and the dashboard's page need no key.
    expect((await server.request('/healthz', { role: null })).status).toBe(200);
    expect((await server.request('/docs/openapi.json', { role: null })).status).toBe(200);
  });

  it('stops honouring a revoked key once the cache time has passed', async () => {
    const { issueApiKey, revokeApiKey } = await import('../src/auth/api-keys');
    const issued = await issueApiKey(server.db.pool, { storeId: 'demo', role: 'storefront', name: 'to revoke' });
    const call = () =>
      fetch(`${server.url}/v1/products?limit=1`, { headers: { authorization: `Bearer ${issued.key}` } });
    expect((await call()).status).toBe(200);
    expect(await revokeApiKey(server.db.pool, issued.keyId)).toBe(true);
    const started = Date.now();
    let status = 200;
    while (status === 200 && Date.now() - started < 5_000) {
      await new Promise((r) => setTimeout(r, 250));
      status = (await call()).status;
    }
    expect(status).toBe(401);
  });

  it('publishes an OpenAPI document generated from the request schemas, and a docs page', async () => {
    const doc = await (await get('/docs/openapi.json')).json();
    expect(doc.openapi).toMatch(/^3\./);
    const listing = doc.paths['/v1/products'].get;
    expect(listing.parameters.map((p: { name: string }) => p.name)).toEqual(
      expect.arrayContaining(['category', 'q', 'limit', 'cursor']),
    );
    const page = await get('/docs');
    expect(page.status).toBe(200);
  });

  it('summarises the store for the dashboard, including low stock', async () => {
    const summary = await (await get('/v1/stores/demo/summary')).json();
    expect(summary.store).toMatchObject({ id: 'demo', currency: 'USD' });
    expect(summary.products).toBeGreaterThanOrEqual(2_000);
    expect(summary.categories).toHaveLength(5);
    expect(summary.lowStock.length).toBeGreaterThan(0);
    expect(summary.lowStockCount).toBeGreaterThanOrEqual(summary.lowStock.length);
    for (const item of summary.lowStock) expect(item.available).toBeLessThan(item.threshold);
    const dashboard = await server.request('/dashboard/', { role: null });
    expect(dashboard.status).toBe(200);
    expect(await dashboard.text()).toContain('<title>Till');
  });

  it('is not ready while a migration is missing, and says which', async () => {
    await server.db.pool.query(`DELETE FROM pgmigrations WHERE name = '0001_foundation'`);
    try {
      const res = await get('/readyz');
      expect(res.status).toBe(503);
      const body = await res.json();
      expect(body.status).toBe('not_ready');
      expect(body.checks.database.reason).toContain('0001_foundation');
    } finally {
      await server.db.pool.query(`INSERT INTO pgmigrations (name, run_on) VALUES ('0001_foundation', now())`);
    }
    expect((await get('/readyz')).status).toBe(200);
  });
});
