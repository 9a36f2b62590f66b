import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueApiKey } from '../src/auth/api-keys';
import { loadConfig } from '../src/config';
import { startTestServer, type TestServer } from './support';

describe('rate limits per API key', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer({
      demo: true,
      env: {
        RATE_LIMIT_STOREFRONT: '5',
        RATE_LIMIT_MANAGER: '3',
        RATE_LIMIT_TERMINAL: '0',
        RATE_LIMIT_WINDOW_MS: '60000',
      },
    });
  });
  afterAll(() => server.stop());

  const get = (key: string, path = '/v1/exchange-rates') =>
    fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${key}` } });

  it('answers 429 in the one error shape, with Retry-After, once a key is over its limit', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await get(server.keys.storefront)).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200]);
    const over = await get(server.keys.storefront);
    expect(over.status).toBe(429);
    const retryAfter = Number(over.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    const body = await over.json();
    expect(body).toEqual({
      error: {
        code: 'RATE_LIMITED',
        message: expect.stringContaining('more than 5 requests in 60 s'),
        limit: 5,
        windowSeconds: 60,
        retryAfterSeconds: expect.any(Number),
        role: 'storefront',
      },
    });
  });

  it('counts each key on its own, by the limit of its role', async () => {
    const other = await issueApiKey(server.db.pool, { storeId: 'demo', role: 'storefront', name: 'second shop' });
    expect((await get(other.key)).status).toBe(200);
    const manager = [];
    for (let i = 0; i < 4; i++) manager.push((await get(server.keys.manager, '/v1/rules?limit=1')).status);
    expect(manager).toEqual([200, 200, 200, 429]);
  });

  it('does not limit a role whose limit is 0, nor requests without a key', async () => {
    const terminal = await Promise.all(Array.from({ length: 30 }, () => get(server.keys.terminal)));
    expect(terminal.every((r) => r.status === 200)).toBe(true);
    const health = await Promise.all(Array.from({ length: 30 }, () => fetch(`${server.url}/healthz`)));
    expect(health.every((r) => r.status === 200)).toBe(true);
  });

  it('has defaults generous enough for a flash sale through one storefront key', () => {
    const defaults = loadConfig({}).rateLimits;
    expect(defaults.perRole.storefront / (defaults.windowMs / 1000)).toBeGreaterThanOrEqual(5_000);
  });
});
