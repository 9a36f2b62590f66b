import { Temporal } from 'temporal-polyfill';

export const MINUTE_MS = 60_000;
export const DAY_MS = 86_400_000;

interface OffsetSpan {
  from: number;
  to: number;
  offset: number;
}

/**
 * Wall-clock arithmetic in one IANA zone, fast enough to run on every price: the zone's UTC
 * offsets are learnt span by span (from one transition to the next, through Temporal) and
 * kept, so most lookups are a comparison. "Wall ms" below means the local date and time
 * written as if it were UTC, e.g. 10:00 in New York on 2026-11-22 → Date.UTC(2026, 10, 22, 10).
 */
export class ZoneOffsets {
  private readonly spans: OffsetSpan[] = [];
  private last: OffsetSpan | undefined;

  constructor(readonly zone: string) {
    // Fail on a bad zone now, not in the middle of pricing.
    Temporal.Instant.fromEpochMilliseconds(0).toZonedDateTimeISO(zone);
  }

  /** UTC offset in ms at an instant (−5 h in New York in winter: −18,000,000). */
  offsetAt(instant: number): number {
    const last = this.last;
    if (last && instant >= last.from && instant < last.to) return last.offset;
    for (const span of this.spans) {
      if (instant >= span.from && instant < span.to) {
        this.last = span;
        return span.offset;
      }
    }
    const span = this.learnSpan(instant);
    this.spans.push(span);
    this.last = span;
    return span.offset;
  }

  /** Local wall time of an instant, as wall ms. */
  wallClock(instant: number): number {
    return instant + this.offsetAt(instant);
  }

  /** Days since 1970-01-01 of the local date of an instant. */
  localDay(instant: number): number {
    return Math.floor(this.wallClock(instant) / DAY_MS);
  }

  /**
   * The instant a local wall time names. Across a DST change it follows RFC 5545 (and
   * Temporal's "compatible"): a time that repeats means its first occurrence; a time that
   * does not exist (skipped by a spring-forward) is read with the offset before the gap,
   * so 02:30 on a day that jumps from 02:00 to 03:00 means 03:30.
   */
  instantOf(wall: number): number {
    const before = this.offsetAt(wall - DAY_MS);
    const after = this.offsetAt(wall + DAY_MS);
    const early = wall - before;
    const late = wall - after;
    const earlyValid = this.offsetAt(early) === before;
    const lateValid = this.offsetAt(late) === after;
    if (earlyValid && lateValid) return Math.min(early, late);
    if (earlyValid) return early;
    if (lateValid) return late;
    return early;
  }

  private learnSpan(instant: number): OffsetSpan {
    const here = Temporal.Instant.fromEpochMilliseconds(instant).toZonedDateTimeISO(this.zone);
    const offset = here.offsetNanoseconds / 1e6;
    const next = here.getTimeZoneTransition('next');
    const previous = here.getTimeZoneTransition('previous');
    let from = previous ? previous.epochMilliseconds : Number.NEGATIVE_INFINITY;
    // `previous` is strictly earlier: when the instant is itself a transition, the span starts at it.
    if (previous && instant > from) {
      const justBefore = Temporal.Instant.fromEpochMilliseconds(instant - 1).toZonedDateTimeISO(this.zone);
      if (justBefore.offsetNanoseconds / 1e6 !== offset) from = instant;
    }
    return { from, to: next ? next.epochMilliseconds : Number.POSITIVE_INFINITY, offset };
  }
}

/** One ZoneOffsets per zone name, kept by whoever owns this object (a rule index). */
export class TimeZones {
  private readonly zones = new Map<string, ZoneOffsets>();

  get(zone: string): ZoneOffsets {
    let offsets = this.zones.get(zone);
    if (!offsets) {
      offsets = new ZoneOffsets(zone);
      this.zones.set(zone, offsets);
    }
    return offsets;
  }
}

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "Sat 22 Nov 10:00" in the zone: for explanations on a receipt or screen. */
export function formatLocalTime(instant: number, offsets: ZoneOffsets): string {
  const wall = new Date(offsets.wallClock(instant));
  const hh = String(wall.getUTCHours()).padStart(2, '0');
  const mm = String(wall.getUTCMinutes()).padStart(2, '0');
  return `${WEEKDAYS[wall.getUTCDay()]} ${wall.getUTCDate()} ${MONTHS[wall.getUTCMonth()]} ${hh}:${mm}`;
}
