import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { waitFor } from '../support/process';
import { redisAnswers } from '../support/services';

const run = promisify(execFile);

/** A redis-server of the test's own, on its own port, with no persistence (a restart comes back empty). */
export interface OwnRedis {
  port: number;
  url: string;
  process: ChildProcess;
  /** `redis-cli -p <port> shutdown nosave`: Redis dies and forgets everything. */
  kill(): Promise<void>;
  stop(): Promise<void>;
}

export async function startOwnRedis(port: number, extraArgs: string[] = []): Promise<OwnRedis> {
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...extraArgs],
    { stdio: 'ignore' },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `redis://127.0.0.1:${port}`;
  await waitFor(`redis-server on ${port}`, async () => ((await redisAnswers(url)) ? undefined : true), 10_000);
  return {
    port,
    url,
    process: child,
    kill: async () => {
      await run('redis-cli', ['-p', String(port), 'shutdown', 'nosave']).catch(() => {});
      await exited;
    },
    stop: async () => {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}
