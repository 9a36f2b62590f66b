import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { manualClock } from '../src/core/platform/clock';
import { openSqliteDb } from '../src/core/platform/db';
import { faultInjectingDb } from '../src/core/platform/testing';
import { enginePricing } from '../src/core/pricing';
import { createTerminal } from '../src/core/terminal';
import { IDENTITY, loadSnapshot, T0, type TestTerminal, tempDir, wrap } from './support/terminal';

const here = path.dirname(fileURLToPath(import.meta.url));

let t: TestTerminal | undefined;
afterEach(async () => {
  await t?.terminal.close();
  t = undefined;
});

describe('a sale is stored before the screen says done (invariant 7)', () => {
  it('commits the sale with synchronous=FULL, and every other write with NORMAL', async () => {
    const seen: { sql: string; synchronous: unknown }[] = [];
    const inner = openSqliteDb(':memory:');
    const db = faultInjectingDb(inner, (sql) => {
      if (/^INSERT INTO (outbox|sales|cart_lines)/.test(sql)) {
        seen.push({ sql: /^INSERT INTO (\w+)/.exec(sql)?.[1] ?? sql, synchronous: inner.pragma('synchronous') });
      }
      return undefined;
    });
    const clock = manualClock(T0);
    const terminal = createTerminal({ db, pricing: enginePricing(), clock });
    t = wrap(terminal, clock, db);
    terminal.settings.set('terminal', IDENTITY);
    loadSnapshot(terminal, {});
    await t.call('session.signIn', { cashier: 'Ana' });
    await t.call('checkout.scan', { code: 'MUG' });
    await t.call('checkout.tender', { method: 'cash', amount: '20' });
    // 2 = FULL, 1 = NORMAL
    expect(seen).toEqual([
      { sql: 'cart_lines', synchronous: [{ synchronous: 1 }] },
      { sql: 'sales', synchronous: [{ synchronous: 2 }] },
      { sql: 'outbox', synchronous: [{ synchronous: 2 }] },
    ]);
    expect(inner.pragma('synchronous')).toEqual([{ synchronous: 1 }]);
  });

  it('says it could not save, keeps the sale on screen, and records nothing when the outbox write fails', async () => {
    let diskFull = true;
    const inner = openSqliteDb(':memory:');
    const db = faultInjectingDb(inner, (sql) =>
      diskFull && sql.startsWith('INSERT INTO outbox')
        ? Object.assign(new Database.SqliteError('database or disk is full', 'SQLITE_FULL'))
        : undefined,
    );
    const clock = manualClock(T0);
    const terminal = createTerminal({ db, pricing: enginePricing(), clock });
    t = wrap(terminal, clock, db);
    terminal.settings.set('terminal', IDENTITY);
    loadSnapshot(terminal, {});
    await t.call('session.signIn', { cashier: 'Ana' });
    await t.call('checkout.scan', { code: 'LAMP' });
    const error = await t.fail('checkout.tender', { method: 'cash', amount: '100' });
    expect(error.code).toBe('STORAGE_FAILED');
    expect(error.message).toContain('Nothing was recorded');
    expect(inner.get<{ n: number }>('SELECT count(*) AS n FROM sales')?.n).toBe(0);
    expect(terminal.settings.get('receiptCounter')).toBeUndefined();
    const view = await t.call('checkout.current', {});
    expect(view.lines.map((l) => l.sku)).toEqual(['LAMP']);
    diskFull = false;
    const done = await t.call('checkout.tender', { method: 'cash', amount: '100' });
    expect(done.done?.receipt.data.receiptNumber).toBe('T1-000001');
  });

  it('keeps every sale whose answer came back, when the process is killed right after', async () => {
    const folder = tempDir();
    try {
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', path.join(here, 'support/sell-and-die.ts'), folder.file('terminal.db')],
        {
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let out = '';
      child.stdout.on('data', (chunk) => (out += chunk));
      child.stderr.on('data', (chunk) => (out += chunk));
      const exit = await new Promise<{ code: number | null; signal: string | null }>((resolve) =>
        child.on('exit', (code, signal) => resolve({ code, signal })),
      );
      expect(exit.signal, out).toBe('SIGKILL');
      const answered = [...out.matchAll(/^DONE (\S+)$/gm)].map((m) => m[1]);
      expect(answered).toHaveLength(5);
      const db = openSqliteDb(folder.file('terminal.db'));
      try {
        const stored = db
          .all<{ id: string }>(`SELECT id FROM outbox WHERE kind = 'sale' ORDER BY seq`)
          .map((r) => r.id);
        expect(stored).toEqual(answered);
        // The sale in progress when it died is still there, open, with its line.
        const open = db.all<{ sku: string }>(
          `SELECT l.sku FROM carts c JOIN cart_lines l ON l.cart_id = c.id WHERE c.status = 'open'`,
        );
        expect(open).toEqual([{ sku: 'MUG' }]);
      } finally {
        db.close();
      }
    } finally {
      folder.remove();
    }
  }, 60_000);
});
