/** Time as the terminal core sees it. The core never calls Date.now() itself. */
export interface Clock {
  /** Epoch milliseconds (UTC). On a terminal: corrected by the offset to the server's clock. */
  now(): number;
  /** Calls `fn` after `ms`; returns a function that cancels it. */
  setTimeout(fn: () => void, ms: number): () => void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const timer = setTimeout(fn, Math.max(0, ms));
    timer.unref?.();
    return () => clearTimeout(timer);
  },
};

/** `base` shifted by an offset that may change (the sync client's estimate of server − local). */
export function offsetClock(base: Clock, offsetMs: () => number): Clock {
  // Whole milliseconds: the offset is an estimate with fractions; times are stored as integers.
  return { now: () => Math.round(base.now() + offsetMs()), setTimeout: base.setTimeout };
}

/** A clock for tests: time moves only when told to, and due timers fire in order. */
export interface ManualClock extends Clock {
  set(epochMs: number): void;
  advance(ms: number): void;
  pendingTimers(): number;
}

export function manualClock(startMs: number): ManualClock {
  let now = startMs;
  let nextId = 0;
  const timers = new Map<number, { at: number; fn: () => void }>();
  const fireDue = () => {
    for (;;) {
      let due: [number, { at: number; fn: () => void }] | undefined;
      for (const entry of timers) if (entry[1].at <= now && (!due || entry[1].at < due[1].at)) due = entry;
      if (!due) return;
      timers.delete(due[0]);
      due[1].fn();
    }
  };
  return {
    now: () => now,
    setTimeout: (fn, ms) => {
      const id = nextId++;
      timers.set(id, { at: now + Math.max(0, ms), fn });
      return () => timers.delete(id);
    },
    set: (epochMs) => {
      now = epochMs;
      fireDue();
    },
    advance: (ms) => {
      now += ms;
      fireDue();
    },
    pendingTimers: () => timers.size,
  };
}
