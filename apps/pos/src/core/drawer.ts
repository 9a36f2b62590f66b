import { drawerOpenItem } from './commands';
import { TerminalError } from './errors';
import type { OutboxStore } from './outbox';
import type { Clock } from './platform/clock';
import type { Db } from './platform/db';
import type { SettingsStore } from './settings';

export interface DrawerDeps {
  db: Db;
  clock: Clock;
  outbox: OutboxStore;
  settings: SettingsStore;
  newId(): string;
  recorded(): void;
  /** Kicks the physical drawer (a printer pulse in Electron); nothing in a browser. */
  kick(): void;
}

/** Opening the cash drawer without a sale: always with a reason, always on the record. */
export function openDrawer(deps: DrawerDeps, reason: string): { openedAt: number; id: string } {
  const cashier = deps.settings.get('cashier');
  if (!cashier) throw new TerminalError('NOT_SIGNED_IN', 'Sign in as a cashier first.');
  const id = deps.newId();
  const openedAt = deps.clock.now();
  const terminal = deps.settings.get('terminal');
  if (!terminal) throw new TerminalError('NOT_READY', 'This terminal is not enrolled with a store server yet.');
  deps.db.transaction(
    () => deps.outbox.append(drawerOpenItem({ id, terminalId: terminal.id, at: openedAt, cashier, reason })),
    { durable: true },
  );
  deps.recorded();
  deps.kick();
  return { openedAt, id };
}
