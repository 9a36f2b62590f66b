import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bestSample, type Clock, measureClock, ServerClock, sampleFrom } from '../src/index';

describe('clock offset', () => {
  it('is off by at most half the round trip of the sample it keeps, whatever the delays (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -3_600_000, max: 3_600_000 }), // the server is this far ahead
        fc.array(fc.tuple(fc.nat({ max: 500 }), fc.nat({ max: 500 })), { minLength: 1, maxLength: 10 }),
        (trueOffset, delays) => {
          const samples = delays.map(([up, down], i) => {
            const sentAt = i * 1_000; // monotonic = wall here
            const serverTime = sentAt + up + trueOffset;
            return sampleFrom(sentAt, sentAt + up + down, sentAt + up + down, serverTime);
          });
          const best = bestSample(samples);
          expect(best).toBeDefined();
          if (!best) return;
          expect(best.rttMs).toBe(Math.min(...samples.map((s) => s.rttMs)));
          expect(Math.abs(best.offsetMs - trueOffset)).toBeLessThanOrEqual(best.rttMs / 2);
        },
      ),
    );
  });

  it('measures through pings, skips lost ones, and corrects now()', async () => {
    let mono = 0;
    let wall = 1_000_000;
    const clock: Clock = { wall: () => wall, monotonic: () => mono };
    const rtts = [80, 10, 40, 30];
    let i = 0;
    const ping = async () => {
      const rtt = rtts[i++] as number;
      if (i === 3) throw new Error('lost');
      mono += rtt / 2;
      wall += rtt / 2;
      const serverTime = wall + 5_000; // the server is 5 s ahead
      mono += rtt / 2;
      wall += rtt / 2;
      return serverTime;
    };
    const server = new ServerClock(clock);
    const estimate = await measureClock(ping, server, { count: 4, gapMs: 0, clock, sleep: async () => {} });
    expect(estimate).toEqual({ offsetMs: 5_000, uncertaintyMs: 5, samples: 3 });
    expect(server.now()).toBe(wall + 5_000);
  });

  it('uses the local clock until it has a sample', () => {
    const server = new ServerClock({ wall: () => 42, monotonic: () => 0 });
    expect(server.estimate()).toBeUndefined();
    expect(server.now()).toBe(42);
  });
});
