import type { StoreSettings } from '@till/sync';
import type { Db } from './platform/db';

/** The store this terminal sells for, as the server describes it. */
export type { Stacking, StoreSettings } from '@till/sync';

/** Who this terminal is, once enrolled. The token is the terminal's credential for the store server. */
export interface TerminalIdentity {
  id: string;
  name: string;
  storeId: string;
  serverUrl: string;
  token: string;
}

interface SettingTypes {
  store: StoreSettings;
  terminal: TerminalIdentity;
  cashier: string | null;
  receiptCounter: number;
}

export class SettingsStore {
  constructor(private readonly db: Db) {}

  get<K extends keyof SettingTypes>(key: K): SettingTypes[K] | undefined {
    const row = this.db.get<{ value: string }>('SELECT value FROM settings WHERE key = ?', [key]);
    return row ? (JSON.parse(row.value) as SettingTypes[K]) : undefined;
  }

  set<K extends keyof SettingTypes>(key: K, value: SettingTypes[K]): void {
    this.db.run(
      'INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
      [key, JSON.stringify(value)],
    );
  }

  /** The next receipt number of this terminal (call inside the sale's transaction). */
  nextReceiptNumber(terminalName: string): string {
    const next = (this.get('receiptCounter') ?? 0) + 1;
    this.set('receiptCounter', next);
    const code = terminalName.replace(/[^A-Za-z0-9]/g, '').toUpperCase() || 'T';
    return `${code}-${String(next).padStart(6, '0')}`;
  }
}
