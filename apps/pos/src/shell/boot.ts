/**
 * Start-up of a terminal as an ordered list of named steps over injected dependencies
 * (wcpos's boot.ts shape). Electron's main process and the browser terminal run the same
 * steps with different `expose`/`present` implementations, and tests run them under plain
 * Node with fakes where Electron would be.
 */
import type { Db } from '../core/platform/db';
import type { TerminalLink } from '../core/sync';
import type { Terminal } from '../core/terminal';

export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface BootDeps {
  dataDir: string;
  ensureDir(dir: string): void;
  openDb(file: string): Db;
  createTerminal(db: Db): Terminal;
  /** Makes the operations reachable: IPC handlers in Electron, the HTTP bridge in the browser terminal. */
  expose(terminal: Terminal): Promise<void> | void;
  /** Shows the cashier UI: a window, or the browser terminal's URL. */
  present(terminal: Terminal): Promise<void> | void;
  /** Enrolls if needed and links to the store server. Runs in the background: it never delays selling. */
  link(terminal: Terminal): Promise<TerminalLink>;
  log: Logger;
  now(): number;
}

export interface BootState {
  db?: Db;
  terminal?: Terminal;
  /** Settles when the link step has finished (connected, or given up with a logged reason). */
  linked?: Promise<void>;
}

export interface BootStep {
  name: string;
  run(deps: BootDeps, state: BootState): Promise<void> | void;
}

export const TERMINAL_DB_FILE = 'terminal.db';

export const BOOT_STEPS: readonly BootStep[] = [
  { name: 'data folder', run: (deps) => deps.ensureDir(deps.dataDir) },
  {
    name: 'terminal database',
    run: (deps, state) => {
      state.db = deps.openDb(`${deps.dataDir}/${TERMINAL_DB_FILE}`);
    },
  },
  {
    name: 'terminal core',
    run: (deps, state) => {
      state.terminal = deps.createTerminal(required(state.db, 'terminal database'));
    },
  },
  { name: 'operations', run: (deps, state) => deps.expose(required(state.terminal, 'terminal core')) },
  { name: 'cashier screen', run: (deps, state) => deps.present(required(state.terminal, 'terminal core')) },
  {
    name: 'store server link',
    run: (deps, state) => {
      const terminal = required(state.terminal, 'terminal core');
      state.linked = deps
        .link(terminal)
        .then((link) => terminal.connect(link))
        .catch((error: unknown) => {
          deps.log.warn(`Not connected to the store server: ${(error as Error).message}. Selling continues offline.`);
        });
    },
  },
];

export interface BootResult {
  terminal: Terminal;
  /** Milliseconds each step took, in order. */
  timings: { step: string; ms: number }[];
  linked: Promise<void>;
}

export class BootError extends Error {
  override name = 'BootError';
  constructor(
    readonly step: string,
    override readonly cause: unknown,
  ) {
    super(`Till POS could not start (${step}): ${cause instanceof Error ? cause.message : String(cause)}`);
  }
}

/** Runs the steps in order; a failing step stops start-up, and what was opened is closed again. */
export async function boot(deps: BootDeps, steps: readonly BootStep[] = BOOT_STEPS): Promise<BootResult> {
  const state: BootState = {};
  const timings: BootResult['timings'] = [];
  for (const step of steps) {
    const started = deps.now();
    try {
      await step.run(deps, state);
    } catch (error) {
      if (state.terminal) await state.terminal.close().catch(() => {});
      else state.db?.close();
      throw new BootError(step.name, error);
    }
    timings.push({ step: step.name, ms: deps.now() - started });
  }
  return {
    terminal: required(state.terminal, 'terminal core'),
    timings,
    linked: state.linked ?? Promise.resolve(),
  };
}

function required<T>(value: T | undefined, step: string): T {
  if (value === undefined) throw new Error(`the "${step}" step has not run`);
  return value;
}
