import type { Cluster, Redis } from 'ioredis';
import { v7 as uuidv7 } from 'uuid';

export interface PeerFlushOptions {
  redis: Redis | Cluster;
  /** Key and channel prefix, shared by the instances of one store server. */
  prefix: string;
  /** Writes this instance's queued hold decisions to PostgreSQL and waits for them. */
  flushLocal: () => Promise<void>;
  onError: (error: unknown, what: string) => void;
  /** How long a read waits at most for the other instances' answers. */
  timeoutMs?: number;
  /** How long a rebuild waits at most (the others may still be reconnecting to a restarted Redis). */
  rebuildTimeoutMs?: number;
}

/** An instance silent this long is not waited for; one silent for PRUNE_MS is struck off. */
const STALE_MS = 5_000;
const PRUNE_MS = 60_000;
const HEARTBEAT_MS = 1_000;
/** A rebuild repeats its request this often, for the instances whose subscription is not back yet. */
const REBUILD_REPEAT_MS = 100;

/**
 * Several store-server instances share one Redis, and each writes the hold decisions it makes
 * to PostgreSQL through its own persister, a batch window later. A read that must find every
 * instance's decisions in PostgreSQL (a holder's holds, the login transfer) first asks the
 * others to write theirs: `everywhere()` publishes a flush request on `<prefix>peers:flush` and
 * waits until every live instance has answered on `<prefix>peers:flushed` that what it had
 * queued is written, or `timeoutMs` at most (a dead or stuck instance does not stall the read,
 * and PostgreSQL's word stands).
 *
 * A shopper who got an answer from another instance before asking this one is served with that
 * decision written: it was queued there before the answer left, so before the request came.
 *
 * Instances announce themselves in the hash `<prefix>peers` (id -> last heartbeat, ms) every
 * second while their subscription is up, and remember who else did. A Redis that came back empty
 * has lost that hash, and the instances' queued decisions were made on the Redis that is gone:
 * `beforeRebuild()` asks the instances it remembers, again every 100 ms until each has answered
 * (or `rebuildTimeoutMs`), so that the rebuild reads them from PostgreSQL.
 */
export class PeerFlush {
  readonly id = uuidv7();
  private readonly redis: Redis | Cluster;
  private readonly subscriber: Redis | Cluster;
  private readonly peersKey: string;
  private readonly requests: string;
  private readonly answers: string;
  private readonly timeoutMs: number;
  private readonly rebuildTimeoutMs: number;
  /** The other instances seen alive lately (id -> their last heartbeat, ms): kept through a Redis that lost them. */
  private readonly seen = new Map<string, number>();
  private readonly waiting = new Map<string, { peers: Set<string>; done: () => void }>();
  private heartbeat: NodeJS.Timeout | undefined;

  constructor(private readonly options: PeerFlushOptions) {
    this.redis = options.redis;
    this.peersKey = `${options.prefix}peers`;
    this.requests = `${options.prefix}peers:flush`;
    this.answers = `${options.prefix}peers:flushed`;
    this.timeoutMs = options.timeoutMs ?? 1_000;
    this.rebuildTimeoutMs = options.rebuildTimeoutMs ?? 3_000;
    // (The union's two duplicate() signatures cannot be called as one.)
    this.subscriber = options.redis.isCluster
      ? (options.redis as Cluster).duplicate()
      : (options.redis as Redis).duplicate();
    this.subscriber.on('error', () => {});
    this.subscriber.on('ready', () => {
      this.subscriber.subscribe(this.requests, this.answers).then(
        () => this.beat(),
        (error) => options.onError(error, 'peer flush: not subscribed'),
      );
    });
    this.subscriber.on('message', (channel: string, message: string) => this.received(channel, message));
  }

  start(): void {
    this.subscriber.connect().catch(() => {}); // it keeps trying; 'ready' subscribes
    this.heartbeat = setInterval(() => this.beat(), HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.heartbeat);
    for (const request of this.waiting.values()) request.done();
    await this.redis.hdel(this.peersKey, this.id).catch(() => {});
    this.subscriber.disconnect();
  }

  /** Writes this instance's decisions, and waits until every other live instance has written its own. */
  async everywhere(): Promise<void> {
    await Promise.all([
      this.options.flushLocal(),
      this.livePeers().then((peers) => (peers.size > 0 ? this.ask(peers, this.timeoutMs) : undefined)),
    ]);
  }

  /** As `everywhere()`, for a rebuild of the state: also the instances remembered from before. */
  async beforeRebuild(): Promise<void> {
    const remembered = [...this.seen.keys()];
    await Promise.all([
      this.options.flushLocal(),
      this.livePeers().then((live) => {
        const peers = new Set([...remembered, ...live]);
        return peers.size > 0 ? this.ask(peers, this.rebuildTimeoutMs, REBUILD_REPEAT_MS) : undefined;
      }),
    ]);
  }

  private async ask(peers: Set<string>, timeoutMs: number, repeatMs?: number): Promise<void> {
    const requestId = uuidv7();
    const timers: NodeJS.Timeout[] = [];
    const answered = new Promise<void>((resolve) => {
      const done = () => {
        for (const timer of timers) clearTimeout(timer); // (clears an interval too)
        this.waiting.delete(requestId);
        resolve();
      };
      this.waiting.set(requestId, { peers, done });
      timers.push(setTimeout(done, timeoutMs));
    });
    const publish = () =>
      this.redis.publish(this.requests, `${requestId}\t${this.id}`).catch((error) => {
        this.options.onError(error, 'peer flush: request not sent');
        if (!repeatMs) this.waiting.get(requestId)?.done();
      });
    if (repeatMs) timers.push(setInterval(publish, repeatMs));
    await publish();
    await answered;
  }

  private received(channel: string, message: string): void {
    const [requestId, from] = message.split('\t');
    if (!requestId || !from || from === this.id) return;
    if (channel === this.requests) {
      this.options
        .flushLocal()
        .catch((error) => this.options.onError(error, 'peer flush: decisions not written'))
        .finally(() => {
          this.redis
            .publish(this.answers, `${requestId}\t${this.id}`)
            .catch((error) => this.options.onError(error, 'peer flush: answer not sent'));
        });
    } else {
      const request = this.waiting.get(requestId);
      if (!request) return;
      request.peers.delete(from);
      if (request.peers.size === 0) request.done();
    }
  }

  /** The other instances that announced themselves lately (remembered in `seen`). */
  private async livePeers(): Promise<Set<string>> {
    const beats = await this.redis.hgetall(this.peersKey).catch(() => ({}) as Record<string, string>);
    const now = Date.now();
    const live = new Set<string>();
    const gone: string[] = [];
    for (const [id, at] of Object.entries(beats)) {
      const age = now - Number(at);
      if (id !== this.id && age < STALE_MS) {
        live.add(id);
        this.seen.set(id, Number(at));
      } else if (age >= PRUNE_MS) gone.push(id);
    }
    if (gone.length > 0) this.redis.hdel(this.peersKey, ...gone).catch(() => {});
    for (const [id, at] of this.seen) if (now - at >= STALE_MS) this.seen.delete(id);
    return live;
  }

  private beat(): void {
    if (this.subscriber.status !== 'ready') return;
    this.redis
      .hset(this.peersKey, this.id, String(Date.now()))
      .then(() => this.livePeers())
      .catch(() => {});
  }
}
