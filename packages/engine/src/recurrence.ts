import type { Options as RRuleOptions } from 'rrule';
import * as rrulePackage from 'rrule';
import { DAY_MS, MINUTE_MS } from './time-zones';

// rrule ships CommonJS for Node and ES modules for bundlers; take the class from either.
const rrule = rrulePackage as typeof rrulePackage & { default?: typeof rrulePackage };
const { RRule, Frequency } = rrule.RRule ? rrule : (rrule.default as typeof rrulePackage);

/**
 * Recurring windows. The RRULE is used for what it does well, naming calendar dates; it runs
 * in "floating" time (dates as UTC midnights), never with its TZID support, whose results
 * depend on the host's own zone (a terminal set to New York gets different instants than a
 * server in UTC). The window on each date opens at `start` local time in the store's zone
 * and lasts `durationMinutes` of elapsed time; the zone arithmetic is in time-zones.ts.
 */
export interface Recurrence {
  /** RFC 5545 RRULE naming the dates, e.g. "FREQ=WEEKLY;BYDAY=SA". FREQ from YEARLY to DAILY. */
  rrule: string;
  /** Local time the window opens, "HH:MM". */
  start: string;
  /** Elapsed minutes the window lasts; it may cross midnight or a DST change. */
  durationMinutes: number;
  /** First local date "YYYY-MM-DD" the RRULE counts from (INTERVAL, COUNT); default: the rule's validFrom date, else 1970-01-01. */
  startDate?: string;
  /** IANA zone of the window; default: the store zone the caller prices in. */
  timeZone?: string;
}

const FORBIDDEN_PARTS = ['DTSTART', 'TZID', 'BYHOUR', 'BYMINUTE', 'BYSECOND'];
const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;
const START_PATTERN = /^([01]\d|2[0-3]):([0-5]\d)$/;
/** COUNT beyond this is refused: such a rule is better written with UNTIL. */
export const MAX_COUNT = 10_000;
const BLOCK_DAYS = 256;

/** What is wrong with an RRULE text for our use, or undefined. */
export function rruleProblem(text: unknown): string | undefined {
  if (typeof text !== 'string' || text.trim() === '') return 'must be an RRULE such as "FREQ=WEEKLY;BYDAY=SA"';
  const body = stripPrefix(text);
  if (/[\r\n]/.test(body)) return 'must be a single RRULE line, without DTSTART or other properties';
  const keys = body.split(';').map((part) => part.split('=')[0]?.trim().toUpperCase() ?? '');
  const forbidden = keys.find((key) => FORBIDDEN_PARTS.includes(key));
  if (forbidden) {
    return `${forbidden} is not used here: the window's time comes from "start", its first date from "startDate" and its zone from the store`;
  }
  let options: Partial<RRuleOptions>;
  try {
    options = RRule.parseString(body);
  } catch (error) {
    return `is not a valid RRULE (${error instanceof Error ? error.message : String(error)})`;
  }
  if (options.freq === undefined) return 'must have a FREQ';
  if (options.freq > Frequency.DAILY) return 'FREQ must be YEARLY, MONTHLY, WEEKLY or DAILY: the RRULE names dates';
  if (options.count !== undefined && options.count !== null && (options.count < 1 || options.count > MAX_COUNT)) {
    return `COUNT must be between 1 and ${MAX_COUNT}`;
  }
  try {
    new RRule({ ...options, dtstart: new Date(0), count: 1 }).all();
  } catch (error) {
    return `is not a valid RRULE (${error instanceof Error ? error.message : String(error)})`;
  }
  return undefined;
}

export function localDateProblem(text: unknown): string | undefined {
  if (typeof text !== 'string') return 'must be a local date "YYYY-MM-DD"';
  const match = DATE_PATTERN.exec(text);
  if (!match) return 'must be a local date "YYYY-MM-DD"';
  const [, y, m, d] = match;
  const day = Date.UTC(Number(y), Number(m) - 1, Number(d));
  if (new Date(day).toISOString().slice(0, 10) !== text) return `${text} is not a date in the calendar`;
  return undefined;
}

export function startProblem(text: unknown): string | undefined {
  return typeof text === 'string' && START_PATTERN.test(text)
    ? undefined
    : 'must be a local time "HH:MM" (00:00 to 23:59)';
}

function stripPrefix(text: string): string {
  return text.trim().replace(/^RRULE:/i, '');
}

function dayOfDate(text: string): number {
  const [, y, m, d] = DATE_PATTERN.exec(text) as RegExpExecArray;
  return Date.UTC(Number(y), Number(m) - 1, Number(d)) / DAY_MS;
}

function dateOfDay(day: number): Date {
  return new Date(day * DAY_MS);
}

/**
 * A recurrence ready to answer "does a window open on local day D" quickly. Occurrences are
 * computed a block of days at a time and kept. Without COUNT, each block's RRULE starts close
 * to the block (its first date moved forward by whole periods, with the parts the RRULE took
 * from its first date written out), because rrule walks every occurrence from its start.
 */
export class CompiledRecurrence {
  readonly startMinutes: number;
  readonly durationMs: number;
  readonly timeZone: string | undefined;
  /** Days a window may reach back: a window opened this many local days ago can still be open. */
  readonly reachDays: number;
  private readonly options: Partial<RRuleOptions>;
  private readonly anchorDay: number;
  private readonly blocks = new Map<number, readonly number[]>();
  private allDays: readonly number[] | undefined;

  constructor(recurrence: Recurrence, defaultAnchorDay: number) {
    const [hh, mm] = recurrence.start.split(':').map(Number) as [number, number];
    this.startMinutes = hh * 60 + mm;
    this.durationMs = recurrence.durationMinutes * MINUTE_MS;
    this.timeZone = recurrence.timeZone;
    this.reachDays = Math.ceil((this.startMinutes * MINUTE_MS + this.durationMs) / DAY_MS) + 1;
    this.anchorDay = recurrence.startDate ? dayOfDate(recurrence.startDate) : defaultAnchorDay;
    this.options = withImplicitParts(RRule.parseString(stripPrefix(recurrence.rrule)), dateOfDay(this.anchorDay));
  }

  /** Whether the RRULE names local day `day` (days since 1970-01-01). */
  occursOn(day: number): boolean {
    const days = this.daysOfBlock(Math.floor(day / BLOCK_DAYS));
    return binarySearch(days, day) >= 0;
  }

  /** First day ≥ `day` the RRULE names, looking at most `horizonDays` ahead; null if none. */
  nextOccurrence(day: number, horizonDays: number): number | null {
    const lastBlock = Math.floor((day + horizonDays) / BLOCK_DAYS);
    for (let block = Math.floor(day / BLOCK_DAYS); block <= lastBlock; block += 1) {
      const days = this.daysOfBlock(block);
      const index = lowerBound(days, day);
      const found = days[index];
      if (found !== undefined) return found <= day + horizonDays ? found : null;
    }
    return null;
  }

  /** Wall ms at which the window of local day `day` opens. */
  openingWall(day: number): number {
    return day * DAY_MS + this.startMinutes * MINUTE_MS;
  }

  private daysOfBlock(block: number): readonly number[] {
    const cached = this.blocks.get(block);
    if (cached) return cached;
    const first = block * BLOCK_DAYS;
    const last = first + BLOCK_DAYS - 1;
    let days: number[];
    if (last < this.anchorDay) {
      days = [];
    } else if (this.options.count) {
      const all = this.everyCountedDay();
      days = all.slice(lowerBound(all, first), lowerBound(all, last + 1));
    } else {
      const rule = new RRule({ ...this.options, dtstart: dateOfDay(this.shiftedAnchor(first)) });
      days = rule.between(dateOfDay(first), dateOfDay(last), true).map((date) => Math.floor(date.getTime() / DAY_MS));
    }
    this.blocks.set(block, days);
    return days;
  }

  private everyCountedDay(): readonly number[] {
    if (!this.allDays) {
      const rule = new RRule({ ...this.options, dtstart: dateOfDay(this.anchorDay) });
      this.allDays = rule.all().map((date) => Math.floor(date.getTime() / DAY_MS));
    }
    return this.allDays;
  }

  /**
   * The latest start, on or after the real one and at least one period before `day`, that
   * keeps the occurrence pattern: whole multiples of INTERVAL periods, at a period's start
   * for months and years so that no occurrence of a partial first period is lost.
   */
  private shiftedAnchor(day: number): number {
    const interval = this.options.interval ?? 1;
    const anchor = this.anchorDay;
    const freq = this.options.freq;
    if (freq === Frequency.DAILY) {
      const steps = Math.floor((day - 1 - anchor) / interval);
      return steps > 0 ? anchor + steps * interval : anchor;
    }
    if (freq === Frequency.WEEKLY) {
      const steps = Math.floor((day - 7 - anchor) / (7 * interval));
      return steps > 0 ? anchor + steps * 7 * interval : anchor;
    }
    const anchorDate = dateOfDay(anchor);
    const target = dateOfDay(day);
    if (freq === Frequency.MONTHLY) {
      const anchorMonth = anchorDate.getUTCFullYear() * 12 + anchorDate.getUTCMonth();
      const targetMonth = target.getUTCFullYear() * 12 + target.getUTCMonth() - 1;
      const steps = Math.floor((targetMonth - anchorMonth) / interval);
      if (steps <= 0) return anchor;
      const month = anchorMonth + steps * interval;
      return Date.UTC(Math.floor(month / 12), month % 12, 1) / DAY_MS;
    }
    const steps = Math.floor((target.getUTCFullYear() - 1 - anchorDate.getUTCFullYear()) / interval);
    if (steps <= 0) return anchor;
    return Date.UTC(anchorDate.getUTCFullYear() + steps * interval, 0, 1) / DAY_MS;
  }
}

/**
 * rrule fills in parts an RRULE leaves out from its first date (a weekly rule without BYDAY
 * repeats on DTSTART's weekday). Writing them out lets the first date move.
 */
function withImplicitParts(options: Partial<RRuleOptions>, anchor: Date): Partial<RRuleOptions> {
  const explicit = options.byweekno || options.byyearday || options.bymonthday || options.byweekday || options.byeaster;
  if (explicit) return options;
  switch (options.freq) {
    case Frequency.YEARLY:
      return { ...options, bymonth: options.bymonth ?? anchor.getUTCMonth() + 1, bymonthday: anchor.getUTCDate() };
    case Frequency.MONTHLY:
      return { ...options, bymonthday: anchor.getUTCDate() };
    case Frequency.WEEKLY:
      return { ...options, byweekday: (anchor.getUTCDay() + 6) % 7 };
    default:
      return options;
  }
}

function lowerBound(sorted: readonly number[], value: number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if ((sorted[mid] as number) < value) low = mid + 1;
    else high = mid;
  }
  return low;
}

function binarySearch(sorted: readonly number[], value: number): number {
  const index = lowerBound(sorted, value);
  return sorted[index] === value ? index : -1;
}
