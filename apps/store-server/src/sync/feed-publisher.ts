import {
  AUDIENCES,
  type Audience,
  audiencesOf,
  type Change,
  type ChangesBatch,
  coalesce,
  coalescingKey,
} from '@till/sync';
import type { FastifyBaseLogger } from 'fastify';
import type pg from 'pg';
import { feedRoom } from '../realtime/rooms';
import { readFeed, safeHead } from './feed-reader';

/**
 * Pushes the change feed to connected clients, as it commits.
 *
 * It tails `events` (woken by NOTIFY at commit, and by a short poll for the high-rate
 * types that do not notify), routes each change to the rooms it concerns (store ×
 * audience) and emits one batch per room: `{ prev, to, changes }`, "every change for you
 * in (prev, to]". Stock levels and holds are coalesced per SKU and sent at most every
 * `coalesceMs`; anything else goes out at once, flushing what was held so order is kept.
 * Every room also gets a batch (maybe empty) each `heartbeatMs`, so a client that missed
 * one notices within a few heartbeats and pulls.
 *
 * With several instances behind one address (Redis adapter), one of them publishes — the
 * holder of a PostgreSQL advisory lock — and the adapter carries its batches to clients
 * connected to the others. If it dies, its connection closes, the lock is freed, another
 * takes over and starts new chains (`prev: null`, after which clients pull once). Two
 * publishers at once (a partition) would be wasteful but harmless: every batch is a true
 * statement about the feed.
 */
export interface FeedPublisherOptions {
  pool: pg.Pool;
  publish: (room: string, batch: ChangesBatch) => void;
  logger: FastifyBaseLogger;
  /** Instances share a Socket.IO adapter: only the lock holder publishes. */
  clustered: boolean;
  pollMs: number;
  coalesceMs: number;
  heartbeatMs: number;
  leaderRetryMs?: number;
  /** Called with each change's delay from commit to push, in ms. */
  onPushed?: (lagMs: number) => void;
}

interface Room {
  name: string;
  lastTo: number | null;
  pending: Change[];
  lastFlush: number;
  timer: ReturnType<typeof setTimeout> | undefined;
}

const LOCK_NAME = 'till.sync.feed-publisher';
const PAGE = 5_000;

export class FeedPublisher {
  private stopped = true;
  private life: Promise<void> | undefined;
  private client: pg.PoolClient | undefined;
  private cursor = 0;
  private readonly rooms = new Map<string, Room>();
  private stores: string[] = [];
  private rounds: Promise<void> = Promise.resolve();
  private roundRunning = false;
  private roundAgain = false;
  private endLeadership: (() => void) | undefined;

  constructor(private readonly options: FeedPublisherOptions) {}

  get leading(): boolean {
    return this.client !== undefined;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.life = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.endLeadership?.();
    await this.life;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        await this.leadWhilePossible();
      } catch (error) {
        if (!this.stopped) this.options.logger.warn({ err: error }, 'sync feed publisher lost its database connection');
      }
      if (!this.stopped) await new Promise((r) => setTimeout(r, this.options.leaderRetryMs ?? 1_000));
    }
  }

  /** Takes the publisher role if free, and holds it until stopped or the connection breaks. */
  private async leadWhilePossible(): Promise<void> {
    const client = await this.options.pool.connect();
    let broken: Error | undefined;
    const ended = new Promise<void>((resolve) => {
      this.endLeadership = resolve;
    });
    client.on('error', (error) => {
      broken = error;
      this.endLeadership?.();
    });
    const timers: Array<ReturnType<typeof setInterval>> = [];
    try {
      if (this.options.clustered) {
        const { rows } = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock(hashtext($1)) AS ok', [
          LOCK_NAME,
        ]);
        if (!rows[0]?.ok) return; // another instance publishes
      }
      await client.query('LISTEN till_events');
      client.on('notification', () => this.wake());
      this.cursor = await safeHead(client, 5_000);
      this.rooms.clear();
      this.client = client;
      this.options.logger.info({ from: this.cursor, clustered: this.options.clustered }, 'sync feed publisher started');
      await this.heartbeat();
      timers.push(
        setInterval(() => this.wake(), this.options.pollMs),
        setInterval(() => void this.heartbeat().catch(() => {}), this.options.heartbeatMs),
      );
      if (!this.stopped && !broken) await ended;
    } finally {
      for (const t of timers) clearInterval(t);
      this.client = undefined;
      await this.rounds.catch(() => {});
      for (const room of this.rooms.values()) clearTimeout(room.timer);
      // Destroyed, not returned to the pool: that ends the LISTEN and frees the advisory lock.
      client.release(broken ?? true);
    }
  }

  /** Reads and pushes what is new; called on NOTIFY, on the poll timer and when a page was full. */
  private wake(): void {
    if (!this.client) return;
    if (this.roundRunning) {
      this.roundAgain = true;
      return;
    }
    this.roundRunning = true;
    this.rounds = this.round()
      .catch((error) => this.options.logger.warn({ err: error }, 'sync feed publisher could not read events'))
      .finally(() => {
        this.roundRunning = false;
        if (this.roundAgain) {
          this.roundAgain = false;
          this.wake();
        }
      });
  }

  private async round(): Promise<void> {
    const client = this.client;
    if (!client) return;
    const read = await readFeed(client, this.cursor, PAGE, 20);
    if (this.client !== client) return;
    // From here to the end nothing awaits: routing and the cursor move together.
    const now = performance.now();
    const wall = Date.now();
    for (const change of read.changes) {
      if (change.storeId !== null && !this.stores.includes(change.storeId)) this.stores.push(change.storeId);
      const stores = change.storeId === null ? this.stores : [change.storeId];
      for (const storeId of stores) {
        for (const audience of audiencesOf(change.type)) this.room(storeId, audience).pending.push(change);
      }
      this.options.onPushed?.(wall - Date.parse(change.at));
    }
    this.cursor = read.to;
    for (const room of this.rooms.values()) {
      if (room.pending.length === 0) continue;
      const urgent = room.pending.some((c) => coalescingKey(c) === undefined);
      if (urgent || now - room.lastFlush >= this.options.coalesceMs) this.flush(room);
      else if (!room.timer) {
        room.timer = setTimeout(
          () => {
            room.timer = undefined;
            if (this.client) this.flush(room);
          },
          room.lastFlush + this.options.coalesceMs - now,
        );
      }
    }
    if (read.more) this.roundAgain = true;
  }

  private room(storeId: string, audience: Audience): Room {
    const name = feedRoom(storeId, audience);
    let room = this.rooms.get(name);
    if (!room) {
      room = { name, lastTo: null, pending: [], lastFlush: Number.NEGATIVE_INFINITY, timer: undefined };
      this.rooms.set(name, room);
    }
    return room;
  }

  private flush(room: Room): void {
    if (room.timer) clearTimeout(room.timer);
    room.timer = undefined;
    const batch: ChangesBatch = { prev: room.lastTo, to: this.cursor, changes: coalesce(room.pending) };
    room.pending = [];
    room.lastTo = this.cursor;
    room.lastFlush = performance.now();
    this.options.publish(room.name, batch);
  }

  /** A batch to every room of every store, empty if nothing is held: lets clients see they missed nothing. */
  private async heartbeat(): Promise<void> {
    const client = this.client;
    if (!client) return;
    const { rows } = await client.query<{ id: string }>('SELECT id FROM stores ORDER BY id');
    if (this.client !== client) return;
    this.stores = rows.map((r) => r.id);
    for (const storeId of this.stores) {
      for (const audience of AUDIENCES) this.flush(this.room(storeId, audience));
    }
  }
}
