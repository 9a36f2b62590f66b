import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from './support';
import { cleanEnv, isAlive, type Started, startCommand, waitFor } from './support/process';

/**
 * The README's quick start, as a newcomer runs it: `pnpm start` with no DATABASE_URL and
 * an empty data folder, then Ctrl-C, then `pnpm start` again.
 */
describe('quick start: pnpm start with the embedded default', () => {
  // mkdtemp makes a mode-700 folder: as root, PostgreSQL's user cannot enter it, which
  // is exactly the container case the embedded default must cope with.
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'till-quickstart-'));
  let running: Started | undefined;

  afterAll(async () => {
    running?.kill();
    const fallback = /keeps its files in (\S+)\./.exec(running?.output() ?? '')?.[1];
    fs.rmSync(dataDir, { recursive: true, force: true });
    if (fallback) fs.rmSync(fallback, { recursive: true, force: true });
  });

  async function start(port: number) {
    running = startCommand('pnpm', ['start'], cleanEnv({ TILL_DATA_DIR: dataDir, PORT: String(port) }));
    const current = running;
    const base = `http://127.0.0.1:${port}`;
    const ready = waitFor(
      'the server to be ready',
      async () => ((await fetch(`${base}/readyz`)).status === 200 ? true : undefined),
      90_000,
    );
    const exited = current.exited.then(({ code }) => {
      throw new Error(`pnpm start exited (${code}) before it was ready`);
    });
    await Promise.race([ready, exited]).catch((error) => {
      throw new Error(`${(error as Error).message}\n--- output ---\n${current.output()}`);
    });
    return base;
  }

  function postgresPid(): number {
    const pgdata = /embedded PostgreSQL in (\S+) \(port/.exec(running?.output() ?? '')?.[1];
    expect(pgdata, running?.output()).toBeTruthy();
    const pid = Number(fs.readFileSync(path.join(pgdata as string, 'postmaster.pid'), 'utf8').split('\n')[0]);
    expect(isAlive(pid)).toBe(true);
    return pid;
  }

  async function stopAndCheckPostgresIsGone(pgPid: number) {
    const current = running as Started;
    current.interrupt();
    const { code } = await current.exited;
    expect(current.output()).toContain('Till stopped.');
    expect(code === 0 || code === null, current.output()).toBe(true);
    expect(isAlive(pgPid)).toBe(false);
  }

  it('starts, serves the demo catalog, stops cleanly, and finds its data again', async () => {
    const port = await freePort();
    const base = await start(port);
    const out = running?.output() ?? '';
    expect(out).toContain(`Manager dashboard   ${base}/dashboard/#key=till_mg_`);
    expect(out).toContain(`API documentation   ${base}/docs`);
    expect(out).toContain('pnpm pos');

    const key = (role: string) =>
      /\s{4}(\S+)\s+(till_\S+)/g.exec(out.split('\n').find((l) => l.trim().startsWith(role)) ?? '')?.[2];
    const storefrontKey = key('storefront');
    const managerKey = key('manager');
    expect(storefrontKey, out).toMatch(/^till_sf_/);
    expect(managerKey, out).toMatch(/^till_mg_/);
    const as = (k: string | undefined) => ({ headers: { authorization: `Bearer ${k}` } });
    const page = await (await fetch(`${base}/v1/products?limit=3&category=electronics`, as(storefrontKey))).json();
    expect(page.items).toHaveLength(3);
    expect(page.items[0]).toMatchObject({ category: 'electronics', price: { currency: 'USD' } });
    const summary = await (await fetch(`${base}/v1/stores/demo/summary`, as(managerKey))).json();
    expect(summary.products).toBeGreaterThanOrEqual(2_000);
    // Something to find after the restart:
    const firstPid = postgresPid();
    await stopAndCheckPostgresIsGone(firstPid);

    const again = await start(port);
    const second = running?.output() ?? '';
    expect(second).not.toContain('Initialising a new PostgreSQL cluster');
    // The same keys work after a restart, and are printed again.
    expect(second).toContain(managerKey);
    const summaryAgain = await (await fetch(`${again}/v1/stores/demo/summary`, as(managerKey))).json();
    expect(summaryAgain.products).toBe(summary.products);
    expect(summaryAgain.lastEventSeq).toBe(summary.lastEventSeq); // not seeded twice
    await stopAndCheckPostgresIsGone(postgresPid());
  }, 240_000);
});
