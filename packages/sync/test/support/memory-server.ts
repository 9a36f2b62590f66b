import {
  type Change,
  type ChangesBatch,
  type Handshake,
  outboxItemSchema,
  PROTOCOL_VERSION,
  REQUESTS,
  type RequestName,
  type RequestOf,
  type Transport,
  type TransportStatus,
  type UploadResult,
} from '../../src/index';
import { TransportError } from '../../src/transport';

/**
 * A store server in memory that speaks the sync protocol, for property tests of the
 * client's logic with thousands of runs. Requests are validated with the protocol's
 * schemas, like the real server; the real server is tested against the real client in
 * apps/store-server/test/sync.
 */
export class MemoryServer {
  readonly feed: Change[] = [];
  prunedThrough = 0;
  /** Outbox items applied, by id: how many times each took effect (must be 1). */
  readonly applied = new Map<string, number>();
  readonly connections = new Set<MemoryConnection>();
  private nextSeq = 1;

  constructor(private readonly random: () => number = Math.random) {}

  get head(): number {
    return this.feed.at(-1)?.seq ?? 0;
  }

  /** Commits `count` changes and pushes them, like the real publisher; sequence numbers may skip (rollbacks). */
  append(count: number): void {
    for (let i = 0; i < count; i++) {
      this.nextSeq += this.random() < 0.2 ? 2 : 1;
      const seq = this.nextSeq;
      this.feed.push({
        seq,
        type: 'price.changed',
        storeId: 'demo',
        at: new Date(0).toISOString(),
        payload: { n: seq },
      });
    }
    this.push();
  }

  /** Pushes what is new to every connection, as one batch each (a heartbeat when nothing is). */
  push(): void {
    for (const c of this.connections) c.pushNew();
  }

  /** A restarted server: connections drop, and new batch chains begin. */
  restart(): void {
    for (const c of this.connections) c.drop('transport close');
  }

  connection(handshake: () => Handshake | Promise<Handshake>): MemoryConnection {
    const connection = new MemoryConnection(this, handshake, this.random);
    this.connections.add(connection);
    return connection;
  }

  changesAfter(after: number, limit: number): { changes: Change[]; to: number; more: boolean } {
    const newer = this.feed.filter((c) => c.seq > after);
    const page = newer.slice(0, limit);
    const more = newer.length > limit;
    return { changes: page, to: more ? (page.at(-1)?.seq ?? after) : Math.max(after, this.head), more };
  }

  submit(items: unknown[]): UploadResult[] {
    return items.map((raw, index) => {
      const parsed = outboxItemSchema.safeParse(raw);
      if (!parsed.success) return { index, id: null, status: 'rejected', reason: 'malformed' };
      const id = parsed.data.id;
      const seen = this.applied.get(id);
      if (seen !== undefined) return { index, id, status: 'duplicate', original: 'accepted' };
      this.applied.set(id, 1);
      return { index, id, status: 'accepted' };
    });
  }
}

export class MemoryConnection implements Transport {
  private isConnected = false;
  private lastTo: number | null = null;
  private readonly pushListeners = new Set<(name: string, payload: unknown) => void>();
  private readonly statusListeners = new Set<(status: TransportStatus) => void>();

  constructor(
    private readonly server: MemoryServer,
    private readonly handshake: () => Handshake | Promise<Handshake>,
    private readonly random: () => number,
  ) {}

  get connected(): boolean {
    return this.isConnected;
  }

  connect(): void {
    if (this.isConnected) return;
    void Promise.resolve(this.handshake()).then((handshake) => {
      if (this.isConnected) return;
      this.isConnected = true;
      this.lastTo = null;
      for (const l of this.statusListeners) l({ kind: 'connected' });
      const head = this.server.head;
      const last = handshake.lastSeq;
      const plan =
        last === null || last < this.server.prunedThrough || last > head
          ? { kind: 'snapshot', reason: 'test' }
          : { kind: last === head ? 'current' : 'delta' };
      this.send('welcome', {
        protocol: PROTOCOL_VERSION,
        serverTime: Date.now(),
        session: { storeId: 'demo', client: 'terminal', terminalId: 'term_test', name: 'test' },
        head,
        plan,
        heartbeatMs: 100,
      });
    });
  }

  disconnect(): void {
    this.drop('io client disconnect');
  }

  /** The connection breaks; like Socket.IO, it comes back by itself unless the client closed it. */
  drop(reason: string): void {
    if (!this.isConnected) return;
    this.isConnected = false;
    for (const l of this.statusListeners) l({ kind: 'disconnected', reason });
    if (reason !== 'io client disconnect') setTimeout(() => this.connect(), 3);
  }

  onPush(listener: (name: string, payload: unknown) => void): () => void {
    this.pushListeners.add(listener);
    return () => this.pushListeners.delete(listener);
  }

  onStatus(listener: (status: TransportStatus) => void): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  pushNew(): void {
    if (!this.isConnected) return;
    const head = this.server.head;
    const from = this.lastTo ?? head;
    const batch: ChangesBatch = {
      prev: this.lastTo,
      to: head,
      changes: this.server.feed.filter((c) => c.seq > from),
    };
    this.lastTo = head;
    this.send('changes', batch);
  }

  private send(name: string, payload: unknown): void {
    const copy = structuredClone(payload);
    for (const l of this.pushListeners) l(name, copy);
  }

  async request<N extends RequestName>(name: N, payload: RequestOf<N>, timeoutMs: number): Promise<unknown> {
    if (!this.isConnected) throw new TransportError('offline', 'not connected');
    await new Promise((r) => setTimeout(r, this.random() * 3));
    if (!this.isConnected) throw new TransportError('timeout', `no answer within ${timeoutMs} ms`);
    const parsed = REQUESTS[name].request.safeParse(payload);
    if (!parsed.success) return { ok: false, error: { code: 'INVALID_MESSAGE', message: parsed.error.message } };
    const request = parsed.data as Record<string, unknown>;
    switch (name) {
      case 'sync.pull': {
        const after = request.after as number;
        if (after < this.server.prunedThrough) return { ok: true, kind: 'snapshot', reason: 'pruned' };
        return { ok: true, kind: 'changes', ...this.server.changesAfter(after, request.limit as number) };
      }
      case 'snapshot.begin':
        return { ok: true, snapshotId: `snap_${this.server.head}`, asOf: this.server.head, sections: ['items'] };
      case 'snapshot.page':
        return { ok: true, section: 'items', items: [{ head: this.server.head }], next: null };
      case 'outbox.submit':
        return { ok: true, results: this.server.submit(request.items as unknown[]) };
      case 'clock.ping':
        return { ok: true, serverTime: Date.now() };
      default:
        return { ok: false, error: { code: 'INVALID_MESSAGE', message: `unexpected ${name}` } };
    }
  }
}
