import { mkdirSync } from 'node:fs';
import type { PosConfig } from './config';
import { connectToStore } from './core/link';
import { openSqliteDb } from './core/platform/db';
import { enginePricing } from './core/pricing';
import { createTerminal } from './core/terminal';
import type { BootDeps, Logger } from './shell/boot';

/** The Node-side start-up dependencies shared by Electron's main process and the browser terminal. */
export function nodeBootDeps(config: PosConfig, log: Logger): Omit<BootDeps, 'expose' | 'present'> {
  return {
    dataDir: config.dataDir,
    ensureDir: (dir) => {
      mkdirSync(dir, { recursive: true });
    },
    openDb: openSqliteDb,
    createTerminal: (db) =>
      createTerminal({
        db,
        pricing: enginePricing(),
        onUnexpectedError: (operation, error) =>
          log.error(`${operation} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`),
      }),
    link: (terminal) =>
      connectToStore(terminal, {
        serverUrl: config.serverUrl,
        enrollmentCode: config.enrollmentCode,
        terminalToken: config.terminalToken,
        fallbackToken: config.fallbackToken,
        terminalName: config.terminalName,
        log,
      }),
    log,
    now: () => performance.now(),
  };
}

export const consoleLogger: Logger = {
  info: (message) => console.log(message),
  warn: (message) => console.warn(message),
  error: (message) => console.error(message),
};
