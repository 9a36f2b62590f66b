import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Cluster } from 'ioredis';
import { freePort } from '../support';
import { waitFor } from '../support/process';
import { type OwnRedis, startOwnRedis } from './redis-server';

const run = promisify(execFile);

/** A local Redis Cluster of three masters on free ports, made with `redis-cli --cluster create`. */
export interface OwnCluster {
  nodes: OwnRedis[];
  client(): Cluster;
  stop(): Promise<void>;
}

export async function startOwnCluster(size = 3): Promise<OwnCluster> {
  const nodes: OwnRedis[] = [];
  for (let i = 0; i < size; i++) {
    const port = await freePort();
    nodes.push(
      await startOwnRedis(port, [
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        `/tmp/till-cluster-${port}.conf`,
      ]),
    );
  }
  await run('redis-cli', [
    '--cluster',
    'create',
    ...nodes.map((n) => `127.0.0.1:${n.port}`),
    '--cluster-replicas',
    '0',
    '--cluster-yes',
  ]);
  // Every node must agree that the cluster is whole before a client asks it for its slots.
  await waitFor(
    'every node to see the cluster ok',
    async () => {
      const infos = await Promise.all(nodes.map((n) => run('redis-cli', ['-p', String(n.port), 'cluster', 'info'])));
      const ok = infos.every(
        ({ stdout }) => stdout.includes('cluster_state:ok') && stdout.includes(`cluster_known_nodes:${size}`),
      );
      return ok ? true : undefined;
    },
    30_000,
  );
  return {
    nodes,
    client: () => {
      const cluster = new Cluster(
        nodes.map((n) => ({ host: '127.0.0.1', port: n.port })),
        { lazyConnect: true, enableOfflineQueue: true, enableAutoPipelining: true },
      );
      cluster.on('error', () => {});
      return cluster;
    },
    stop: async () => {
      await Promise.all(nodes.map((n) => n.stop()));
      await Promise.all(nodes.map((n) => run('rm', ['-f', `/tmp/till-cluster-${n.port}.conf`]).catch(() => {})));
    },
  };
}
