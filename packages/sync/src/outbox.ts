import { type BackoffOptions, backoffDelay, sleep } from './backoff';
import { isFinal, type UploadResult } from './commands';
import type { Settlement, SyncStore } from './store';

/**
 * Uploads the outbox: oldest first, one batch in flight at a time, each batch
 * acknowledged by the server with one result per item.
 *
 * - A batch that gets no valid answer (timeout, disconnect, garbled reply) is sent again
 *   after a bounded, jittered backoff. The server applies each item at most once, so a
 *   resend of something already applied comes back `duplicate`.
 * - A final result (accepted, duplicate, discrepancies, rejected) settles its item: the
 *   store records the result and drops the item in one step.
 * - `retry` (the server could not apply it this time) puts only that item aside for a
 *   while; the items behind it go on. A rejected or stuck item never blocks the others.
 */
export interface UploaderOptions {
  store: SyncStore;
  /** Sends items; resolves with the server's results, rejects when there is no valid answer. */
  submit: (items: unknown[]) => Promise<UploadResult[]>;
  batchSize?: number;
  /** Between failed batches. */
  backoff?: BackoffOptions;
  /** Before an item answered `retry` is sent again. */
  itemBackoff?: BackoffOptions;
  onSettled?: (settlements: Settlement[]) => void;
  onError?: (error: Error) => void;
  monotonic?: () => number;
}

const idOf = (item: unknown): string | undefined =>
  typeof item === 'object' && item !== null && typeof (item as { id?: unknown }).id === 'string'
    ? (item as { id: string }).id
    : undefined;

export class OutboxUploader {
  private readonly batchSize: number;
  private readonly backoff: BackoffOptions;
  private readonly itemBackoff: BackoffOptions;
  private readonly monotonic: () => number;
  private online = false;
  private kicked = false;
  private running: Promise<void> | undefined;
  private pause = new AbortController();
  private failures = 0;
  /** Items answered `retry`: not before `until`. */
  private readonly resting = new Map<string, { until: number; attempts: number }>();

  constructor(private readonly options: UploaderOptions) {
    this.batchSize = options.batchSize ?? 100;
    this.backoff = options.backoff ?? { baseMs: 250, maxMs: 30_000 };
    this.itemBackoff = options.itemBackoff ?? { baseMs: 1_000, maxMs: 300_000 };
    this.monotonic = options.monotonic ?? (() => performance.now());
  }

  /** Online: upload now and whenever kicked. Offline: stop after the batch in flight. */
  setOnline(online: boolean): void {
    this.online = online;
    if (online) {
      this.failures = 0;
      this.kick();
    } else {
      this.pause.abort();
      this.pause = new AbortController();
    }
  }

  /** Something was added to the outbox: upload it. */
  kick(): void {
    this.kicked = true;
    if (this.online && !this.running) {
      this.running = this.loop().finally(() => {
        this.running = undefined;
        if (this.online && this.kicked) this.kick();
      });
    }
  }

  /** Resolves when the current upload run ends (tests and shutdown). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private async loop(): Promise<void> {
    while (this.online) {
      this.kicked = false;
      const now = this.monotonic();
      const exclude = new Set<string>();
      let nextWake = Number.POSITIVE_INFINITY;
      for (const [id, r] of this.resting) {
        if (r.until > now) {
          exclude.add(id);
          nextWake = Math.min(nextWake, r.until);
        }
      }
      let batch: Awaited<ReturnType<SyncStore['pendingOutbox']>>;
      try {
        batch = await this.options.store.pendingOutbox({ limit: this.batchSize, exclude });
      } catch (error) {
        this.options.onError?.(error as Error);
        await sleep(backoffDelay(++this.failures, this.backoff), this.pause.signal);
        continue;
      }
      if (batch.length === 0) {
        if (nextWake === Number.POSITIVE_INFINITY) {
          if (this.kicked) continue;
          return;
        }
        await sleep(nextWake - now, this.pause.signal);
        continue;
      }

      let results: UploadResult[];
      try {
        results = await this.options.submit(batch.map((b) => b.item));
      } catch (error) {
        this.options.onError?.(error as Error);
        await sleep(backoffDelay(++this.failures, this.backoff), this.pause.signal);
        continue;
      }
      this.failures = 0;

      const settlements: Settlement[] = [];
      const seen = new Set<number>();
      for (const result of results) {
        const stored = batch[result.index];
        if (!stored || seen.has(result.index)) continue;
        // Never settle an item on an answer meant for another one.
        // Ids are UUIDs, which compare without regard to case (PostgreSQL answers in lower case).
        if (result.id !== null && result.id.toLowerCase() !== idOf(stored.item)?.toLowerCase()) continue;
        seen.add(result.index);
        if (isFinal(result)) {
          settlements.push({ id: stored.id, result });
        } else {
          const attempts = (this.resting.get(stored.id)?.attempts ?? 0) + 1;
          this.resting.set(stored.id, {
            attempts,
            until: this.monotonic() + backoffDelay(attempts, this.itemBackoff),
          });
        }
      }
      if (settlements.length > 0) {
        try {
          await this.options.store.settle(settlements);
        } catch (error) {
          this.options.onError?.(error as Error);
          await sleep(backoffDelay(++this.failures, this.backoff), this.pause.signal);
          continue;
        }
        for (const s of settlements) this.resting.delete(s.id);
        this.options.onSettled?.(settlements);
      }
      if (seen.size < batch.length) {
        // Some items got no answer at all: a broken reply. Back off rather than spin.
        this.options.onError?.(new Error(`the server answered ${seen.size} of ${batch.length} items`));
        await sleep(backoffDelay(++this.failures, this.backoff), this.pause.signal);
      }
    }
  }
}
