import { v7 as uuidv7 } from 'uuid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTillClient } from '../src/client';
import { startTestServer, type TestServer } from './support';

describe('stock, holds and orders over HTTP (Postgres mode)', () => {
  let server: TestServer;
  let skus: string[];
  let next = 0;

  beforeAll(async () => {
    server = await startTestServer({ demo: true });
    const { rows } = await server.db.pool.query<{ sku: string }>(`SELECT sku FROM products ORDER BY sku DESC LIMIT 60`);
    skus = rows.map((r) => r.sku);
  });
  afterAll(() => server.stop());

  const json = (
    method: string,
    path: string,
    body?: unknown,
    init: { role?: 'storefront' | 'manager' | null; headers?: Record<string, string> } = {},
  ) =>
    server.request(path, {
      method,
      body: body === undefined ? undefined : JSON.stringify(body),
      role: init.role,
      headers: init.headers,
    });

  /** A SKU of its own with `onHand` units, set through the adjustments API. */
  async function freshSku(onHand: number) {
    const sku = skus[next++] as string;
    const res = await json(
      'POST',
      '/v1/stock/adjustments',
      { adjustmentId: uuidv7(), kind: 'count', lines: [{ sku, onHand }] },
      { role: 'manager' },
    );
    expect(res.status).toBe(201);
    return sku;
  }

  const availability = async (sku: string) =>
    (await (await json('GET', `/v1/products/${sku}/availability`)).json()) as Record<string, number>;
  const eventCount = async () => Number((await server.db.pool.query('SELECT count(*) AS n FROM events')).rows[0].n);

  it('grants a hold (201), sets it to a new total (200), and shows it in availability', async () => {
    const sku = await freshSku(10);
    const first = await json('POST', '/v1/holds', { sku, qty: 2, holderId: 'cust-1', cartId: 'cart-9' });
    expect(first.status).toBe(201);
    const hold = await first.json();
    expect(hold).toMatchObject({ sku, qty: 2, holderId: 'cust-1', cartId: 'cart-9', state: 'active', storeId: 'demo' });
    expect(hold.holdId).toMatch(/^[0-9a-f-]{36}$/);
    expect(Date.parse(hold.expiresAt) - Date.now()).toBeGreaterThan(14 * 60_000);
    expect(await availability(sku)).toEqual({ sku, onHand: 10, held: 2, available: 8 });

    const again = await json('POST', '/v1/holds', { sku, qty: 3, holderId: 'cust-1' });
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ holdId: hold.holdId, qty: 3, cartId: 'cart-9' });

    const patched = await json('PATCH', `/v1/holds/${hold.holdId}`, { qty: 1 });
    expect(await patched.json()).toMatchObject({ holdId: hold.holdId, qty: 1 });
    const got = await json('GET', `/v1/holds/${hold.holdId}`);
    expect(await got.json()).toMatchObject({ qty: 1, state: 'active' });

    const extended = await json('POST', `/v1/holds/${hold.holdId}/extend`);
    expect(extended.status).toBe(200);
    expect(Date.parse((await extended.json()).expiresAt)).toBeGreaterThanOrEqual(Date.parse(hold.expiresAt));

    const released = await json('DELETE', `/v1/holds/${hold.holdId}`);
    expect(await released.json()).toMatchObject({ state: 'released', reason: 'Released by the holder' });
    expect((await json('DELETE', `/v1/holds/${hold.holdId}`)).status).toBe(200);
    expect(await availability(sku)).toEqual({ sku, onHand: 10, held: 0, available: 10 });

    const events = await server.db.pool.query<{ type: string }>(
      `SELECT type FROM events WHERE payload->>'holdId' = $1 ORDER BY seq`,
      [hold.holdId],
    );
    expect(events.rows.map((e) => e.type)).toEqual([
      'hold.granted',
      'hold.changed',
      'hold.changed',
      'hold.extended',
      'hold.released',
    ]);
  });

  it('refuses with 409, the reason and its numbers, and changes nothing', async () => {
    const sku = await freshSku(3);
    await json('POST', '/v1/holds', { sku, qty: 3, holderId: 'first' });
    const before = await eventCount();
    const res = await json('POST', '/v1/holds', { sku, qty: 1, holderId: 'second' });
    expect(res.status).toBe(409);
    const body = await res.json();
    expect(body.error).toMatchObject({ code: 'HELD_BY_OTHERS', sku, available: 0 });
    expect(body.error.message).toMatch(/first of those holds expires at \d{4}-/);
    expect(Date.parse(body.error.firstExpiresAt)).toBeGreaterThan(Date.now());
    const last = await json('POST', '/v1/holds', { sku, qty: 4, holderId: 'first' });
    expect((await last.json()).error).toMatchObject({ code: 'ALREADY_HOLDS_LAST', youHold: 3 });
    expect(await eventCount()).toBe(before);
    expect(await availability(sku)).toEqual({ sku, onHand: 3, held: 3, available: 0 });
  });

  it('answers bad input with 400 naming the field, unknown things with 404, and changes nothing', async () => {
    const sku = await freshSku(5);
    const before = await eventCount();
    const bad: Array<[unknown, string]> = [
      [{ sku, qty: 0, holderId: 'x' }, 'body.qty'],
      [{ sku, qty: -2, holderId: 'x' }, 'body.qty'],
      [{ sku, qty: 1.5, holderId: 'x' }, 'body.qty'],
      [{ sku, qty: 1_000_000, holderId: 'x' }, 'body.qty'],
      [{ sku, qty: '2', holderId: 'x' }, 'body.qty'],
      [{ qty: 1, holderId: 'x' }, 'body.sku'],
      [{ sku, qty: 1, holderId: 'has spaces' }, 'body.holderId'],
      [{ sku, qty: 1 }, 'body.holderId'],
    ];
    for (const [body, field] of bad) {
      const res = await json('POST', '/v1/holds', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      const error = (await res.json()).error;
      expect(error.code).toBe('VALIDATION_FAILED');
      expect(error.fields.map((f: { field: string }) => f.field)).toContain(field);
    }
    const unknown = await json('POST', '/v1/holds', { sku: 'NO-SUCH-1', qty: 1, holderId: 'x' });
    expect(unknown.status).toBe(404);
    expect((await unknown.json()).error).toMatchObject({ code: 'UNKNOWN_SKU', sku: 'NO-SUCH-1' });
    const noHold = await json('PATCH', `/v1/holds/${uuidv7()}`, { qty: 1 });
    expect(noHold.status).toBe(404);
    expect((await noHold.json()).error.code).toBe('NO_HOLD');
    expect((await json('PATCH', '/v1/holds/not-a-uuid', { qty: 1 })).status).toBe(400);
    expect((await json('GET', '/v1/products/NO-SUCH-1/availability')).status).toBe(404);
    const malformed = await server.request('/v1/holds', {
      method: 'POST',
      body: '{"sku":',
      headers: { 'content-type': 'application/json' },
    });
    expect(malformed.status).toBe(400);
    expect(await eventCount()).toBe(before);
    expect(await availability(sku)).toEqual({ sku, onHand: 5, held: 0, available: 5 });
  });

  it('asks for a key, and keeps stock changes to managers', async () => {
    expect((await json('POST', '/v1/holds', { sku: skus[0], qty: 1, holderId: 'x' }, { role: null })).status).toBe(401);
    const res = await json('POST', '/v1/stock/adjustments', {
      adjustmentId: uuidv7(),
      kind: 'receipt',
      lines: [{ sku: skus[0], delta: 5 }],
    });
    expect(res.status).toBe(403);
    expect((await json('GET', '/v1/stock/alerts')).status).toBe(403);
  });

  it('applies an adjustment once per id; another body under the same id is refused', async () => {
    const sku = await freshSku(5);
    const adjustmentId = uuidv7();
    const body = { adjustmentId, kind: 'receipt', note: 'delivery 4411', lines: [{ sku, delta: 7 }] };
    const first = await json('POST', '/v1/stock/adjustments', body, { role: 'manager' });
    expect(first.status).toBe(201);
    expect((await first.json()).lines).toMatchObject([
      { sku, onHandBefore: 5, delta: 7, after: { onHand: 12, available: 12 } },
    ]);
    const retry = await json('POST', '/v1/stock/adjustments', body, { role: 'manager' });
    expect(retry.status).toBe(200);
    const other = await json(
      'POST',
      '/v1/stock/adjustments',
      { ...body, lines: [{ sku, delta: 8 }] },
      { role: 'manager' },
    );
    expect(other.status).toBe(422);
    expect((await other.json()).error.code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(await availability(sku)).toMatchObject({ onHand: 12 });

    const tooMuch = await json(
      'POST',
      '/v1/stock/adjustments',
      {
        adjustmentId: uuidv7(),
        kind: 'shrinkage',
        lines: [
          { sku, delta: -3 },
          { sku: skus[next] as string, delta: -1_000 },
        ],
      },
      { role: 'manager' },
    );
    expect(tooMuch.status).toBe(409);
    expect((await tooMuch.json()).error.code).toBe('NOT_ENOUGH_ON_HAND');
    const wrongSign = await json(
      'POST',
      '/v1/stock/adjustments',
      { adjustmentId: uuidv7(), kind: 'receipt', lines: [{ sku, delta: -3 }] },
      { role: 'manager' },
    );
    expect(wrongSign.status).toBe(400);
    expect((await wrongSign.json()).error.fields[0].field).toBe('body.lines.0.delta');
    const unknown = await json(
      'POST',
      '/v1/stock/adjustments',
      {
        adjustmentId: uuidv7(),
        kind: 'receipt',
        lines: [
          { sku, delta: 1 },
          { sku: 'NOPE-9', delta: 1 },
        ],
      },
      { role: 'manager' },
    );
    expect(unknown.status).toBe(404);
    expect(await availability(sku)).toMatchObject({ onHand: 12 });
  });

  it('places an order once per idempotency key, priced from the held lines', async () => {
    const sku = await freshSku(5);
    const hold = await (await json('POST', '/v1/holds', { sku, qty: 2, holderId: 'buyer-7' })).json();
    const cart = await (await json('POST', '/v1/carts/price', { lines: [{ sku, qty: 2 }] })).json();
    const key = uuidv7();
    const body = { holderId: 'buyer-7', holdIds: [hold.holdId], payment: { method: 'card', reference: 'psp-123' } };

    const missingKey = await json('POST', '/v1/orders', body);
    expect(missingKey.status).toBe(400);
    expect((await missingKey.json()).error.fields[0].field).toBe('headers.idempotency-key');

    const [a, b] = await Promise.all([
      json('POST', '/v1/orders', body, { headers: { 'idempotency-key': key } }),
      json('POST', '/v1/orders', body, { headers: { 'idempotency-key': key } }),
    ]);
    expect([a.status, b.status]).toEqual([201, 201]);
    const [orderA, orderB] = [await a.json(), await b.json()];
    expect(orderA.orderId).toBe(orderB.orderId);
    expect([a.headers.get('idempotent-replayed'), b.headers.get('idempotent-replayed')].sort()).toEqual(
      ['true', null].sort(),
    );
    expect(orderA).toMatchObject({
      holderId: 'buyer-7',
      status: 'placed',
      currency: 'USD',
      lines: [{ lineNo: 1, sku, qty: 2, holdId: hold.holdId }],
      pricing: { source: 'pricing-service', rulesSnapshot: cart.rulesSnapshot },
    });
    // Priced by the pricing service exactly as the same cart is priced by POST /v1/carts/price.
    expect(orderA.lines[0]).toMatchObject({
      unitPrice: { amount: cart.lines[0].unitPrice, currency: 'USD' },
      lineTotal: { amount: cart.lines[0].total, currency: 'USD' },
      tax: { amount: cart.lines[0].tax, currency: 'USD' },
    });
    expect(orderA.total).toEqual({ amount: cart.totals.total, currency: 'USD' });
    expect(orderA.tax).toEqual({ amount: cart.totals.tax, currency: 'USD' });

    const reused = await json(
      'POST',
      '/v1/orders',
      { ...body, payment: { method: 'card', reference: 'psp-999' } },
      { headers: { 'idempotency-key': key } },
    );
    expect(reused.status).toBe(422);
    expect((await reused.json()).error).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED', orderId: orderA.orderId });

    const fetched = await json('GET', `/v1/orders/${orderA.orderId}`);
    expect(await fetched.json()).toEqual(orderA);
    expect((await json('GET', `/v1/orders/${uuidv7()}`)).status).toBe(404);
    expect(await availability(sku)).toEqual({ sku, onHand: 3, held: 0, available: 3 });
    const orders = await server.db.pool.query('SELECT count(*)::int AS n FROM orders WHERE idempotency_key = $1', [
      key,
    ]);
    expect(orders.rows[0].n).toBe(1);

    const again = await json('POST', '/v1/orders', body, { headers: { 'idempotency-key': uuidv7() } });
    expect(again.status).toBe(409);
    expect((await again.json()).error.code).toBe('NO_HOLD');
  });

  it('prices an order for the customer, coupons and currency the shopper priced the cart with', async () => {
    const { rows } = await server.db.pool.query<{ sku: string }>(
      `SELECT sku FROM products WHERE category_id = 'home' ORDER BY sku DESC LIMIT 1`,
    );
    const sku = rows[0]?.sku as string;
    await json(
      'POST',
      '/v1/stock/adjustments',
      { adjustmentId: uuidv7(), kind: 'count', lines: [{ sku, onHand: 9 }] },
      { role: 'manager' },
    );
    const hold = await (await json('POST', '/v1/holds', { sku, qty: 3, holderId: 'demo-ada' })).json();
    const shopper = { customerId: 'demo-ada', coupons: ['SAVE10'], currency: 'EUR' };
    const cart = await (await json('POST', '/v1/carts/price', { lines: [{ sku, qty: 3 }], ...shopper })).json();
    expect(cart.currency).toBe('EUR');
    expect(Number(cart.totals.discount)).toBeGreaterThan(0);
    const res = await json(
      'POST',
      '/v1/orders',
      {
        holderId: 'demo-ada',
        holdIds: [hold.holdId],
        payment: { method: 'card', reference: 'psp-eur', amount: { amount: cart.totals.total, currency: 'EUR' } },
        ...shopper,
      },
      { headers: { 'idempotency-key': uuidv7() } },
    );
    expect(res.status).toBe(201);
    const order = await res.json();
    expect(order).toMatchObject({
      currency: 'EUR',
      total: { amount: cart.totals.total, currency: 'EUR' },
      discount: { amount: cart.totals.discount, currency: 'EUR' },
      pricing: {
        source: 'pricing-service',
        ratesSnapshot: { id: cart.ratesSnapshot.id },
        customer: { id: 'demo-ada' },
      },
    });
  });

  it('refuses a payment that does not match the total, and keeps the holds', async () => {
    const sku = await freshSku(5);
    const hold = await (await json('POST', '/v1/holds', { sku, qty: 1, holderId: 'payer' })).json();
    const res = await json(
      'POST',
      '/v1/orders',
      {
        holderId: 'payer',
        holdIds: [hold.holdId],
        payment: { method: 'card', reference: 'r', amount: { amount: '0.01', currency: 'USD' } },
      },
      { headers: { 'idempotency-key': uuidv7() } },
    );
    expect(res.status).toBe(409);
    expect((await res.json()).error.code).toBe('PAYMENT_MISMATCH');
    expect(await availability(sku)).toMatchObject({ held: 1 });
  });

  it("validates a cart's holds and moves a guest's holds to the user at login", async () => {
    const sku = await freshSku(5);
    const g = await (await json('POST', '/v1/holds', { sku, qty: 2, holderId: 'guest-abc' })).json();
    const r = await (await json('POST', '/v1/holds', { sku, qty: 1, holderId: 'guest-abc-2' })).json();
    await json('DELETE', `/v1/holds/${r.holdId}`);
    const check = await (
      await json('POST', '/v1/holds/validate', { holderId: 'guest-abc', holdIds: [g.holdId, r.holdId] })
    ).json();
    expect(check.valid).toBe(false);
    expect(check.holds[0]).toMatchObject({ ok: true, hold: { qty: 2 } });
    expect(check.holds[1]).toMatchObject({ ok: false, problem: { code: 'NO_HOLD' } });

    const moved = await json('POST', '/v1/holders/guest-abc/transfer', { toHolderId: 'user-42' });
    expect(moved.status).toBe(200);
    expect(await moved.json()).toMatchObject({
      releasedUnits: 0,
      holds: [{ holdId: g.holdId, holderId: 'user-42', qty: 2 }],
    });
    const mine = await (await json('GET', '/v1/holders/user-42/holds')).json();
    expect(mine.items.map((h: { holdId: string }) => h.holdId)).toEqual([g.holdId]);
    expect((await json('POST', '/v1/holders/user-42/transfer', { toHolderId: 'user-42' })).status).toBe(400);
  });

  it('lists stock for the dashboard and sets per-SKU and store settings', async () => {
    const sku = await freshSku(4);
    // 4 on hand is below the default threshold (10): one alert. Below 3? No: it clears. Below 5 again: a second.
    await json('PATCH', `/v1/stock/${sku}/settings`, { lowStockThreshold: 3 }, { role: 'manager' });
    const set = await json(
      'PATCH',
      `/v1/stock/${sku}/settings`,
      { lowStockThreshold: 5, maxPerHolder: 2 },
      { role: 'manager' },
    );
    expect(set.status).toBe(200);
    expect(await set.json()).toMatchObject({ sku, lowStockThreshold: 5, maxPerHolder: 2, onHand: 4, available: 4 });
    const limited = await json('POST', '/v1/holds', { sku, qty: 3, holderId: 'limited' });
    expect((await limited.json()).error).toMatchObject({ code: 'LIMIT_PER_CUSTOMER', limit: 2 });
    const low = await (await json('GET', '/v1/stock?filter=low&limit=500', undefined, { role: 'manager' })).json();
    expect(low.items.some((i: { sku: string }) => i.sku === sku)).toBe(true);
    const alerts = await (await json('GET', '/v1/stock/alerts', undefined, { role: 'manager' })).json();
    const mine = alerts.items.filter((a: { sku: string }) => a.sku === sku);
    expect(mine.map((a: { threshold: number; available: number }) => [a.available, a.threshold])).toEqual([
      [4, 5],
      [4, 10],
    ]);
    const store = await json('PATCH', '/v1/stock/settings', { holdMinutes: 20 }, { role: 'manager' });
    expect(await store.json()).toEqual({ holdMinutes: 20, paymentExtensionMinutes: 10, maxPerHolder: null });
    expect((await json('PATCH', '/v1/stock/settings', { holdMinutes: -1 }, { role: 'manager' })).status).toBe(400);
    await json('PATCH', '/v1/stock/settings', { holdMinutes: 15 }, { role: 'manager' });
  });

  it('is reachable through the typed API client, with the same answers', async () => {
    const sku = await freshSku(4);
    const api = createTillClient({ baseUrl: server.url, apiKey: server.keys.storefront });
    const hold = await api.holds.create({ body: { sku, qty: 3, holderId: 'typed-1' } });
    expect(hold).toMatchObject({ sku, qty: 3, state: 'active' });
    expect(await api.stock.availability({ params: { sku } })).toEqual({ sku, onHand: 4, held: 3, available: 1 });
    await expect(api.holds.create({ body: { sku, qty: 2, holderId: 'typed-2' } })).rejects.toMatchObject({
      status: 409,
      code: 'NOT_ENOUGH',
      details: { available: 1 },
    });
    const order = await api.orders.place({
      idempotencyKey: uuidv7(),
      body: { holderId: 'typed-1', holdIds: [hold.holdId], payment: { method: 'cash', reference: 'till-7' } },
    });
    expect(await api.orders.get({ params: { orderId: order.orderId } })).toEqual(order);
  });

  it('documents the routes in the OpenAPI document', async () => {
    const doc = await (await server.request('/docs/openapi.json')).json();
    for (const path of [
      '/v1/holds',
      '/v1/holds/{holdId}',
      '/v1/holds/{holdId}/extend',
      '/v1/holders/{guestId}/transfer',
      '/v1/orders',
      '/v1/orders/{orderId}',
      '/v1/products/{sku}/availability',
      '/v1/stock/adjustments',
    ]) {
      expect(Object.keys(doc.paths)).toContain(path);
    }
  });
});
