import { readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import path from 'node:path';
import vm from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildElectronApp } from '../scripts/build';
import { CHANNELS, EVENT_CHANNEL } from '../src/shell/ipc';
import { tempDir } from './support/terminal';

// Electron's binary cannot run here: check what electron-builder would package instead.
const folder = tempDir('till-pos-build-');
let externalImports: string[] = [];
beforeAll(async () => {
  ({ externalImports } = await buildElectronApp(folder.dir));
}, 120_000);
afterAll(() => folder.remove());

describe('the packaged Electron app', () => {
  it('bundles the main process with only electron, better-sqlite3 and Node built-ins left to load', async () => {
    // bufferutil / utf-8-validate: optional speed-ups `ws` loads only if present.
    const allowed = (s: string) =>
      ['electron', 'better-sqlite3', 'bufferutil', 'utf-8-validate'].includes(s) ||
      s.startsWith('node:') ||
      builtinModules.includes(s);
    expect(externalImports.filter((s) => !allowed(s))).toEqual([]);
    expect(externalImports).toContain('electron');
    expect(externalImports).toContain('better-sqlite3');
  });

  it('has a sandboxed preload that exposes one function per operation and nothing of ipcRenderer', async () => {
    const source = await readFile(path.join(folder.dir, 'shell/preload.cjs'), 'utf8');
    const invoked: [string, unknown][] = [];
    const listeners = new Map<string, (...args: unknown[]) => void>();
    const exposed: Record<string, unknown> = {};
    const electron = {
      contextBridge: { exposeInMainWorld: (key: string, api: unknown) => (exposed[key] = api) },
      ipcRenderer: {
        invoke: async (channel: string, request: unknown) => {
          invoked.push([channel, request]);
          return { ok: true, value: channel };
        },
        on: (channel: string, fn: (...args: unknown[]) => void) => listeners.set(channel, fn),
        removeListener: (channel: string) => listeners.delete(channel),
      },
    };
    const require = (name: string) => {
      if (name !== 'electron') throw new Error(`a sandboxed preload cannot require ${name}`);
      return electron;
    };
    vm.runInNewContext(source, { require, module: { exports: {} }, exports: {} });
    expect(Object.keys(exposed)).toEqual(['till']);
    const till = exposed.till as Record<string, Record<string, (...args: unknown[]) => unknown>>;
    const functions = Object.entries(till)
      .filter(([ns]) => ns !== 'events')
      .flatMap(([ns, methods]) => Object.keys(methods).map((m) => `${ns}.${m}`));
    expect(functions.sort()).toEqual([...CHANNELS].sort());
    for (const channel of CHANNELS) {
      const [ns, method] = channel.split('.') as [string, string];
      await till[ns]?.[method]?.({ probe: channel });
    }
    expect(invoked).toEqual(CHANNELS.map((c) => [`till:${c}`, { probe: c }]));
    expect(JSON.stringify(Object.keys(till))).not.toContain('ipcRenderer');
    const seen: unknown[] = [];
    const unsubscribe = till.events?.subscribe?.((e: unknown) => seen.push(e)) as () => void;
    listeners.get(EVENT_CHANNEL)?.({ sender: 'main' }, { type: 'status' });
    unsubscribe();
    expect(seen).toEqual([{ type: 'status' }]);
    expect(listeners.has(EVENT_CHANNEL)).toBe(false);
  });

  it('ships the cashier page with its script and styles', async () => {
    const html = await readFile(path.join(folder.dir, 'ui/index.html'), 'utf8');
    expect(html).toContain('Content-Security-Policy');
    for (const asset of ['app.js', 'styles.css']) {
      expect((await readFile(path.join(folder.dir, 'ui', asset), 'utf8')).length).toBeGreaterThan(1000);
    }
  });
});

describe('the shell’s source', () => {
  it('keeps electron out of everything but main.ts and preload.ts', async () => {
    const root = path.resolve(import.meta.dirname, '../src');
    const files = (readdirSync(root, { recursive: true }) as string[]).filter((f) => /\.tsx?$/.test(f));
    const importing: string[] = [];
    for (const file of files) {
      const text = await readFile(path.join(root, file), 'utf8');
      if (/from ['"]electron['"]|require\(['"]electron['"]\)/.test(text)) importing.push(file);
    }
    expect(importing.sort()).toEqual(['shell/main.ts', 'shell/preload.ts']);
  });

  it('opens the window with context isolation and sandbox on, node integration off', async () => {
    const main = await readFile(path.resolve(import.meta.dirname, '../src/shell/main.ts'), 'utf8');
    expect(main).toMatch(/contextIsolation: true/);
    expect(main).toMatch(/sandbox: true/);
    expect(main).toMatch(/nodeIntegration: false/);
  });
});
