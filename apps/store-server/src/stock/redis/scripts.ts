import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Cluster, Redis } from 'ioredis';

const scriptsDir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'scripts');

/** The bucket scripts: each runs atomically on the four keys of one bucket. */
export const SCRIPT_NAMES = [
  'hold_set',
  'hold_end',
  'hold_extend',
  'expire',
  'probe',
  'feed_apply',
  'load',
  'free_move',
  'cut',
  'transfer',
] as const;
export type ScriptName = (typeof SCRIPT_NAMES)[number];

/** A hold as the scripts report it: h holder, q qty, e expires at, c cart ('' none), t created at (ms). */
export interface ScriptHold {
  id: string;
  h: string;
  q: number;
  e: number;
  c: string;
  t: number;
}

export interface ScriptCut extends ScriptHold {
  taken: number;
  left: number;
}

/** What a script answers (one JSON document; fields depend on the script and on `s`). */
export interface ScriptReply {
  s: 'OK' | 'NOT_LOADED' | 'REFUSED' | 'NONE' | 'EXPIRED' | 'EXISTS' | 'SKIP' | 'GAP' | 'MOVED' | 'MERGED';
  code?: string;
  created?: boolean;
  prev?: number;
  hold?: ScriptHold;
  gone?: ScriptHold;
  /** Holds the script expired on the way (lazily). */
  x?: ScriptHold[] | Record<string, never>;
  cuts?: ScriptCut[] | Record<string, never>;
  alive?: Array<[string, number]> | Record<string, never>;
  available?: number;
  youHold?: number;
  limit?: number;
  firstExpiresAt?: number;
  expiredAt?: number;
  free?: number;
  holds?: number;
  excess?: number;
  n?: number;
  pgv?: number;
  /** expire: when the bucket's first remaining hold expires (0: none). */
  next?: number;
}

/** Lua's cjson encodes an empty array as {}: read both as a list. */
export const list = <T>(value: T[] | Record<string, never> | undefined): T[] => (Array.isArray(value) ? value : []);

type Client = Redis | Cluster;
type ScriptCommand = (...keysThenArgs: Array<string | number>) => Promise<string>;

/**
 * Registers the scripts on a client (lib.lua prepended to each). ioredis runs them with
 * EVALSHA and falls back to EVAL when Redis lost its script cache (after a restart).
 */
export function defineScripts(client: Client, commandPrefix: string) {
  const lib = fs.readFileSync(path.join(scriptsDir, 'lib.lua'), 'utf8');
  const commands = new Map<ScriptName, ScriptCommand>();
  for (const name of SCRIPT_NAMES) {
    const body = fs.readFileSync(path.join(scriptsDir, `${name}.lua`), 'utf8');
    const command = `${commandPrefix}_${name}`;
    client.defineCommand(command, { numberOfKeys: 4, lua: `${lib}\n${body}` });
    const fn = (client as unknown as Record<string, ScriptCommand>)[command];
    if (!fn) throw new Error(`script ${name} was not defined`);
    commands.set(name, fn.bind(client));
  }
  return async (name: ScriptName, keys: readonly string[], args: Array<string | number>): Promise<ScriptReply> => {
    const run = commands.get(name);
    if (!run) throw new Error(`unknown script ${name}`);
    return JSON.parse(await run(...keys, ...args)) as ScriptReply;
  };
}

export type RunScript = ReturnType<typeof defineScripts>;

const HOLD_BATCH_COMMAND = 'till_hold_set_many';

/** One hold_set_many call: a bucket's keys, and hold_set's arguments for each of its decisions. */
export interface HoldBatchCall {
  keys: readonly string[];
  args: Array<string | number>;
}

/**
 * hold_set_many: several hold_set decisions on one bucket in one call, one answer per decision
 * in order. The calls given together (one per bucket) are sent at once in one pipeline, one
 * write on the socket; on a Redis Cluster each goes to its own slot's node (auto-pipelined).
 * One promise per call, settled when that call is answered: on a cluster a call answered by one
 * node must not wait for another node's, or decisions would be recorded in another order than
 * Redis made them in.
 */
export function defineHoldBatches(client: Client) {
  const lib = fs.readFileSync(path.join(scriptsDir, 'lib.lua'), 'utf8');
  const body = fs.readFileSync(path.join(scriptsDir, 'hold_set_many.lua'), 'utf8');
  client.defineCommand(HOLD_BATCH_COMMAND, { numberOfKeys: 4, lua: `${lib}\n${body}` });
  const parse = (raw: unknown) => JSON.parse(String(raw)) as ScriptReply[];
  return (calls: readonly HoldBatchCall[]): Array<Promise<ScriptReply[]>> => {
    if (client.isCluster) {
      const command = (client as unknown as Record<string, ScriptCommand>)[HOLD_BATCH_COMMAND] as ScriptCommand;
      return calls.map((c) => command.call(client, ...c.keys, ...c.args).then(parse));
    }
    const pipeline = client.pipeline() as unknown as Record<string, ScriptCommand> & {
      exec(): Promise<Array<[Error | null, unknown]> | null>;
    };
    for (const c of calls) (pipeline[HOLD_BATCH_COMMAND] as ScriptCommand).call(pipeline, ...c.keys, ...c.args);
    const results = pipeline.exec();
    return calls.map((_, i) =>
      results.then((all) => {
        const [error, raw] = all?.[i] ?? [new Error('hold_set_many gave no answer'), undefined];
        if (error) throw error;
        return parse(raw);
      }),
    );
  };
}

export type RunHoldBatch = ReturnType<typeof defineHoldBatches>;

/** The Lua source of the minimal hold the bench measures Redis' own ceiling with. */
export const minimalHoldScript = `local f = tonumber(redis.call('HGET', KEYS[1], 'free')) or 0
if f >= 1 then redis.call('HINCRBY', KEYS[1], 'free', -1) return 1 end
return 0`;
