import { describe, expect, it } from 'vitest';
import { RefreshingCache } from '../src/cache/refreshing-cache';

/** A load whose answers the test gives by hand, counting the calls. */
function manualLoad() {
  const calls: Array<{ key: string; resolve: (v: string) => void; reject: (e: Error) => void }> = [];
  const load = (key: string) =>
    new Promise<string>((resolve, reject) => {
      calls.push({ key, resolve, reject });
    });
  return { load, calls };
}

const settle = () => new Promise((r) => setImmediate(r));

describe('RefreshingCache', () => {
  it('asks once for many readers of a key that is not cached', async () => {
    let now = 0;
    const { load, calls } = manualLoad();
    const cache = new RefreshingCache(load, 1_000, () => now);
    const reads = Array.from({ length: 50 }, () => cache.get('k'));
    expect(calls).toHaveLength(1);
    calls[0]?.resolve('v1');
    expect(await Promise.all(reads)).toEqual(Array(50).fill('v1'));
    now = 10;
    expect(await cache.get('k')).toBe('v1');
    expect(calls).toHaveLength(1);
  });

  it('refreshes a busy key ahead of its expiry while still answering from the cache', async () => {
    let now = 0;
    const { load, calls } = manualLoad();
    const cache = new RefreshingCache(load, 1_000, () => now);
    const first = cache.get('k');
    calls[0]?.resolve('v1');
    await first;
    now = 600; // past half its age: reads still answer at once, one reload starts
    expect(await cache.get('k')).toBe('v1');
    expect(await cache.get('k')).toBe('v1');
    expect(calls).toHaveLength(2);
    calls[1]?.resolve('v2');
    await settle();
    now = 1_050; // the old entry would have expired; the refreshed one (loaded from 600) answers
    expect(await cache.get('k')).toBe('v2');
    expect(calls).toHaveLength(2);
  });

  it('never answers from an entry older than its time to live', async () => {
    let now = 0;
    const { load, calls } = manualLoad();
    const cache = new RefreshingCache(load, 1_000, () => now);
    const first = cache.get('k');
    calls[0]?.resolve('v1');
    await first;
    now = 1_000;
    const read = cache.get('k');
    expect(calls).toHaveLength(2);
    calls[1]?.resolve('v2');
    expect(await read).toBe('v2');
  });

  it('does not answer from a background refresh started too long ago', async () => {
    let now = 0;
    const { load, calls } = manualLoad();
    const cache = new RefreshingCache(load, 1_000, () => now);
    const first = cache.get('k');
    calls[0]?.resolve('v1');
    await first;
    now = 500;
    await cache.get('k'); // starts a refresh that never answers
    now = 1_600;
    const read = cache.get('k');
    expect(calls).toHaveLength(3);
    calls[2]?.resolve('v3');
    expect(await read).toBe('v3');
  });

  it('passes a failed load on to its readers and tries again on the next read', async () => {
    const { load, calls } = manualLoad();
    const cache = new RefreshingCache(load, 1_000, () => 0);
    const read = cache.get('k');
    calls[0]?.reject(new Error('database down'));
    await expect(read).rejects.toThrow('database down');
    const again = cache.get('k');
    expect(calls).toHaveLength(2);
    calls[1]?.resolve('v');
    expect(await again).toBe('v');
  });

  it('keeps answering from the entry when a refresh ahead fails', async () => {
    let now = 0;
    const { load, calls } = manualLoad();
    const cache = new RefreshingCache(load, 1_000, () => now);
    const first = cache.get('k');
    calls[0]?.resolve('v1');
    await first;
    now = 700;
    expect(await cache.get('k')).toBe('v1');
    calls[1]?.reject(new Error('database down'));
    await settle();
    now = 800;
    expect(await cache.get('k')).toBe('v1');
  });

  it('loads on every read with a time to live of 0', async () => {
    const { load, calls } = manualLoad();
    const cache = new RefreshingCache(load, 0, () => 0);
    void cache.get('k');
    void cache.get('k');
    expect(calls).toHaveLength(2);
  });
});
