import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { startTestServer, type TestServer } from '@till/store-server/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPosConfig } from '../src/config';
import { ensureEnrolled, NotEnrolledError } from '../src/core/link';
import { startTestTerminal, tempDir } from './support/terminal';

const quiet = { info: () => {}, warn: () => {} };

describe('a terminal started with a token instead of an enrollment code', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ demo: true });
  });
  afterAll(() => server.stop());

  it('asks the store server which terminal the token is, and keeps that identity', async () => {
    const t = await startTestTerminal();
    const identity = await ensureEnrolled(t.terminal, {
      serverUrl: server.url,
      terminalToken: server.keys.terminal,
      log: quiet,
    });
    expect(identity).toMatchObject({ storeId: 'demo', serverUrl: server.url, token: server.keys.terminal });
    expect(identity.id).toMatch(/^term_/);
    expect(t.terminal.settings.get('terminal')).toEqual(identity);
    // The same key is the same terminal on the server.
    const again = await (await server.request('/v1/terminals/me', { role: 'terminal' })).json();
    expect(again.terminalId).toBe(identity.id);
  });

  it('falls back on the demo key only when it has no identity, code or token of its own', async () => {
    const known = await startTestTerminal();
    known.terminal.settings.set('terminal', {
      id: 'term_kept',
      name: 'Kept',
      storeId: 'demo',
      serverUrl: server.url,
      token: 'till_tm_kept_kept_kept_kept_kept',
    });
    const kept = await ensureEnrolled(known.terminal, {
      serverUrl: server.url,
      fallbackToken: server.keys.terminal,
      log: quiet,
    });
    expect(kept.token).toBe('till_tm_kept_kept_kept_kept_kept');

    const fresh = await startTestTerminal();
    const demo = await ensureEnrolled(fresh.terminal, {
      serverUrl: server.url,
      fallbackToken: server.keys.terminal,
      log: quiet,
    });
    expect(demo.token).toBe(server.keys.terminal);
  });

  it('says in words when the token is refused, and keeps no identity', async () => {
    const t = await startTestTerminal();
    const refused = ensureEnrolled(t.terminal, {
      serverUrl: server.url,
      terminalToken: 'till_tm_notarealtokennotarealtoken',
      log: quiet,
    });
    await expect(refused).rejects.toThrow(NotEnrolledError);
    await expect(refused).rejects.toThrow(/did not accept the terminal token: The API key is unknown or revoked/);
    expect(t.terminal.settings.get('terminal')).toBeUndefined();

    const managerKey = ensureEnrolled(t.terminal, {
      serverUrl: server.url,
      terminalToken: server.keys.manager,
      log: quiet,
    });
    await expect(managerKey).rejects.toThrow(/this key is a manager key/);
  });
});

describe("the demo store's terminal key as the default", () => {
  const folder = tempDir();
  afterAll(() => folder.remove());
  const keysFile = folder.file('demo-keys.json');
  writeFileSync(keysFile, JSON.stringify({ storeId: 'demo', terminal: 'till_tm_demo_demo_demo_demo_demo' }));

  it('is used for a server on this machine when no code or token is given', () => {
    expect(loadPosConfig({}, [], { demoKeysFile: keysFile }).fallbackToken).toBe('till_tm_demo_demo_demo_demo_demo');
  });

  it('is never used for a server elsewhere, or when a code or token is given', () => {
    expect(
      loadPosConfig({ TILL_SERVER_URL: 'http://store.example:3000' }, [], { demoKeysFile: keysFile }).fallbackToken,
    ).toBeUndefined();
    expect(loadPosConfig({}, ['--code', 'ABCD-EFGH'], { demoKeysFile: keysFile }).fallbackToken).toBeUndefined();
    expect(loadPosConfig({}, ['--token', 'till_tm_x'], { demoKeysFile: keysFile }).fallbackToken).toBeUndefined();
    expect(
      loadPosConfig({}, [], { demoKeysFile: path.join(folder.dir, 'missing.json') }).fallbackToken,
    ).toBeUndefined();
  });
});
