import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TerminalEvent } from '../src/core/views';
import { buildUiAssets } from '../src/web/assets';
import { startWebTerminal, type WebTerminal } from '../src/web/server';
import { startTestTerminal, type TestTerminal } from './support/terminal';

let t: TestTerminal;
let web: WebTerminal;

beforeAll(async () => {
  t = await startTestTerminal({ seed: {} });
  web = await startWebTerminal({ terminal: t.terminal, assets: await buildUiAssets(), host: '127.0.0.1', port: 0 });
});
afterAll(async () => {
  await web.close();
  await t.terminal.close();
});

const post = (name: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${web.url}api/${name}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

describe('the browser terminal’s bridge', () => {
  it('serves the cashier page and its script', async () => {
    const page = await fetch(web.url);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(await page.text()).toContain('<script type="module" src="app.js">');
    const script = await fetch(`${web.url}app.js`);
    expect(script.status).toBe(200);
    expect((await script.text()).length).toBeGreaterThan(10_000);
  });

  it('calls operations over HTTP with the same typed results as IPC', async () => {
    const scanned = await (await post('checkout.scan', { code: 'MUG', qty: 2 })).json();
    expect(scanned).toMatchObject({ ok: true, value: { total: '26.13', lines: [{ sku: 'MUG', qty: 2 }] } });
    const unknown = await (await post('checkout.scan', { code: 'nope' })).json();
    expect(unknown).toMatchObject({ ok: false, error: { code: 'UNKNOWN_BARCODE' } });
    expect(await (await post('checkout.scan', '{not json')).json()).toMatchObject({
      ok: false,
      error: { code: 'VALIDATION_FAILED', message: expect.stringContaining('not valid JSON') },
    });
    const missing = await post('checkout.teleport', {});
    expect(missing.status).toBe(404);
  });

  it('refuses calls from other sites and simple cross-site posts', async () => {
    expect((await post('checkout.cancel', {}, { origin: 'http://evil.example' })).status).toBe(403);
    const form = await fetch(`${web.url}api/checkout.cancel`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: '{}',
    });
    expect(form.status).toBe(415);
    expect((await (await post('checkout.current', {})).json()).value.lines).toHaveLength(1);
  });

  it('streams the core’s events', async () => {
    const controller = new AbortController();
    const response = await fetch(`${web.url}api/events`, { signal: controller.signal });
    const reader = response.body?.getReader();
    const events: TerminalEvent[] = [];
    const decoder = new TextDecoder();
    let buffer = '';
    const read = async () => {
      while (events.length < 2 && reader) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value);
        for (const frame of buffer.split('\n\n').slice(0, -1)) {
          if (frame.startsWith('data: ')) events.push(JSON.parse(frame.slice(6)) as TerminalEvent);
        }
        buffer = buffer.slice(buffer.lastIndexOf('\n\n') + 2);
      }
    };
    const reading = read();
    await new Promise((r) => setTimeout(r, 50));
    await post('drawer.open', { reason: 'float check' });
    await reading;
    controller.abort();
    expect(events.map((e) => e.type)).toEqual(['status', 'status']);
  });
});
