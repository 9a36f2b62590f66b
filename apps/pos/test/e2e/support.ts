import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from '@till/store-server';
import {
  createTestDatabase,
  freePort,
  issueTestKeys,
  type TestDatabase,
  type TestKeys,
  testConfig,
} from '@till/store-server/testing';
import { launchChromium } from '@till/store-server/testing/chromium';
import pino from 'pino';
import type { Browser, Page } from 'playwright-core';
import type { CheckoutView, TerminalStatusView } from '../../src/core/views';

const posRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const screenshotsDir = path.resolve(posRoot, '../../docs/screenshots');

/**
 * Saves a screenshot of the cashier screen to docs/screenshots when TILL_POS_SCREENSHOTS=1
 * (`TILL_POS_SCREENSHOTS=1 pnpm vitest run apps/pos/test/e2e`), so test runs leave the
 * committed ones alone.
 */
export async function screenshot(page: Page, name: string): Promise<void> {
  if (process.env.TILL_POS_SCREENSHOTS !== '1') return;
  mkdirSync(screenshotsDir, { recursive: true });
  await page.screenshot({ path: path.join(screenshotsDir, `${name}.png`) });
}

/** Quick heartbeats so a terminal notices a dead or revived server within a second or two. */
const FAST_SYNC = { SYNC_HEARTBEAT_MS: '300', SYNC_COALESCE_MS: '50', SYNC_POLL_MS: '20' };

/**
 * A real store server with the demo store, on a fixed port and database, that can be stopped
 * and started again where terminals expect it.
 */
export interface StoreServer {
  url: string;
  keys: TestKeys;
  db: TestDatabase;
  start(): Promise<void>;
  stop(): Promise<void>;
  request(pathname: string, init?: RequestInit & { role?: keyof TestKeys }): Promise<Response>;
  drop(): Promise<void>;
}

export async function startStoreServer(): Promise<StoreServer> {
  const db = await createTestDatabase({ demo: true });
  const port = await freePort();
  const keys = await issueTestKeys(db.pool, 'demo');
  let running: Awaited<ReturnType<typeof startServer>> | undefined;
  const config = testConfig({ DATABASE_URL: db.url, PORT: String(port), ...FAST_SYNC });
  const server: StoreServer = {
    url: `http://127.0.0.1:${port}`,
    keys,
    db,
    start: async () => {
      running = await startServer(config, pino({ level: 'silent' }));
    },
    stop: async () => {
      await running?.stop();
      running = undefined;
    },
    request: (pathname, init = {}) => {
      const { role = 'manager', ...rest } = init;
      const headers = new Headers(rest.headers);
      headers.set('authorization', `Bearer ${keys[role]}`);
      if (rest.body && !headers.has('content-type')) headers.set('content-type', 'application/json');
      return fetch(`${server.url}${pathname}`, { ...rest, headers });
    },
    drop: async () => {
      await server.stop();
      await db.drop();
    },
  };
  await server.start();
  return server;
}

export async function enrollmentCode(server: StoreServer, name: string): Promise<string> {
  const made = await server.request('/v1/terminals/enrollment-codes', {
    method: 'POST',
    body: JSON.stringify({ name }),
  });
  if (made.status !== 201) throw new Error(`enrollment code: ${made.status} ${await made.text()}`);
  return ((await made.json()) as { code: string }).code;
}

/** `pnpm pos` as a process (the browser terminal from source), with its output kept. */
export interface TerminalProcess {
  url: string;
  child: ChildProcess;
  output(): string;
  exited: Promise<void>;
  kill(signal?: NodeJS.Signals): Promise<void>;
  call<T>(operation: string, request?: unknown): Promise<T>;
}

export async function startTerminal(options: {
  serverUrl: string;
  dataDir: string;
  code?: string;
  name?: string;
}): Promise<TerminalProcess> {
  mkdirSync(options.dataDir, { recursive: true });
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/web/main.ts'], {
    cwd: posRoot,
    env: {
      ...process.env,
      TILL_SERVER_URL: options.serverUrl,
      TILL_POS_DATA_DIR: options.dataDir,
      TILL_POS_PORT: '0',
      ...(options.code ? { TILL_ENROLLMENT_CODE: options.code } : {}),
      ...(options.name ? { TILL_TERMINAL_NAME: options.name } : {}),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (chunk) => (out += chunk));
  child.stderr?.on('data', (chunk) => (out += chunk));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the terminal did not start in 60 s:\n${out}`)), 60_000);
    const check = () => {
      const match = /Cashier screen\s+(\S+)/.exec(out);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout?.on('data', check);
    void exited.then(() => reject(new Error(`the terminal exited:\n${out}`)));
  });
  return {
    url,
    child,
    output: () => out,
    exited,
    kill: async (signal = 'SIGINT') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
    call: async <T>(operation: string, request: unknown = {}) => {
      const response = await fetch(`${url}api/${operation}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(request),
      });
      const result = (await response.json()) as { ok: boolean; value?: T; error?: { message: string } };
      if (!result.ok) throw new Error(`${operation}: ${result.error?.message}`);
      return result.value as T;
    },
  };
}

export async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined | false>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Waits until the terminal is online with the store's whole catalog loaded. */
export async function synced(terminal: TerminalProcess, products: number): Promise<TerminalStatusView> {
  return eventually('the terminal to load the catalog', async () => {
    const status = await terminal.call<TerminalStatusView>('session.status');
    return status.connection === 'online' && status.catalog.products >= products && status.store ? status : undefined;
  });
}

export async function openTill(browser: Browser, url: string, cashier = 'Ana'): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1366, height: 800 } });
  await page.goto(url);
  const signIn = page.locator('[data-testid=cashier-input]');
  const scan = page.locator('[data-testid=scan-input]');
  await signIn.or(scan).first().waitFor();
  if (await signIn.isVisible()) {
    await signIn.fill(cashier);
    await page.click('[data-testid=sign-in]');
  }
  await scan.waitFor();
  return page;
}

/** Types a code into the scan field and presses Enter, as a wedge scanner does; waits for the screen to show it. */
export async function scan(page: Page, code: string): Promise<void> {
  const before = await page.locator('[data-testid=line-qty]').allTextContents();
  await page.fill('[data-testid=scan-input]', code);
  await page.press('[data-testid=scan-input]', 'Enter');
  await page.waitForFunction(
    (prev) => [...document.querySelectorAll('[data-testid=line-qty]')].map((e) => e.textContent).join() !== prev,
    before.join(),
  );
}

export async function checkoutOf(terminal: TerminalProcess): Promise<CheckoutView> {
  return terminal.call<CheckoutView>('checkout.current');
}

export async function demoProducts(server: StoreServer, category: string, limit: number) {
  const response = await server.request(`/v1/products?category=${category}&limit=${limit}`, { role: 'storefront' });
  const body = (await response.json()) as { items: { sku: string; barcode: string; name: string }[] };
  return body.items;
}

/** What every end-to-end file runs against: a store server, one enrolled terminal process, Chromium. */
export interface Till {
  server: StoreServer;
  terminal: TerminalProcess;
  browser: Browser;
}

/** Starts a store server, a terminal enrolled as `name` keeping its data in `dataDir`, and Chromium. */
export async function startTill(name: string, dataDir: string): Promise<Till> {
  const server = await startStoreServer();
  const terminal = await startTerminal({ serverUrl: server.url, dataDir, code: await enrollmentCode(server, name) });
  return { server, terminal, browser: await launchChromium() };
}

/** Stops what `startTill` started (whatever of it did start). */
export async function stopTill(till: Partial<Till>): Promise<void> {
  await till.browser?.close();
  await till.terminal?.kill();
  await till.server?.drop();
}
