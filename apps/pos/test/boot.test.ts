import { existsSync, mkdirSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { OPERATIONS } from '../src/core/operations';
import { openSqliteDb } from '../src/core/platform/db';
import { enginePricing } from '../src/core/pricing';
import { fixedLink } from '../src/core/sync';
import { createTerminal, type Terminal } from '../src/core/terminal';
import { BOOT_STEPS, type BootDeps, BootError, boot } from '../src/shell/boot';
import { tempDir } from './support/terminal';

const folders: ReturnType<typeof tempDir>[] = [];
afterEach(() => {
  for (const f of folders.splice(0)) f.remove();
});

/** The main process's start-up with fakes where Electron would be: what it exposed and showed, in order. */
function deps(overrides: Partial<BootDeps> = {}) {
  const folder = tempDir();
  folders.push(folder);
  const calls: string[] = [];
  const logs: string[] = [];
  let t = 0;
  const d: BootDeps = {
    dataDir: `${folder.dir}/data`,
    ensureDir: (dir) => {
      calls.push('ensureDir');
      mkdirSync(dir, { recursive: true });
    },
    openDb: (file) => {
      calls.push('openDb');
      return openSqliteDb(file);
    },
    createTerminal: (db) => {
      calls.push('createTerminal');
      return createTerminal({ db, pricing: enginePricing() });
    },
    expose: (terminal: Terminal) => {
      calls.push(`expose:${terminal.app.names().length}`);
    },
    present: () => {
      calls.push('present');
    },
    link: async () => {
      calls.push('link');
      return fixedLink('offline', 'no server in this test');
    },
    log: { info: (m) => logs.push(m), warn: (m) => logs.push(m), error: (m) => logs.push(m) },
    now: () => t++,
    ...overrides,
  };
  return { d, calls, logs, folder };
}

describe('start-up as injected steps', () => {
  it('runs every step in order under plain Node, and the core answers', async () => {
    const { d, calls } = deps();
    const booted = await boot(d);
    await booted.linked;
    expect(calls).toEqual([
      'ensureDir',
      'openDb',
      'createTerminal',
      `expose:${Object.keys(OPERATIONS).length}`,
      'present',
      'link',
    ]);
    expect(booted.timings.map((s) => s.step)).toEqual(BOOT_STEPS.map((s) => s.name));
    expect(existsSync(`${d.dataDir}/terminal.db`)).toBe(true);
    expect(booted.terminal.status().connection).toBe('offline');
    expect((await booted.terminal.app.call('checkout.current', {})).ok).toBe(true);
    await booted.terminal.close();
  });

  it('stops at a failing step, names it, and closes what it opened', async () => {
    let terminal: Terminal | undefined;
    const { d } = deps({
      createTerminal: (db) => {
        terminal = createTerminal({ db, pricing: enginePricing() });
        return terminal;
      },
      present: () => {
        throw new Error('no display');
      },
    });
    const error = await boot(d).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BootError);
    expect((error as BootError).message).toBe('Till POS could not start (cashier screen): no display');
    expect(() => terminal?.catalog.counts()).toThrow(/not open/);
  });

  it('keeps selling when the store server cannot be reached: the link fails in the background', async () => {
    const { d, logs } = deps({
      link: async () => {
        throw new Error('connect ECONNREFUSED 127.0.0.1:3000');
      },
    });
    const booted = await boot(d);
    await booted.linked;
    expect(logs.join('\n')).toContain('Not connected to the store server: connect ECONNREFUSED');
    expect(booted.terminal.status().connection).toBe('not-enrolled');
    await booted.terminal.close();
  });
});
