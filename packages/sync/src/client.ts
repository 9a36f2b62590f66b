import { v7 as uuidv7 } from 'uuid';
import type { z } from 'zod';
import { type BackoffOptions, backoffDelay, sleep, Timers } from './backoff';
import { type Clock, type ClockEstimate, measureClock, ServerClock, systemClock } from './clock';
import { type OutboxItem, type OutboxKind, type OutboxPayloads, outboxItemSchema, type UploadResult } from './commands';
import { Emitter } from './emitter';
import { type Change, changesBatchSchema, decide } from './feed';
import { OutboxUploader } from './outbox';
import {
  ackSchema,
  type ClientKind,
  checkProtocol,
  type Handshake,
  type Notice,
  noticeSchema,
  PERMANENT_REFUSALS,
  PROTOCOL_VERSION,
  parseMessage,
  type ReconciliationReport,
  type RequestName,
  type RequestOf,
  type ResultOf,
  refusalSchema,
  type Welcome,
  welcomeSchema,
} from './protocol';
import { describeIssues } from './schemas';
import type { Settlement, SnapshotInfo, SyncStore } from './store';
import { socketIoTransport, type Transport, TransportError, type TransportStatus } from './transport';

/**
 * The sync client a terminal (or a dashboard, or a storefront process) runs. It keeps the
 * host's replica current — catch-up by sequence, snapshots when too far behind, live
 * batches — uploads the outbox, and keeps an estimate of the server's clock. Everything it
 * has to say reaches the host as typed events; nothing is thrown at it.
 */

export type SyncStatus =
  | { state: 'connecting' }
  | { state: 'online'; session: Welcome['session'] }
  | { state: 'offline'; reason: string }
  /** The server refused this client and another try will not change that (update, re-enroll). */
  | { state: 'refused'; code: string; message: string }
  | { state: 'stopped' };

export type SyncErrorKind =
  /** A message from the server failed validation; it was ignored. */
  | 'invalid_message'
  /** The host's store failed. */
  | 'store'
  /** A request failed (no answer, or the server said no). */
  | 'request'
  /** Catching up keeps failing: the replica may be stale. */
  | 'out_of_sync';

export interface SyncError {
  kind: SyncErrorKind;
  message: string;
}

export type SyncClientEvents = {
  status: (status: SyncStatus) => void;
  /** Changes committed to the store (after the commit). */
  changes: (batch: { changes: Change[]; to: number }) => void;
  /** A snapshot replaced the replica. */
  snapshot: (info: SnapshotInfo) => void;
  /** Outbox items settled with their reconciliation results. */
  settled: (settlements: Settlement[]) => void;
  notice: (notice: Notice) => void;
  clock: (estimate: ClockEstimate) => void;
  error: (error: SyncError) => void;
};

export interface SyncClientOptions {
  transport: Transport;
  store: SyncStore;
  /** What this client is; used in messages. */
  kind?: ClientKind;
  /** A terminal's id (from enrollment): stamped on the outbox items it makes. */
  terminalId?: string;
  clock?: Clock;
  requestTimeoutMs?: number;
  uploadBatchSize?: number;
  pullLimit?: number;
  snapshotPageSize?: number;
  /** How often the clock estimate is refreshed while online. */
  clockRefreshMs?: number;
  /** Retries of catch-up and reconnection. */
  backoff?: BackoffOptions;
  /** Between upload batches that got no valid answer. */
  uploadBackoff?: BackoffOptions;
  /** Before an item the server answered `retry` is sent again. */
  uploadItemBackoff?: BackoffOptions;
  /** Failed catch-ups in a row before an `out_of_sync` error. */
  outOfSyncAfter?: number;
}

export class SyncRequestError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'SyncRequestError';
  }
}

export class InvalidCommandError extends Error {
  override name = 'InvalidCommandError';
}

const ACKS = {
  'sync.pull': ackSchema('sync.pull'),
  'snapshot.begin': ackSchema('snapshot.begin'),
  'snapshot.page': ackSchema('snapshot.page'),
  'outbox.submit': ackSchema('outbox.submit'),
  'clock.ping': ackSchema('clock.ping'),
  'reconciliation.report': ackSchema('reconciliation.report'),
} satisfies { [N in RequestName]: z.ZodType };

export class SyncClient extends Emitter<SyncClientEvents> {
  private readonly transport: Transport;
  private readonly store: SyncStore;
  private readonly serverClock: ServerClock;
  private readonly localClock: Clock;
  private readonly uploader: OutboxUploader;
  private readonly requestTimeoutMs: number;
  private readonly pullLimit: number;
  private readonly snapshotPageSize: number;
  private readonly backoff: BackoffOptions;
  private readonly outOfSyncAfter: number;
  private readonly clockRefreshMs: number;
  private readonly unsubscribe: Array<() => void> = [];
  private currentStatus: SyncStatus = { state: 'stopped' };
  private session: Welcome | undefined;
  /** Applying pushes and catching up run one at a time, in order. */
  private queue: Promise<void> = Promise.resolve();
  private catchUpQueued = false;
  private catchUpFailures = 0;
  private lastHeard = 0;
  private readonly timers = new Timers();
  private watchdog: ReturnType<typeof setInterval> | undefined;
  private stopSignal = new AbortController();
  private reconnectAttempts = 0;
  private terminalId: string | undefined;
  private readonly selfName: string;
  private clockTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(options: SyncClientOptions) {
    super();
    this.transport = options.transport;
    this.store = options.store;
    this.terminalId = options.terminalId;
    this.selfName = options.kind ?? 'client';
    this.localClock = options.clock ?? systemClock;
    this.serverClock = new ServerClock(this.localClock);
    this.requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
    this.pullLimit = options.pullLimit ?? 2_000;
    this.snapshotPageSize = options.snapshotPageSize ?? 1_000;
    this.backoff = options.backoff ?? { baseMs: 250, maxMs: 15_000 };
    this.outOfSyncAfter = options.outOfSyncAfter ?? 5;
    this.clockRefreshMs = options.clockRefreshMs ?? 10 * 60_000;
    this.uploader = new OutboxUploader({
      store: this.store,
      batchSize: options.uploadBatchSize,
      backoff: options.uploadBackoff,
      itemBackoff: options.uploadItemBackoff,
      submit: (items) => this.submit(items),
      onSettled: (settlements) => this.emit('settled', settlements),
      onError: (error) => this.emit('error', { kind: 'request', message: `upload: ${error.message}` }),
      monotonic: () => this.localClock.monotonic(),
    });
  }

  get status(): SyncStatus {
    return this.currentStatus;
  }

  /** Server time (epoch ms), corrected by the clock estimate: what a terminal prices with. */
  now(): number {
    return this.serverClock.now();
  }

  clockEstimate(): ClockEstimate | undefined {
    return this.serverClock.estimate();
  }

  start(): void {
    if (this.currentStatus.state !== 'stopped') return;
    this.stopSignal = new AbortController();
    this.unsubscribe.push(
      this.transport.onStatus((status) => this.onTransportStatus(status)),
      this.transport.onPush((name, payload) => this.onPush(name, payload)),
    );
    this.setStatus({ state: 'connecting' });
    this.transport.connect();
  }

  async stop(): Promise<void> {
    this.stopSignal.abort();
    for (const off of this.unsubscribe.splice(0)) off();
    this.timers.clear();
    if (this.watchdog) clearInterval(this.watchdog);
    this.watchdog = undefined;
    if (this.clockTimer) clearTimeout(this.clockTimer);
    this.clockTimer = undefined;
    this.uploader.setOnline(false);
    this.transport.disconnect();
    this.session = undefined;
    this.setStatus({ state: 'stopped' });
    await this.uploader.idle();
    await this.queue;
  }

  /**
   * Makes an outbox item: validated, with a fresh UUIDv7 and the server-corrected time.
   * The host stores it (with the sale, in one transaction) and then calls `kickOutbox()`.
   * Throws InvalidCommandError saying what is wrong, before anything is stored.
   */
  makeOutboxItem<K extends OutboxKind>(kind: K, payload: OutboxPayloads[K]): OutboxItem {
    const terminalId = this.terminalId ?? this.session?.session.terminalId ?? undefined;
    if (!terminalId) throw new InvalidCommandError('only an enrolled terminal makes outbox items (no terminal id)');
    const parsed = outboxItemSchema.safeParse({
      id: uuidv7(),
      kind,
      terminalId,
      createdAt: Math.round(this.now()),
      payload,
    });
    if (!parsed.success) throw new InvalidCommandError(`the ${kind} is not valid: ${describeIssues(parsed.error)}`);
    return parsed.data;
  }

  /** Something was added to the outbox: upload it as soon as the server is reachable. */
  kickOutbox(): void {
    this.uploader.kick();
  }

  /** This terminal's reconciliation report, from the server. */
  async report(limit = 100): Promise<ReconciliationReport> {
    return this.call('reconciliation.report', { limit });
  }

  /** Resolves when the current upload run is over (tests, shutdown). */
  uploadsIdle(): Promise<void> {
    return this.uploader.idle();
  }

  /** Resolves once everything queued so far (pushes, catch-up) has been applied. */
  async settledFeed(): Promise<void> {
    let current: Promise<void>;
    do {
      current = this.queue;
      await current;
    } while (current !== this.queue);
  }

  // -------------------------------------------------------------------------------------

  private setStatus(status: SyncStatus): void {
    this.currentStatus = status;
    this.emit('status', status);
  }

  private onTransportStatus(status: TransportStatus): void {
    if (this.stopSignal.signal.aborted) return;
    switch (status.kind) {
      case 'connected':
        this.setStatus({ state: 'connecting' }); // online once the welcome arrives
        return;
      case 'disconnected': {
        this.session = undefined;
        this.uploader.setOnline(false);
        if (this.currentStatus.state !== 'refused') this.setStatus({ state: 'offline', reason: status.reason });
        // The server (or we) closed the socket on purpose: Socket.IO will not come back by itself.
        if (status.reason === 'io server disconnect' && this.currentStatus.state !== 'refused') this.reconnectLater();
        return;
      }
      case 'connect_failed': {
        const refusal = refusalSchema.safeParse(status.data);
        if (refusal.success && PERMANENT_REFUSALS.has(refusal.data.code)) {
          this.setStatus({ state: 'refused', code: refusal.data.code, message: refusal.data.message });
          this.transport.disconnect();
          return;
        }
        this.setStatus({ state: 'offline', reason: refusal.success ? refusal.data.message : status.message });
        // A refusal by the server's middleware is not retried by Socket.IO; a network error is.
        if (refusal.success) this.reconnectLater();
        return;
      }
    }
  }

  private reconnectLater(): void {
    const delay = backoffDelay(++this.reconnectAttempts, this.backoff);
    this.timers.later(delay, () => {
      if (!this.stopSignal.signal.aborted && !this.transport.connected) this.transport.connect();
    });
  }

  private onPush(name: string, payload: unknown): void {
    if (this.stopSignal.signal.aborted) return;
    switch (name) {
      case 'welcome':
        this.onWelcome(payload);
        return;
      case 'changes': {
        const batch = parseMessage(changesBatchSchema, payload, 'a batch of changes from the server');
        if (!batch.ok) {
          this.emit('error', { kind: 'invalid_message', message: batch.message });
          this.scheduleCatchUp(); // whatever it carried is fetched again by sequence
          return;
        }
        this.lastHeard = this.localClock.monotonic();
        this.enqueue(async () => {
          const cursor = await this.store.cursor();
          const decision = decide(cursor, batch.value);
          if (decision.action === 'apply') {
            await this.store.applyChanges({ changes: decision.changes, to: decision.to });
            this.emit('changes', { changes: decision.changes, to: decision.to });
          } else if (decision.action === 'pull') {
            this.scheduleCatchUp();
          }
        });
        return;
      }
      case 'notice': {
        const notice = parseMessage(noticeSchema, payload, 'a notice from the server');
        if (notice.ok) this.emit('notice', notice.value);
        else this.emit('error', { kind: 'invalid_message', message: notice.message });
        return;
      }
      default:
        this.emit('error', { kind: 'invalid_message', message: `unknown message "${name}" from the server` });
    }
  }

  private onWelcome(payload: unknown): void {
    const welcome = parseMessage(welcomeSchema, payload, 'the welcome from the server');
    if (!welcome.ok) {
      this.emit('error', { kind: 'invalid_message', message: welcome.message });
      this.transport.disconnect();
      this.setStatus({ state: 'offline', reason: welcome.message });
      this.reconnectLater();
      return;
    }
    const compatible = checkProtocol(welcome.value.protocol, this.selfName, 'store server');
    if (!compatible.ok) {
      this.transport.disconnect();
      this.setStatus({ state: 'refused', code: compatible.code, message: compatible.message });
      return;
    }
    this.session = welcome.value;
    this.reconnectAttempts = 0;
    this.catchUpFailures = 0;
    this.lastHeard = this.localClock.monotonic();
    this.setStatus({ state: 'online', session: welcome.value.session });
    this.uploader.setOnline(true);
    void this.refreshClock();
    if (welcome.value.plan.kind !== 'current') this.scheduleCatchUp();
    this.armWatchdog(welcome.value.heartbeatMs);
  }

  private armWatchdog(heartbeatMs: number): void {
    if (this.watchdog) clearInterval(this.watchdog);
    this.watchdog = setInterval(() => {
      if (this.currentStatus.state !== 'online') return;
      // Batches (at least a heartbeat) stopped coming: one was lost, or the server's feed stalled.
      if (this.localClock.monotonic() - this.lastHeard > heartbeatMs * 3) {
        this.lastHeard = this.localClock.monotonic();
        this.scheduleCatchUp();
      }
    }, heartbeatMs);
  }

  private async refreshClock(): Promise<void> {
    const estimate = await measureClock(
      async () => (await this.call('clock.ping', { sentAt: this.localClock.monotonic() })).serverTime,
      this.serverClock,
      { clock: this.localClock },
    );
    if (estimate) this.emit('clock', estimate);
    if (this.clockTimer) clearTimeout(this.clockTimer);
    this.clockTimer = undefined;
    if (this.currentStatus.state === 'online' && !this.stopSignal.signal.aborted) {
      this.clockTimer = setTimeout(() => {
        if (this.currentStatus.state === 'online') void this.refreshClock();
      }, this.clockRefreshMs);
    }
  }

  private enqueue(task: () => Promise<void>): void {
    this.queue = this.queue.then(task).catch((error: Error) => {
      this.emit('error', { kind: 'store', message: error.message });
    });
  }

  private scheduleCatchUp(): void {
    if (this.catchUpQueued) return;
    this.catchUpQueued = true;
    this.enqueue(async () => {
      this.catchUpQueued = false;
      if (this.currentStatus.state !== 'online') return; // the next welcome starts it again
      try {
        await this.catchUp();
        this.catchUpFailures = 0;
      } catch (error) {
        // The connection went away under it: nothing failed, the next welcome catches up again.
        if (this.connectionLost(error)) {
          if (this.currentStatus.state === 'online') {
            this.timers.later(backoffDelay(1, this.backoff), () => this.scheduleCatchUp());
          }
          return;
        }
        this.catchUpFailures++;
        const message = (error as Error).message;
        this.emit('error', {
          kind: this.catchUpFailures >= this.outOfSyncAfter ? 'out_of_sync' : 'request',
          message: `catching up failed (${this.catchUpFailures} in a row): ${message}`,
        });
        this.timers.later(backoffDelay(this.catchUpFailures, this.backoff), () => this.scheduleCatchUp());
      }
    });
  }

  private connectionLost(error: unknown): boolean {
    return (
      this.currentStatus.state !== 'online' ||
      !this.transport.connected ||
      (error instanceof TransportError && error.kind === 'offline')
    );
  }

  /** Pulls until current: changes by sequence, or a snapshot when the server says so. */
  private async catchUp(): Promise<void> {
    for (;;) {
      const cursor = await this.store.cursor();
      if (cursor === null) {
        await this.loadSnapshot();
        continue;
      }
      const result = await this.call('sync.pull', { after: cursor, limit: this.pullLimit });
      if (result.kind === 'snapshot') {
        await this.loadSnapshot();
        continue;
      }
      const changes = result.changes.filter((c) => c.seq > cursor);
      if (result.to > cursor) {
        await this.store.applyChanges({ changes, to: result.to });
        this.emit('changes', { changes, to: result.to });
      }
      if (!result.more) return;
      if (result.retryInMs) await sleep(result.retryInMs, this.stopSignal.signal);
      if (this.stopSignal.signal.aborted) return;
    }
  }

  private async loadSnapshot(): Promise<void> {
    const begin = await this.call('snapshot.begin', {});
    const info: SnapshotInfo = { snapshotId: begin.snapshotId, asOf: begin.asOf, sections: begin.sections };
    await this.store.beginSnapshot(info);
    for (const section of info.sections) {
      let after: string | null = null;
      do {
        const page: ResultOf<'snapshot.page'> = await this.call('snapshot.page', {
          snapshotId: info.snapshotId,
          section,
          after,
          limit: this.snapshotPageSize,
        });
        await this.store.applySnapshotPage({ snapshotId: info.snapshotId, section, items: page.items });
        after = page.next;
      } while (after !== null);
    }
    await this.store.commitSnapshot(info);
    this.emit('snapshot', info);
  }

  private async submit(items: unknown[]): Promise<UploadResult[]> {
    return (await this.call('outbox.submit', { items })).results;
  }

  /** One request: sent with a timeout, its answer validated. */
  private async call<N extends RequestName>(name: N, payload: RequestOf<N>): Promise<ResultOf<N>> {
    const raw = await this.transport.request(name, payload, this.requestTimeoutMs);
    const answer = parseMessage(ACKS[name], raw, `the answer to ${name}`);
    if (!answer.ok) {
      this.emit('error', { kind: 'invalid_message', message: answer.message });
      throw new SyncRequestError('INVALID_ANSWER', answer.message);
    }
    const value = answer.value as { ok: true } | { ok: false; error: { code: string; message: string } };
    if (!value.ok) throw new SyncRequestError(value.error.code, `${name}: ${value.error.message}`);
    return value as unknown as ResultOf<N>;
  }
}

export interface ConnectOptions extends Omit<SyncClientOptions, 'transport'> {
  /** The store server, e.g. http://127.0.0.1:3000. */
  url: string;
  token: string;
  kind: ClientKind;
  storeId?: string;
  /** Names this process in the server's logs. */
  instance?: string;
}

/** The handshake a client sends at each (re)connection: who it is and its current cursor. */
export function handshakeFor(options: Omit<ConnectOptions, 'url' | 'terminalId'>): () => Promise<Handshake> {
  return async () => ({
    protocol: PROTOCOL_VERSION,
    token: options.token,
    client: options.kind,
    storeId: options.storeId,
    lastSeq: await options.store.cursor(),
    instance: options.instance,
  });
}

/** A sync client over Socket.IO: the usual way to make one. */
export function createSyncClient(options: ConnectOptions): SyncClient {
  const transport = socketIoTransport(options.url, { handshake: handshakeFor(options) });
  return new SyncClient({ ...options, transport });
}
