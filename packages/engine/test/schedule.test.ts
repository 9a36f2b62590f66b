import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import * as rrulePackage from 'rrule';
import { describe, expect, it } from 'vitest';
import { indexRules, isActiveAt, isActiveDuring, nextPriceChange, type Rule, validateRule } from '../src';
import { CompiledRecurrence } from '../src/recurrence';
import { CompiledSchedule } from '../src/schedule';
import { TimeZones } from '../src/time-zones';
import { repoRoot } from './support/scenarios';

const NY = 'America/New_York';
const at = (iso: string) => Date.parse(iso);

function rule(extra: Record<string, unknown>): Rule {
  return validateRule({ id: 'r', kind: 'discount', percentOff: '10', ...extra });
}

describe('one-time windows', () => {
  const flash = rule({ validFrom: '2026-11-22T10:00:00.000Z', validTo: '2026-11-22T11:00:00.000Z' });

  it('starts on its first millisecond and ends before validTo', () => {
    expect(isActiveAt(flash, at('2026-11-22T09:59:59.999Z'))).toBe(false);
    expect(isActiveAt(flash, at('2026-11-22T10:00:00.000Z'))).toBe(true);
    expect(isActiveAt(flash, at('2026-11-22T10:59:59.999Z'))).toBe(true);
    expect(isActiveAt(flash, at('2026-11-22T11:00:00.000Z'))).toBe(false);
  });

  it('names its next change and whether it touches a window', () => {
    expect(nextPriceChange([flash], at('2026-11-22T09:00:00.000Z'))).toBe(at('2026-11-22T10:00:00.000Z'));
    expect(nextPriceChange([flash], at('2026-11-22T10:00:00.000Z'))).toBe(at('2026-11-22T11:00:00.000Z'));
    expect(nextPriceChange([flash], at('2026-11-22T11:00:00.000Z'))).toBeNull();
    expect(isActiveDuring(flash, at('2026-11-22T09:50:00.000Z'), at('2026-11-22T10:00:00.000Z'))).toBe(true);
    expect(isActiveDuring(flash, at('2026-11-22T09:50:00.000Z'), at('2026-11-22T09:59:59.999Z'))).toBe(false);
    expect(isActiveDuring(flash, at('2026-11-22T10:59:59.999Z'), at('2026-11-22T12:00:00.000Z'))).toBe(true);
  });

  it('accepts epoch milliseconds and offsets, stored as ISO UTC', () => {
    const parsed = rule({ validFrom: at('2026-11-22T10:00:00.000Z'), validTo: '2026-11-22T12:00:00+01:00' });
    expect(parsed.validFrom).toBe('2026-11-22T10:00:00.000Z');
    expect(parsed.validTo).toBe('2026-11-22T11:00:00.000Z');
  });
});

describe('recurring windows in the store zone', () => {
  const saturdays = rule({ recurrence: { rrule: 'FREQ=WEEKLY;BYDAY=SA', start: '10:00', durationMinutes: 120 } });

  it('opens at 10:00 local time on Saturdays for two hours', () => {
    // 2026-11-21 is a Saturday; New York is UTC−5 in November.
    expect(isActiveAt(saturdays, at('2026-11-21T14:59:59.999Z'), NY)).toBe(false);
    expect(isActiveAt(saturdays, at('2026-11-21T15:00:00.000Z'), NY)).toBe(true);
    expect(isActiveAt(saturdays, at('2026-11-21T16:59:59.999Z'), NY)).toBe(true);
    expect(isActiveAt(saturdays, at('2026-11-21T17:00:00.000Z'), NY)).toBe(false);
    expect(isActiveAt(saturdays, at('2026-11-22T15:30:00.000Z'), NY)).toBe(false);
    // The same rule in UTC opens five hours earlier.
    expect(isActiveAt(saturdays, at('2026-11-21T10:00:00.000Z'), 'UTC')).toBe(true);
  });

  it('keeps 10:00 local across the change to summer time', () => {
    // 2026-03-07 is a Saturday before the change (UTC−5), 2026-03-14 after it (UTC−4).
    expect(isActiveAt(saturdays, at('2026-03-07T15:00:00.000Z'), NY)).toBe(true);
    expect(isActiveAt(saturdays, at('2026-03-14T14:00:00.000Z'), NY)).toBe(true);
    expect(isActiveAt(saturdays, at('2026-03-14T13:59:59.999Z'), NY)).toBe(false);
  });

  it('lasts elapsed time across a DST change, and reads a skipped start with the offset before the gap', () => {
    // 2026-03-08, New York: 02:00 EST jumps to 03:00 EDT (07:00Z).
    const night = rule({ recurrence: { rrule: 'FREQ=DAILY', start: '00:30', durationMinutes: 180 } });
    expect(isActiveAt(night, at('2026-03-08T05:30:00.000Z'), NY)).toBe(true); // 00:30 EST
    expect(isActiveAt(night, at('2026-03-08T08:29:59.999Z'), NY)).toBe(true); // 180 minutes later: 04:30 EDT
    expect(isActiveAt(night, at('2026-03-08T08:30:00.000Z'), NY)).toBe(false);
    const skipped = rule({ recurrence: { rrule: 'FREQ=DAILY', start: '02:30', durationMinutes: 30 } });
    // 02:30 does not exist that night: it means 03:30 EDT (07:30Z), as RFC 5545 says.
    expect(isActiveAt(skipped, at('2026-03-08T07:29:59.999Z'), NY)).toBe(false);
    expect(isActiveAt(skipped, at('2026-03-08T07:30:00.000Z'), NY)).toBe(true);
    expect(isActiveAt(skipped, at('2026-03-09T06:30:00.000Z'), NY)).toBe(true); // 02:30 EDT the next day
  });

  it('opens at the first of a repeated hour when clocks go back', () => {
    // 2026-11-01, New York: 02:00 EDT goes back to 01:00 EST; 01:30 happens twice.
    const repeated = rule({ recurrence: { rrule: 'FREQ=DAILY', start: '01:30', durationMinutes: 30 } });
    expect(isActiveAt(repeated, at('2026-11-01T05:30:00.000Z'), NY)).toBe(true); // 01:30 EDT
    expect(isActiveAt(repeated, at('2026-11-01T06:00:00.000Z'), NY)).toBe(false); // 01:00 EST
    expect(isActiveAt(repeated, at('2026-11-01T06:30:00.000Z'), NY)).toBe(false); // 01:30 EST
  });

  it('crosses midnight and combines with validFrom/validTo', () => {
    const late = rule({
      validFrom: '2026-11-20T00:00:00.000Z',
      validTo: '2026-11-23T00:00:00.000Z',
      recurrence: { rrule: 'FREQ=DAILY', start: '23:00', durationMinutes: 120 },
    });
    expect(isActiveAt(late, at('2026-11-21T00:30:00.000Z'))).toBe(true);
    expect(isActiveAt(late, at('2026-11-22T23:30:00.000Z'))).toBe(true);
    expect(isActiveAt(late, at('2026-11-23T00:30:00.000Z'))).toBe(false); // past validTo
    expect(nextPriceChange([late], at('2026-11-22T22:00:00.000Z'))).toBe(at('2026-11-22T23:00:00.000Z'));
    expect(nextPriceChange([late], at('2026-11-22T23:00:00.000Z'))).toBe(at('2026-11-23T00:00:00.000Z'));
    expect(nextPriceChange([late], at('2026-11-23T00:00:00.000Z'))).toBeNull();
  });

  it('counts INTERVAL from startDate and stops after COUNT', () => {
    const fortnightly = rule({
      recurrence: {
        rrule: 'FREQ=WEEKLY;INTERVAL=2;BYDAY=SA',
        start: '10:00',
        durationMinutes: 60,
        startDate: '2026-11-07',
      },
    });
    expect(isActiveAt(fortnightly, at('2026-11-07T10:30:00.000Z'))).toBe(true);
    expect(isActiveAt(fortnightly, at('2026-11-14T10:30:00.000Z'))).toBe(false);
    expect(isActiveAt(fortnightly, at('2026-11-21T10:30:00.000Z'))).toBe(true);
    expect(isActiveAt(fortnightly, at('2031-01-04T10:30:00.000Z'))).toBe(
      new Date('2031-01-04').getUTCDay() === 6 &&
        ((Date.UTC(2031, 0, 4) - Date.UTC(2026, 10, 7)) / 86_400_000 / 7) % 2 === 0,
    );
    const thrice = rule({
      recurrence: { rrule: 'FREQ=DAILY;COUNT=3', start: '09:00', durationMinutes: 60, startDate: '2026-11-20' },
    });
    expect(isActiveAt(thrice, at('2026-11-22T09:30:00.000Z'))).toBe(true);
    expect(isActiveAt(thrice, at('2026-11-23T09:30:00.000Z'))).toBe(false);
    expect(nextPriceChange([thrice], at('2026-11-22T10:00:00.000Z'))).toBeNull();
  });

  it('a window of 24 hours every day never changes in UTC, but leaves the extra hour of a 25-hour day', () => {
    const always = rule({ recurrence: { rrule: 'FREQ=DAILY', start: '00:00', durationMinutes: 1440 } });
    expect(isActiveAt(always, at('2026-11-22T12:00:00.000Z'), 'UTC')).toBe(true);
    expect(nextPriceChange([always], at('2026-11-22T12:00:00.000Z'), 'UTC')).toBeNull();
    // New York, 2027-11-07 has 25 hours: 24 elapsed hours from midnight end at 23:00 local.
    expect(nextPriceChange([always], at('2026-11-22T12:00:00.000Z'), NY)).toBe(at('2027-11-08T04:00:00.000Z'));
    expect(nextPriceChange([always], at('2027-11-08T04:00:00.000Z'), NY)).toBe(at('2027-11-08T05:00:00.000Z'));
  });

  it('the index lists the rules active at any moment of a window (the checkout cache)', () => {
    const index = indexRules([
      {
        id: 'flash',
        kind: 'price',
        price: '1',
        validFrom: '2026-11-22T10:05:00.000Z',
        validTo: '2026-11-22T10:06:00.000Z',
      },
      { id: 'later', kind: 'price', price: '1', validFrom: '2026-11-22T11:00:00.000Z' },
      { id: 'always', kind: 'price', price: '1' },
      {
        id: 'sat',
        kind: 'price',
        price: '1',
        recurrence: { rrule: 'FREQ=WEEKLY;BYDAY=SA', start: '10:00', durationMinutes: 60 },
      },
    ]);
    const ids = index.activeDuring(at('2026-11-22T09:59:00.000Z'), at('2026-11-22T10:10:00.000Z'), NY).map((r) => r.id);
    expect(ids).toEqual(['flash', 'always']);
    expect(index.nextChange(at('2026-11-22T09:59:00.000Z'), NY)).toBe(at('2026-11-22T10:05:00.000Z'));
  });
});

describe('recurrence dates', () => {
  const { RRule } = (
    'RRule' in rrulePackage ? rrulePackage : (rrulePackage as { default: typeof rrulePackage }).default
  ) as typeof rrulePackage;
  const rules = [
    'FREQ=DAILY;INTERVAL=3',
    'FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,FR',
    'FREQ=WEEKLY',
    'FREQ=MONTHLY;BYMONTHDAY=31',
    'FREQ=MONTHLY;BYDAY=2TU',
    'FREQ=MONTHLY;INTERVAL=5',
    'FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1',
    'FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29',
    'FREQ=YEARLY;INTERVAL=2',
    'FREQ=YEARLY;BYWEEKNO=1;BYDAY=MO',
    'FREQ=DAILY;UNTIL=20300101T000000Z',
  ];

  it('name the same dates as the RRULE walked from its start, however far from it', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...rules),
        fc.integer({ min: 0, max: 20_000 }),
        fc.integer({ min: 0, max: 40 * 366 }),
        (text, anchorDay, offset) => {
          const compiled = new CompiledRecurrence({ rrule: text, start: '10:00', durationMinutes: 60 }, anchorDay);
          const day = anchorDay + offset;
          const reference = new RRule({ ...RRule.parseString(text), dtstart: new Date(anchorDay * 86_400_000) });
          const expected = reference.between(new Date(day * 86_400_000), new Date(day * 86_400_000), true).length > 0;
          expect(compiled.occursOn(day)).toBe(expected);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('next change', () => {
  const recurrences = [
    { rrule: 'FREQ=WEEKLY;BYDAY=SA', start: '10:00', durationMinutes: 120 },
    { rrule: 'FREQ=DAILY', start: '01:30', durationMinutes: 90 },
    { rrule: 'FREQ=DAILY', start: '23:30', durationMinutes: 120 },
    { rrule: 'FREQ=MONTHLY;BYMONTHDAY=1,15', start: '00:00', durationMinutes: 1440 },
    { rrule: 'FREQ=DAILY', start: '02:30', durationMinutes: 30 },
  ];
  const zones = ['UTC', NY, 'Europe/London', 'Australia/Lord_Howe', 'Asia/Kolkata'];

  it('is where activity changes, and nothing changes before it', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...recurrences),
        fc.constantFrom(...zones),
        fc.integer({ min: at('2026-01-01T00:00:00.000Z'), max: at('2027-12-31T00:00:00.000Z') }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 3, maxLength: 3 }),
        (recurrence, zone, from, samples) => {
          const schedule = new CompiledSchedule(rule({ recurrence }));
          const zonesCache = new TimeZones();
          const next = schedule.nextChange(from, zonesCache, zone);
          expect(next).not.toBeNull();
          const change = next as number;
          expect(change).toBeGreaterThan(from);
          const before = schedule.isActiveAt(from, zonesCache, zone);
          expect(schedule.isActiveAt(change - 1, zonesCache, zone)).toBe(before);
          expect(schedule.isActiveAt(change, zonesCache, zone)).toBe(!before);
          for (const sample of samples) {
            const t = from + Math.floor(sample * (change - from - 1));
            expect(schedule.isActiveAt(t, zonesCache, zone)).toBe(before);
          }
        },
      ),
      { numRuns: 400 },
    );
  });

  it('does not depend on the zone of the machine it runs on', () => {
    const script = `
      import { nextPriceChange, isActiveAt, validateRule } from './packages/engine/src/index.ts';
      const rule = validateRule({ id: 'r', kind: 'discount', percentOff: '10',
        recurrence: { rrule: 'FREQ=WEEKLY;BYDAY=SA', start: '02:30', durationMinutes: 90 } });
      const from = Date.parse('2026-03-01T00:00:00.000Z');
      const out = [];
      let t = from;
      for (let i = 0; i < 6; i += 1) { t = nextPriceChange([rule], t, 'America/New_York'); out.push(t); }
      out.push(isActiveAt(rule, Date.parse('2026-03-14T07:00:00.000Z'), 'America/New_York'));
      console.log(JSON.stringify(out));`;
    const run = (tz: string) =>
      execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
        cwd: repoRoot,
        env: { ...process.env, TZ: tz },
        encoding: 'utf8',
      }).trim();
    const inNewYork = run('America/New_York');
    expect(run('Asia/Tokyo')).toBe(inNewYork);
    expect(run('UTC')).toBe(inNewYork);
    expect(JSON.parse(inNewYork)[0]).toBe(at('2026-03-07T07:30:00.000Z'));
  }, 60_000);
});
