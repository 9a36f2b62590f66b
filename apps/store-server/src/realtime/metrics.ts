import client from 'prom-client';

/** Sync metrics on the server's registry (/metrics). */
export function createSyncMetrics(registry: client.Registry) {
  return {
    clients: new client.Gauge({
      name: 'till_sync_connected_clients',
      help: 'Sockets connected to this instance, by kind of client',
      labelNames: ['kind'] as const,
      registers: [registry],
    }),
    batches: new client.Counter({
      name: 'till_sync_batches_pushed_total',
      help: 'Change batches (and heartbeats) pushed to rooms by this instance',
      registers: [registry],
    }),
    pushLag: new client.Histogram({
      name: 'till_sync_push_lag_seconds',
      help: 'From commit of a change to its push by the publisher',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    uploads: new client.Counter({
      name: 'till_sync_uploads_total',
      help: 'Uploaded terminal commands by result',
      labelNames: ['status'] as const,
      registers: [registry],
    }),
  };
}
