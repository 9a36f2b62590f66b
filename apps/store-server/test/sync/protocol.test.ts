import { OLDEST_SUPPORTED_PROTOCOL, PROTOCOL_VERSION, type SyncStatus } from '@till/sync';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueApiKey } from '../../src/auth/api-keys';
import { startTestServer, type TestServer } from '../support';
import { connectClient, demoSkus, type Enrolled, enrollTerminal, eventually, FAST_SYNC_ENV, saleItem } from './support';

/** Connects a bare Socket.IO client and resolves with the refusal, or with the socket once welcomed. */
function rawConnect(
  url: string,
  auth: Record<string, unknown>,
): Promise<{ refused: { message: string; data: unknown } } | { socket: Socket; welcome: unknown }> {
  const socket = io(url, { transports: ['websocket'], auth, reconnection: false, forceNew: true });
  return new Promise((resolve) => {
    socket.on('connect_error', (error) => {
      socket.close();
      resolve({ refused: { message: error.message, data: (error as { data?: unknown }).data } });
    });
    socket.on('welcome', (welcome) => resolve({ socket, welcome }));
  });
}

async function refusal(url: string, auth: Record<string, unknown>) {
  const result = await rawConnect(url, auth);
  if (!('refused' in result)) {
    result.socket.close();
    throw new Error('the connection was accepted');
  }
  return result.refused;
}

describe('sync protocol: who may connect, and what they may send', () => {
  let server: TestServer;
  let terminal: Enrolled;

  beforeAll(async () => {
    server = await startTestServer({ demo: true, env: FAST_SYNC_ENV });
    terminal = await enrollTerminal(server);
  });
  afterAll(() => server.stop());

  const auth = (overrides: Record<string, unknown> = {}) => ({
    protocol: PROTOCOL_VERSION,
    token: terminal.token,
    client: 'terminal',
    lastSeq: null,
    ...overrides,
  });

  it('tells a client that is too old or too new, in words, and the client stops trying', async () => {
    const old = await refusal(server.url, auth({ protocol: 0 }));
    expect(old.data).toEqual({ code: 'PROTOCOL_TOO_OLD', message: old.message });
    expect(old.message).toBe(
      `The terminal speaks sync protocol 0, which is too old for this store server (it speaks ${OLDEST_SUPPORTED_PROTOCOL} to ${PROTOCOL_VERSION}). Update the terminal.`,
    );
    const newer = await refusal(server.url, auth({ protocol: PROTOCOL_VERSION + 1 }));
    expect(newer.data).toMatchObject({ code: 'PROTOCOL_TOO_NEW' });
    expect(newer.message).toMatch(/newer than this store server understands .* Update the store server\./);
    const none = await refusal(server.url, auth({ protocol: undefined, client: 'dashboard' }));
    expect(none.message).toMatch(/^The dashboard did not say which sync protocol it speaks/);

    const t = connectClient(server.url, { token: terminal.token, protocol: PROTOCOL_VERSION + 1 });
    try {
      const status = await eventually('refused', () => (t.client.status.state === 'refused' ? t.client.status : false));
      expect(status).toMatchObject({ state: 'refused', code: 'PROTOCOL_TOO_NEW' });
      await new Promise((r) => setTimeout(r, 300));
      expect(t.client.status.state).toBe('refused'); // no retry storm
    } finally {
      await t.stop();
    }
  });

  it('welcomes a client of an older protocol it still speaks in that protocol, and takes its uploads', async () => {
    const older = await rawConnect(server.url, auth({ protocol: OLDEST_SUPPORTED_PROTOCOL }));
    if (!('socket' in older)) throw new Error(`refused: ${older.refused.message}`);
    try {
      expect(older.welcome).toMatchObject({ protocol: OLDEST_SUPPORTED_PROTOCOL });
      const [sku] = await demoSkus(server.db.pool, 1);
      const sale = saleItem(terminal.terminalId, [{ sku: sku as string, qty: 1, price: '2.00' }]);
      const answer = await older.socket.timeout(5_000).emitWithAck('outbox.submit', { items: [sale] });
      expect(answer).toMatchObject({ ok: true, results: [{ index: 0, id: sale.id, status: 'accepted' }] });
    } finally {
      older.socket.close();
    }
  });

  it('refuses a token for another store, a wrong kind of key, and an unknown token', async () => {
    await server.db.pool.query(`INSERT INTO stores (id, name, currency) VALUES ('uptown', 'Uptown', 'USD')`);
    const other = await refusal(server.url, auth({ storeId: 'uptown' }));
    expect(other).toMatchObject({ data: { code: 'STORE_MISMATCH' } });
    expect(other.message).toBe(
      'This token belongs to store "demo", not "uptown": connect to its own store, or enroll again for "uptown".',
    );

    const uptownManager = await issueApiKey(server.db.pool, { storeId: 'uptown', role: 'manager', name: 'up' });
    const dashboardElsewhere = await refusal(
      server.url,
      auth({ token: uptownManager.key, client: 'dashboard', storeId: 'demo' }),
    );
    expect(dashboardElsewhere.data).toMatchObject({ code: 'STORE_MISMATCH' });

    const role = await refusal(server.url, auth({ token: server.keys.storefront }));
    expect(role).toMatchObject({
      data: { code: 'WRONG_KEY_ROLE' },
      message: 'A terminal connects with a terminal token (from enrollment); this is a storefront key.',
    });
    const unknown = await refusal(server.url, auth({ token: 'till_tm_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }));
    expect(unknown.data).toMatchObject({ code: 'UNAUTHENTICATED' });
    const admin = await refusal(server.url, auth({ token: server.keys.admin, client: 'dashboard' }));
    expect(admin.data).toMatchObject({ code: 'STORE_REQUIRED' });
    const garbled = await refusal(server.url, auth({ lastSeq: 'yesterday' }));
    expect(garbled.data).toMatchObject({ code: 'INVALID_HANDSHAKE' });
    expect(garbled.message).toMatch(/lastSeq: /);
  });

  it('lets a manager in as a dashboard and an admin in for a store it names', async () => {
    const manager = await rawConnect(server.url, auth({ token: server.keys.manager, client: 'dashboard' }));
    const admin = await rawConnect(
      server.url,
      auth({ token: server.keys.admin, client: 'dashboard', storeId: 'demo' }),
    );
    for (const result of [manager, admin]) {
      expect('welcome' in result && result.welcome).toMatchObject({
        protocol: PROTOCOL_VERSION,
        session: { storeId: 'demo', client: 'dashboard', terminalId: null },
        plan: { kind: 'snapshot' },
      });
      if ('socket' in result) result.socket.close();
    }
  });

  it('answers an invalid request with what was wrong, and an unknown one with what it knows', async () => {
    const connected = await rawConnect(server.url, auth({ lastSeq: 0 }));
    if (!('socket' in connected)) throw new Error('refused');
    const socket = connected.socket;
    try {
      const bad = await socket.timeout(2_000).emitWithAck('sync.pull', { after: -5, limit: 'lots' });
      expect(bad).toEqual({
        ok: false,
        error: { code: 'INVALID_MESSAGE', message: expect.stringMatching(/^sync.pull is not valid: after: .*limit: /) },
      });
      const unknown = await socket.timeout(2_000).emitWithAck('stock.steal', {});
      expect(unknown).toMatchObject({ ok: false, error: { code: 'INVALID_MESSAGE' } });
      expect(unknown.error.message).toMatch(/unknown request "stock.steal"; this server answers sync.pull, /);
      const notice = new Promise((resolve) => socket.once('notice', resolve));
      socket.emit('clock.ping', { sentAt: 1 }); // no acknowledgement callback
      expect(await notice).toMatchObject({ level: 'error', code: 'INVALID_MESSAGE' });
      const good = await socket.timeout(2_000).emitWithAck('clock.ping', { sentAt: 1 });
      expect(good).toEqual({ ok: true, serverTime: expect.any(Number) });
      const notTerminal = await rawConnect(server.url, auth({ token: server.keys.manager, client: 'dashboard' }));
      if ('socket' in notTerminal) {
        const refused = await notTerminal.socket.timeout(2_000).emitWithAck('outbox.submit', { items: [{}] });
        expect(refused).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
        notTerminal.socket.close();
      }
    } finally {
      socket.close();
    }
  });

  it('refuses what the server sends when it is not valid, on the client side too', async () => {
    const t = connectClient(server.url, { token: terminal.token, terminalId: terminal.terminalId });
    const errors: string[] = [];
    t.client.on('error', (e) => errors.push(`${e.kind}: ${e.message}`));
    try {
      await eventually('online', () => t.client.status.state === 'online');
      server.app.realtime.io.to(`terminal:${terminal.terminalId}`).emit('changes', { prev: 1, to: 'soon' } as never);
      await eventually('the refusal', () => errors.some((e) => e.startsWith('invalid_message: a batch of changes')));
      expect(errors.find((e) => e.startsWith('invalid_message'))).toMatch(/to: /);
    } finally {
      await t.stop();
    }
  });

  it('shuts a revoked terminal out: its sockets are closed and it cannot come back', async () => {
    const revoked = await enrollTerminal(server, 'Stolen till');
    const t = connectClient(server.url, { token: revoked.token, terminalId: revoked.terminalId });
    const notices: string[] = [];
    t.client.on('notice', (n) => notices.push(n.code));
    const statuses: SyncStatus[] = [];
    t.client.on('status', (s) => statuses.push(s));
    try {
      await eventually('online', () => t.client.status.state === 'online');
      const list = await (await server.request('/v1/terminals', { role: 'manager' })).json();
      expect(list.items.find((x: { id: string }) => x.id === revoked.terminalId)).toMatchObject({ online: true });
      const response = await server.request(`/v1/terminals/${revoked.terminalId}/revoke`, {
        role: 'manager',
        method: 'POST',
      });
      expect(response.status).toBe(200);
      await eventually('refused', () => t.client.status.state === 'refused');
      expect(notices).toContain('TERMINAL_REVOKED');
      expect(t.client.status).toMatchObject({ code: 'UNAUTHENTICATED' });
    } finally {
      await t.stop();
    }
  });
});
