import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { CacheOptions } from '../../src/core/checkout-cache';
import type { Result } from '../../src/core/errors';
import type { OperationName, RequestOf, ResponseOf } from '../../src/core/operations';
import { type ManualClock, manualClock } from '../../src/core/platform/clock';
import { type Db, openSqliteDb } from '../../src/core/platform/db';
import { enginePricing } from '../../src/core/pricing';
import type { StoreSettings, TerminalIdentity } from '../../src/core/settings';
import { createTerminal, type Terminal } from '../../src/core/terminal';

export const STORE: StoreSettings = {
  id: 'demo',
  name: 'Demo Store',
  currency: 'USD',
  timeZone: 'America/New_York',
  taxIncluded: false,
  stacking: 'withinPriority',
};

export const IDENTITY: TerminalIdentity = {
  id: 'term_test1',
  name: 'T1',
  storeId: 'demo',
  serverUrl: 'http://127.0.0.1:1',
  token: 'till_tm_test',
};

/** 2026-11-22 10:00:00.000 UTC, a Sunday. */
export const T0 = Date.parse('2026-11-22T10:00:00.000Z');
export const MINUTE = 60_000;

export interface TestProduct {
  sku: string;
  barcode?: string;
  name?: string;
  category?: string;
  price: string;
  taxRate?: string;
}

export interface Seed {
  products?: TestProduct[];
  rules?: Record<string, unknown>[];
  customers?: Record<string, unknown>[];
  stock?: { sku: string; available: number }[];
  /** `exchange_rates` snapshot items: { currency, rate, snapshotId, asOf, receivedAt }. */
  rates?: Record<string, unknown>[];
  store?: StoreSettings;
  asOf?: number;
}

export const PRODUCTS: TestProduct[] = [
  { sku: 'MUG', barcode: '2000000000015', name: 'Stoneware Mug', category: 'home', price: '12.00', taxRate: '0.08875' },
  { sku: 'LAMP', barcode: '2000000000022', name: 'Table Lamp', category: 'home', price: '80.00', taxRate: '0.08875' },
  { sku: 'BEAR', barcode: '2000000000039', name: 'Plush Bear', category: 'toys', price: '30.00', taxRate: '0.08875' },
  {
    sku: 'BALL',
    barcode: '2000000000046',
    name: 'Football Size 5',
    category: 'sporting',
    price: '25.00',
    taxRate: '0.08875',
  },
  {
    sku: 'CABLE',
    barcode: '0012345678905',
    name: 'HDMI Cable 2m',
    category: 'electronics',
    price: '9.99',
    taxRate: '0.08875',
  },
];

export const CUSTOMERS = [
  {
    id: 'c-gold',
    name: 'Grace Gold',
    loyaltyCard: '9000000001',
    phone: '+1 (212) 555-0101',
    email: 'grace@example.com',
    segments: ['gold'],
  },
  { id: 'c-new', name: 'Nina New', loyaltyCard: '9000000002', phone: '212-555-0102', email: null, segments: ['new'] },
];

/** Loads a store's catalog into the terminal the way sync does: a snapshot, staged and committed. */
export function loadSnapshot(terminal: Terminal, seed: Seed): void {
  const store = terminal.syncStore;
  const info = {
    snapshotId: `snap-${seed.asOf ?? 100}`,
    asOf: seed.asOf ?? 100,
    sections: ['store', 'products', 'rules', 'customers', 'stock', 'exchange_rates'],
  };
  store.beginSnapshot(info);
  store.applySnapshotPage({ snapshotId: info.snapshotId, section: 'store', items: [{ ...(seed.store ?? STORE) }] });
  store.applySnapshotPage({
    snapshotId: info.snapshotId,
    section: 'products',
    items: (seed.products ?? PRODUCTS).map((p) => ({
      sku: p.sku,
      barcode: p.barcode ?? null,
      name: p.name ?? p.sku,
      category: p.category ?? 'general',
      price: { amount: p.price, currency: (seed.store ?? STORE).currency },
      taxRate: p.taxRate ?? '0',
    })),
  });
  store.applySnapshotPage({ snapshotId: info.snapshotId, section: 'rules', items: seed.rules ?? [] });
  store.applySnapshotPage({ snapshotId: info.snapshotId, section: 'customers', items: seed.customers ?? CUSTOMERS });
  store.applySnapshotPage({ snapshotId: info.snapshotId, section: 'stock', items: seed.stock ?? [] });
  store.applySnapshotPage({ snapshotId: info.snapshotId, section: 'exchange_rates', items: seed.rates ?? [] });
  store.commitSnapshot(info);
}

export interface TestTerminal {
  terminal: Terminal;
  clock: ManualClock;
  db: Db;
  /** Calls an operation and returns its answer; fails the test with the error's message otherwise. */
  call<K extends OperationName>(name: K, request: RequestOf<K>): Promise<ResponseOf<K>>;
  /** Calls an operation that must fail; returns its error. */
  fail<K extends OperationName>(
    name: K,
    request: RequestOf<K>,
  ): Promise<Extract<Result<unknown>, { ok: false }>['error']>;
}

export function wrap(terminal: Terminal, clock: ManualClock, db: Db): TestTerminal {
  return {
    terminal,
    clock,
    db,
    async call(name, request) {
      const result = await terminal.app.call(name, request);
      if (!result.ok) throw new Error(`${name} failed: ${result.error.code} ${result.error.message}`);
      return result.value;
    },
    async fail(name, request) {
      const result = await terminal.app.call(name, request);
      if (result.ok) throw new Error(`${name} was expected to fail but answered ${JSON.stringify(result.value)}`);
      return result.error;
    },
  };
}

/** A terminal core over a real SQLite database (in memory unless `file`), with a clock that moves when told. */
export async function startTestTerminal(
  options: {
    seed?: Seed;
    file?: string;
    clock?: ManualClock;
    cache?: Partial<CacheOptions>;
    cashier?: string | null;
  } = {},
): Promise<TestTerminal> {
  const db = openSqliteDb(options.file ?? ':memory:');
  const clock = options.clock ?? manualClock(T0);
  const terminal = createTerminal({
    db,
    pricing: enginePricing(),
    clock,
    ...(options.cache ? { cache: options.cache } : {}),
  });
  const t = wrap(terminal, clock, db);
  if (options.seed) {
    terminal.settings.set('terminal', IDENTITY);
    loadSnapshot(terminal, options.seed);
  }
  if (options.cashier !== null && options.seed) await t.call('session.signIn', { cashier: options.cashier ?? 'Ana' });
  return t;
}

/** A temporary folder, removed by the returned function. */
export function tempDir(prefix = 'till-pos-'): { dir: string; file: (name: string) => string; remove: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  return { dir, file: (name) => path.join(dir, name), remove: () => rmSync(dir, { recursive: true, force: true }) };
}
