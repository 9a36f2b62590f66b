/**
 * Bounded exponential backoff with full jitter: attempt n waits a random time in
 * [0, min(maxMs, baseMs · 2^n)], so many terminals that lost the server at once do not
 * come back in step.
 */
export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
  /** Random number in [0, 1); injectable for tests. */
  random?: () => number;
}

export function backoffDelay(attempt: number, options: BackoffOptions): number {
  const random = options.random ?? Math.random;
  const ceiling = Math.min(options.maxMs, options.baseMs * 2 ** Math.min(attempt, 30));
  // Never zero: a retry storm at full speed is what backoff is for.
  return Math.max(options.baseMs / 2, Math.floor(random() * ceiling));
}

/** Waits `ms`, or until the signal aborts (then resolves early). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** Timers that can all be cancelled at once (on stop), each forgotten when it fires. */
export class Timers {
  private readonly pending = new Set<ReturnType<typeof setTimeout>>();

  later(ms: number, fn: () => void): void {
    const timer = setTimeout(() => {
      this.pending.delete(timer);
      fn();
    }, ms);
    this.pending.add(timer);
  }

  clear(): void {
    for (const t of this.pending) clearTimeout(t);
    this.pending.clear();
  }
}
