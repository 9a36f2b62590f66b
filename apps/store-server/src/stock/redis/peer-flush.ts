import type { Cluster, Redis } from 'ioredis';
import { v7 as uuidv7 } from 'uuid';

export interface PeerFlushOptions {
  redis: Redis | Cluster;
  /** Key and channel prefix, shared by the instances of one store server. */
  prefix: string;
  /** Writes this instance's queued hold decisions to PostgreSQL and waits for them. */
  flushLocal: () => Promise<void>;
  onError: (error: unknown, what: string) => void;
  /** How long a request waits at most for the other instances' answers. */
  timeoutMs?: number;
}

/** An instance silent this long is not waited for; one silent for PRUNE_MS is struck off. */
const STALE_MS = 5_000;
const PRUNE_MS = 60_000;
const HEARTBEAT_MS = 1_000;

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
 * second while their subscription is up.
 */
export class PeerFlush {
  readonly id = uuidv7();
  private readonly redis: Redis | Cluster;
  private readonly subscriber: Redis | Cluster;
  private readonly peersKey: string;
  private readonly requests: string;
  private readonly answers: string;
  private readonly timeoutMs: number;
  private readonly waiting = new Map<string, { peers: Set<string>; done: () => void }>();
  private heartbeat: NodeJS.Timeout | undefined;

  constructor(private readonly options: PeerFlushOptions) {
    this.redis = options.redis;
    this.peersKey = `${options.prefix}peers`;
    this.requests = `${options.prefix}peers:flush`;
    this.answers = `${options.prefix}peers:flushed`;
    this.timeoutMs = options.timeoutMs ?? 1_000;
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
    const local = this.options.flushLocal();
    const peers = await this.livePeers();
    if (peers.size > 0) await this.ask(peers);
    await local;
  }

  private async ask(peers: Set<string>): Promise<void> {
    const requestId = uuidv7();
    let timer: NodeJS.Timeout | undefined;
    const answered = new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiting.delete(requestId);
        resolve();
      };
      this.waiting.set(requestId, { peers, done });
      timer = setTimeout(done, this.timeoutMs);
    });
    try {
      await this.redis.publish(this.requests, `${requestId}\t${this.id}`);
    } catch (error) {
      this.options.onError(error, 'peer flush: request not sent');
      this.waiting.get(requestId)?.done();
    }
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

  /** The other instances that announced themselves lately. */
  private async livePeers(): Promise<Set<string>> {
    const beats = await this.redis.hgetall(this.peersKey).catch(() => ({}) as Record<string, string>);
    const now = Date.now();
    const live = new Set<string>();
    const gone: string[] = [];
    for (const [id, at] of Object.entries(beats)) {
      const age = now - Number(at);
      if (id !== this.id && age < STALE_MS) live.add(id);
      else if (age >= PRUNE_MS) gone.push(id);
    }
    if (gone.length > 0) this.redis.hdel(this.peersKey, ...gone).catch(() => {});
    return live;
  }

  private beat(): void {
    if (this.subscriber.status !== 'ready') return;
    this.redis.hset(this.peersKey, this.id, String(Date.now())).catch(() => {});
  }
}
