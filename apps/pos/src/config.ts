import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { z } from 'zod';

/**
 * The repository root (the browser terminal's default data folder, `.till/pos`, lives under
 * it): the nearest folder above this module with pnpm-workspace.yaml, from source or bundle.
 */
export function findRepoRoot(from = path.dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'pnpm-workspace.yaml'))) return dir;
    if (path.dirname(dir) === dir) return process.cwd();
  }
}

/**
 * How a terminal is started: environment variables, overridden by command-line flags.
 * Read once, validated, and refused with a message naming the variable or flag.
 */
export interface PosConfig {
  /** Store server, e.g. http://127.0.0.1:3000. */
  serverUrl: string;
  /** One-time code a manager made; exchanged for a terminal token on first start. */
  enrollmentCode: string | undefined;
  /** A terminal token given directly (skips enrollment). */
  terminalToken: string | undefined;
  /**
   * With neither code nor token, on the machine that runs the demo store server: the demo
   * store's terminal key from `.till/demo-keys.json`, so `pnpm pos` just works after `pnpm start`.
   */
  fallbackToken: string | undefined;
  /** Name to enroll under, e.g. "Till 2". */
  terminalName: string | undefined;
  dataDir: string;
  /** Browser terminal: where its page listens (port 0 picks a free one). */
  host: string;
  port: number;
  /** Open the page in the default browser after start. */
  open: boolean;
}

export class PosConfigError extends Error {
  override name = 'PosConfigError';
}

const schema = z.object({
  TILL_SERVER_URL: z
    .string()
    .trim()
    .default('http://127.0.0.1:3000')
    .refine((v) => /^https?:\/\/[^/]+/.test(v), 'must be a URL like http://127.0.0.1:3000'),
  TILL_ENROLLMENT_CODE: z.string().trim().min(1).optional(),
  TILL_TERMINAL_TOKEN: z.string().trim().min(1).optional(),
  TILL_TERMINAL_NAME: z.string().trim().min(1).max(60).optional(),
  TILL_POS_DATA_DIR: z.string().trim().min(1).optional(),
  TILL_POS_HOST: z.string().trim().min(1).default('127.0.0.1'),
  TILL_POS_PORT: z.coerce
    .number({ message: 'must be a whole number' })
    .int('must be a whole number')
    .min(0, 'must be between 0 and 65535')
    .max(65535, 'must be between 0 and 65535')
    .default(4000),
  TILL_POS_OPEN: z.enum(['true', 'false', '1', '0']).default('false'),
});

const FLAGS = {
  server: { type: 'string', env: 'TILL_SERVER_URL' },
  code: { type: 'string', env: 'TILL_ENROLLMENT_CODE' },
  token: { type: 'string', env: 'TILL_TERMINAL_TOKEN' },
  name: { type: 'string', env: 'TILL_TERMINAL_NAME' },
  data: { type: 'string', env: 'TILL_POS_DATA_DIR' },
  host: { type: 'string', env: 'TILL_POS_HOST' },
  port: { type: 'string', env: 'TILL_POS_PORT' },
  open: { type: 'boolean', env: 'TILL_POS_OPEN' },
} as const;

export const USAGE = `Usage: pnpm pos [--server URL] [--code ENROLLMENT_CODE | --token TERMINAL_TOKEN]
                [--name "Till 2"] [--data DIR] [--host 127.0.0.1] [--port 4000] [--open]

Each flag has an environment variable: ${Object.entries(FLAGS)
  .map(([flag, f]) => `--${flag} ${f.env}`)
  .join(', ')}.`;

/** The demo store's terminal key, when the server is on this machine and `pnpm start` wrote its keys. */
function demoTerminalKey(
  serverUrl: string,
  file = path.join(findRepoRoot(), '.till', 'demo-keys.json'),
): string | undefined {
  const host = new URL(serverUrl).hostname;
  if (!['127.0.0.1', 'localhost', '[::1]', '::1'].includes(host)) return undefined;
  try {
    const keys = JSON.parse(readFileSync(file, 'utf8')) as { terminal?: unknown };
    return typeof keys.terminal === 'string' ? keys.terminal : undefined;
  } catch {
    return undefined;
  }
}

export function loadPosConfig(
  env: NodeJS.ProcessEnv,
  argv: readonly string[] = [],
  defaults: { dataDir?: string; demoKeysFile?: string } = {},
): PosConfig {
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      // `pnpm pos -- --code X` passes the `--` through: it separates nothing here.
      args: argv.filter((arg) => arg !== '--'),
      options: Object.fromEntries(Object.entries(FLAGS).map(([k, f]) => [k, { type: f.type }])),
      allowPositionals: false,
    }).values;
  } catch (error) {
    throw new PosConfigError(`${(error as Error).message}\n\n${USAGE}`);
  }
  const merged: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(env)) if (key.startsWith('TILL_')) merged[key] = value || undefined;
  for (const [flag, f] of Object.entries(FLAGS)) {
    const value = values[flag];
    if (value !== undefined) merged[f.env] = String(value);
  }
  const parsed = schema.safeParse(merged);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const variable = String(issue.path[0]);
      const flag = Object.entries(FLAGS).find(([, f]) => f.env === variable)?.[0];
      return `${variable}${flag ? ` (--${flag})` : ''}: ${issue.message}`;
    });
    throw new PosConfigError(lines.join('\n'));
  }
  const e = parsed.data;
  const serverUrl = e.TILL_SERVER_URL.replace(/\/+$/, '');
  return {
    serverUrl,
    enrollmentCode: e.TILL_ENROLLMENT_CODE,
    terminalToken: e.TILL_TERMINAL_TOKEN,
    fallbackToken:
      e.TILL_ENROLLMENT_CODE || e.TILL_TERMINAL_TOKEN ? undefined : demoTerminalKey(serverUrl, defaults.demoKeysFile),
    terminalName: e.TILL_TERMINAL_NAME,
    dataDir: path.resolve(e.TILL_POS_DATA_DIR ?? defaults.dataDir ?? path.join(findRepoRoot(), '.till', 'pos')),
    host: e.TILL_POS_HOST,
    port: e.TILL_POS_PORT,
    open: e.TILL_POS_OPEN === 'true' || e.TILL_POS_OPEN === '1',
  };
}
