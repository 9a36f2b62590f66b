/**
 * A small read-through cache for facts the hot path reads on every request (API keys, store
 * settings) and that may be `ttlMs` old at most:
 * - one load per key at a time: a hundred requests arriving as an entry expires wait for
 *   one query, not a hundred (which queue on the pool and make the slowest requests slow);
 * - refreshed ahead: once an entry is half its age, the next read starts a reload in the
 *   background and still answers from the entry, so a busy key never waits at all;
 * - never older than `ttlMs` (counted from when its load started): a revoked key or a
 *   changed setting takes effect within that time, as before.
 * With `ttlMs` 0 every read loads.
 */
export class RefreshingCache<V> {
  private readonly entries = new Map<string, Entry<V>>();

  constructor(
    private readonly load: (key: string) => Promise<V>,
    private readonly ttlMs: number,
    private readonly clock: () => number = Date.now,
    private readonly maxEntries = 10_000,
  ) {}

  get(key: string): Promise<V> {
    if (this.ttlMs <= 0) return this.load(key);
    const now = this.clock();
    const entry = this.entries.get(key);
    if (entry?.loaded && now - entry.loadedAt < this.ttlMs) {
      if (!entry.pending && now - entry.loadedAt >= this.ttlMs / 2) {
        this.start(key, entry, now).catch(() => {}); // the entry answers until it expires
      }
      return Promise.resolve(entry.value as V);
    }
    if (entry?.pending && now - entry.pendingSince < this.ttlMs) return entry.pending;
    return this.start(key, entry ?? this.add(key), now);
  }

  /** Forgets a key (the next read loads it). */
  delete(key: string): void {
    this.entries.delete(key);
  }

  private add(key: string): Entry<V> {
    if (this.entries.size >= this.maxEntries) this.entries.clear();
    const entry: Entry<V> = { loaded: false, value: undefined, loadedAt: 0, pending: undefined, pendingSince: 0 };
    this.entries.set(key, entry);
    return entry;
  }

  private start(key: string, entry: Entry<V>, now: number): Promise<V> {
    const pending = this.load(key).then(
      (value) => {
        if (entry.pending === pending) entry.pending = undefined;
        if (!entry.loaded || entry.loadedAt <= now) {
          entry.loaded = true;
          entry.value = value;
          entry.loadedAt = now;
        }
        return value;
      },
      (error: unknown) => {
        if (entry.pending === pending) entry.pending = undefined;
        throw error;
      },
    );
    entry.pending = pending;
    entry.pendingSince = now;
    return pending;
  }
}

interface Entry<V> {
  loaded: boolean;
  value: V | undefined;
  /** When the load that gave `value` started. */
  loadedAt: number;
  pending: Promise<V> | undefined;
  pendingSince: number;
}
