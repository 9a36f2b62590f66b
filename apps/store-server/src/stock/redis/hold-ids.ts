import { randomFillSync } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';

/**
 * New hold ids (UUID v7, time-ordered, as uuid makes them), with their random bytes taken
 * from a pool refilled 256 ids at a time: asking the system for 16 random bytes per hold
 * was a measurable part of a hold's cost in a flash sale.
 */
const POOL_IDS = 256;
const pool = Buffer.alloc(16 * POOL_IDS);
let next = POOL_IDS;
/** Like uuid's own v7 state: ids made within one millisecond keep counting up. */
let lastMs = -1;
let seq = 0;

export function newHoldId(): string {
  if (next === POOL_IDS) {
    randomFillSync(pool);
    next = 0;
  }
  const random = pool.subarray(next * 16, next * 16 + 16);
  next++;
  const now = Date.now();
  if (now > lastMs) {
    lastMs = now;
    // 31 random bits to start from, as uuid does, leaving room to count up.
    seq = (((random[6] as number) & 0x7f) << 24) | ((random[7] as number) << 16) | ((random[8] as number) << 8);
  } else {
    seq = (seq + 1) | 0;
    if (seq === 0) lastMs++;
  }
  return uuidv7({ random, msecs: lastMs, seq });
}
