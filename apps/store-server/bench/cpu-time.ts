import fs from 'node:fs';
import os from 'node:os';

/**
 * CPU time spent by the processes of a bench run (Linux /proc; zero elsewhere), so that a
 * figure measured on a shared machine can say where its CPU went: per request, in the server,
 * in Redis, in PostgreSQL (the backends serving the bench's database, when PostgreSQL is
 * local) and in the load generator (this process's finished children).
 */

const TICK_MS = 1000 / 100; // USER_HZ

function ticksOf(statPath: string, fields: [number, number]): number {
  try {
    const after = fs.readFileSync(statPath, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return Number(after[fields[0]] ?? 0) + Number(after[fields[1]] ?? 0);
  } catch {
    return 0;
  }
}

/** utime + stime of a process, ms. */
const processMs = (pid: number | undefined) => (pid ? ticksOf(`/proc/${pid}/stat`, [11, 12]) * TICK_MS : 0);

/** cutime + cstime of this process: its children that have finished (the load generator), ms. */
const childrenMs = () => ticksOf('/proc/self/stat', [13, 14]) * TICK_MS;

export interface CpuPerRequest {
  server: number;
  redis: number;
  postgres: number;
  loadGenerator: number;
}

/**
 * Starts measuring; `perRequest(n, postgresPids)` gives the µs of CPU each process spent per
 * request since (`postgresPids`: the backends then, with those already there at the start).
 */
export function measureCpu(pids: { server?: number; redis?: number; postgres: number[] }) {
  const postgresStart = new Map(pids.postgres.map((pid) => [pid, processMs(pid)]));
  const start = { server: processMs(pids.server), redis: processMs(pids.redis), loadGenerator: childrenMs() };
  return {
    perRequest(requests: number, postgresPids: number[]): CpuPerRequest {
      const us = (ms: number) => (requests > 0 ? Math.round((ms * 1000) / requests) : 0);
      const all = new Set([...postgresStart.keys(), ...postgresPids]);
      let postgres = 0;
      for (const pid of all) {
        const now = processMs(pid);
        if (now > 0) postgres += now - (postgresStart.get(pid) ?? 0); // 0: gone meanwhile
      }
      return {
        server: us(processMs(pids.server) - start.server),
        redis: us(processMs(pids.redis) - start.redis),
        postgres: us(postgres),
        loadGenerator: us(childrenMs() - start.loadGenerator),
      };
    },
  };
}

export const loadAverage = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(', ');
