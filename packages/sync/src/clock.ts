/**
 * The server's clock, as seen from a terminal. Prices switch at a rule's millisecond on
 * every terminal only if they all agree on the time, so a terminal estimates how far its
 * own clock is from the server's and prices with the corrected time.
 *
 * Each sample is one ping: the client notes when it sent and received it (on a monotonic
 * clock, so a wall-clock jump in between does not matter), the server answers its time.
 * Assuming the reply took half the round trip, the offset is
 * `serverTime + rtt / 2 − wall time at receipt`. The error of a sample is at most rtt / 2,
 * so of several samples the one with the smallest round trip is kept.
 */

export interface Clock {
  /** Wall time, epoch ms. */
  wall(): number;
  /** A monotonic clock in ms (performance.now()). */
  monotonic(): number;
}

export const systemClock: Clock = {
  wall: () => Date.now(),
  monotonic: () => performance.now(),
};

export interface ClockSample {
  offsetMs: number;
  rttMs: number;
  /** Monotonic time the sample was taken. */
  takenAt: number;
}

export interface ClockEstimate {
  /** Add to local wall time to get server time. */
  offsetMs: number;
  /** Half the round trip of the sample used: the most the estimate can be off by. */
  uncertaintyMs: number;
  samples: number;
}

export function sampleFrom(sentAt: number, receivedAt: number, receivedWall: number, serverTime: number): ClockSample {
  const rttMs = Math.max(0, receivedAt - sentAt);
  return { offsetMs: serverTime + rttMs / 2 - receivedWall, rttMs, takenAt: receivedAt };
}

/** Picks the sample with the smallest round trip; ties go to the newest. */
export function bestSample(samples: readonly ClockSample[]): ClockSample | undefined {
  let best: ClockSample | undefined;
  for (const s of samples) {
    if (!best || s.rttMs < best.rttMs || (s.rttMs === best.rttMs && s.takenAt > best.takenAt)) best = s;
  }
  return best;
}

/**
 * The terminal's view of server time. Keeps the samples of the most recent round
 * (clocks drift, so old rounds are forgotten) and answers `now()` in server time.
 */
export class ServerClock {
  private samples: ClockSample[] = [];

  constructor(
    private readonly clock: Clock = systemClock,
    private readonly keep = 8,
  ) {}

  add(sample: ClockSample): void {
    this.samples.push(sample);
    if (this.samples.length > this.keep) this.samples.shift();
  }

  /** Starts a new round: the next samples replace the old ones as they arrive. */
  forgetOlderThan(monotonicMs: number): void {
    const fresh = this.samples.filter((s) => s.takenAt >= monotonicMs);
    if (fresh.length > 0) this.samples = fresh;
  }

  estimate(): ClockEstimate | undefined {
    const best = bestSample(this.samples);
    return best && { offsetMs: best.offsetMs, uncertaintyMs: best.rttMs / 2, samples: this.samples.length };
  }

  /** Server time in epoch ms; the local clock until the first sample. */
  now(): number {
    return this.clock.wall() + (this.estimate()?.offsetMs ?? 0);
  }
}

/**
 * Takes `count` samples, `gapMs` apart, with `ping` (which sends the client's monotonic
 * send time and resolves with the server's time). A failed ping is skipped.
 */
export async function measureClock(
  ping: () => Promise<number>,
  target: ServerClock,
  options: { count?: number; gapMs?: number; clock?: Clock; sleep?: (ms: number) => Promise<void> } = {},
): Promise<ClockEstimate | undefined> {
  const { count = 5, gapMs = 30, clock = systemClock } = options;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const roundStart = clock.monotonic();
  let taken = 0;
  for (let i = 0; i < count; i++) {
    if (i > 0) await sleep(gapMs);
    const sentAt = clock.monotonic();
    try {
      const serverTime = await ping();
      target.add(sampleFrom(sentAt, clock.monotonic(), clock.wall(), serverTime));
      taken++;
    } catch {
      // a lost ping only costs a sample
    }
  }
  if (taken > 0) target.forgetOlderThan(roundStart);
  return target.estimate();
}
