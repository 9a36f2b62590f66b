import { toEpochMs } from './fields';
import { CompiledRecurrence, type Recurrence } from './recurrence';
import { DAY_MS, type TimeZones, type ZoneOffsets } from './time-zones';

/** The time fields every rule may carry. */
export interface RuleWindow {
  /** Inclusive start (ISO 8601 instant or epoch ms). */
  validFrom?: string | number;
  /** Exclusive end. */
  validTo?: string | number;
  recurrence?: Recurrence;
}

/**
 * How far ahead a next change is looked for. A change further away is not reported: for a
 * terminal or a countdown on a screen, five years ahead is "no change".
 */
export const CHANGE_HORIZON_DAYS = 5 * 366;

interface Interval {
  start: number;
  end: number;
}

/**
 * A rule's activity in time: [validFrom, validTo) intersected with the recurring windows.
 * Answers the three questions callers ask — active at, active during, next change — from
 * epoch ms and a store zone, without a clock.
 */
export class CompiledSchedule {
  readonly from: number;
  readonly to: number;
  readonly recurrence: CompiledRecurrence | undefined;

  constructor(window: RuleWindow) {
    this.from = window.validFrom === undefined ? Number.NEGATIVE_INFINITY : toEpochMs(window.validFrom);
    this.to = window.validTo === undefined ? Number.POSITIVE_INFINITY : toEpochMs(window.validTo);
    this.recurrence = window.recurrence
      ? new CompiledRecurrence(window.recurrence, Number.isFinite(this.from) ? Math.floor(this.from / DAY_MS) : 0)
      : undefined;
  }

  /** True for a rule with no time limits: it is active at every instant. */
  get always(): boolean {
    return !this.recurrence && this.from === Number.NEGATIVE_INFINITY && this.to === Number.POSITIVE_INFINITY;
  }

  isActiveAt(at: number, zones: TimeZones, storeZone: string): boolean {
    if (at < this.from || at >= this.to) return false;
    const recurrence = this.recurrence;
    if (!recurrence) return true;
    const zone = recurrence.timeZone ?? storeZone;
    const known = this.steady;
    if (known && known.zone === zone && at >= known.from && at < known.until) return known.active;
    const offsets = zones.get(zone);
    const today = offsets.localDay(at);
    let active = false;
    for (let day = today; day >= today - recurrence.reachDays && !active; day -= 1) {
      if (!recurrence.occursOn(day)) continue;
      const opens = offsets.instantOf(recurrence.openingWall(day));
      active = opens <= at && at < opens + recurrence.durationMs;
    }
    return active;
  }

  /** The first instant after `from` at which activity changes, or null (none within the horizon). */
  nextChange(from: number, zones: TimeZones, storeZone: string): number | null {
    if (!this.recurrence) {
      if (this.from > from) return this.from;
      if (this.to > from && Number.isFinite(this.to)) return this.to;
      return null;
    }
    const zone = this.recurrence.timeZone ?? storeZone;
    const known = this.steady;
    if (known && known.zone === zone && from >= known.from && from < known.until) return known.next;
    const next = this.computeNextChange(from, zones, zone);
    // Activity holds from `from` until `next`: every question inside that span has this answer
    // (a "none in sight" answer is kept for a day, as the horizon moves with the question).
    this.steady = {
      zone,
      from,
      until: next ?? from + DAY_MS,
      next,
      active: this.isActiveAt(from, zones, zone),
    };
    return next;
  }

  /** What `nextChange` last learnt: activity is `active` on [from, until), changing at `next`. */
  private steady: { zone: string; from: number; until: number; next: number | null; active: boolean } | undefined;

  private computeNextChange(from: number, zones: TimeZones, zone: string): number | null {
    const horizon = from + CHANGE_HORIZON_DAYS * DAY_MS;
    for (const window of this.activeIntervals(Math.max(from, this.from), horizon, zones, zone)) {
      if (window.end <= from) continue;
      if (window.start > from) return window.start;
      return Number.isFinite(window.end) && window.end <= horizon ? window.end : null;
    }
    return null;
  }

  /** True if the rule is active at any instant of [from, to]. */
  isActiveDuring(from: number, to: number, zones: TimeZones, storeZone: string): boolean {
    if (this.isActiveAt(from, zones, storeZone)) return true;
    const next = this.nextChange(from, zones, storeZone);
    return next !== null && next <= to;
  }

  /**
   * Active intervals (recurring windows merged where they touch or overlap, clipped to
   * [validFrom, validTo)) that end after `from`, in order, up to `horizon`.
   */
  private *activeIntervals(from: number, horizon: number, zones: TimeZones, storeZone: string): Generator<Interval> {
    const recurrence = this.recurrence as CompiledRecurrence;
    const offsets = zones.get(recurrence.timeZone ?? storeZone);
    let pending: Interval | undefined;
    for (const window of windowsFrom(recurrence, offsets, offsets.localDay(from) - recurrence.reachDays, horizon)) {
      const start = Math.max(window.start, this.from);
      const end = Math.min(window.end, this.to);
      if (start >= end) {
        if (window.start >= this.to) break;
        continue;
      }
      if (pending && start <= pending.end) {
        pending.end = Math.max(pending.end, end);
        continue;
      }
      if (pending && pending.end > from) yield pending;
      pending = { start, end };
    }
    if (pending && pending.end > from) {
      // Windows that keep touching up to the horizon have no end in sight.
      yield pending.end >= horizon ? { start: pending.start, end: Number.POSITIVE_INFINITY } : pending;
    }
  }
}

function* windowsFrom(
  recurrence: CompiledRecurrence,
  offsets: ZoneOffsets,
  firstDay: number,
  horizon: number,
): Generator<Interval> {
  let day = firstDay;
  const lastDay = Math.floor(offsets.wallClock(horizon) / DAY_MS);
  while (day <= lastDay) {
    const next = recurrence.nextOccurrence(day, lastDay - day);
    if (next === null) return;
    const start = offsets.instantOf(recurrence.openingWall(next));
    yield { start, end: start + recurrence.durationMs };
    day = next + 1;
  }
}
