import { compileSchedule } from '../../../src/schedule/compile';
import { decide } from '../../../src/schedule/decide';
import { MAX_INTERVALS_WINDOW_MS, openIntervals } from '../../../src/schedule/openIntervals';
import { overrideInForce } from '../../../src/schedule/overrides';
import { NEXT_CHANGE_HORIZON_MS, type Override } from '../../../src/schedule/types';
import { ZoneOffsetsCache } from '../../../src/schedule/zoneOffsets';
import { at, build, isoIn, scheduleInput, zones } from './support';

// The edges of the engine's answers, each to the millisecond: how far nextChange looks (the
// horizon is inclusive), a flip that is the DST jump itself, and the windows openIntervals
// takes. Found by mutation testing (TESTING.md, "Mutation testing"): each case here is one that
// a changed comparison got wrong without another test noticing.

const TZ = 'Europe/Warsaw';
const HOUR = 3_600_000;

describe('nextChange looks exactly NEXT_CHANGE_HORIZON_MS ahead, to the millisecond', () => {
  const b = build({ timezone: 'UTC', hours: '00:00-24:00', holidays: ['2025-12-01..2027-01-01'] });
  const reopen = at('2027-01-02T00:00:00Z');

  it('a flip at t + horizon counts, one at t + horizon + 1 ms does not', () => {
    expect(decide(b.schedule, undefined, reopen - NEXT_CHANGE_HORIZON_MS).nextChange).toBe(reopen);
    expect(decide(b.schedule, undefined, reopen - NEXT_CHANGE_HORIZON_MS - 1).nextChange).toBeNull();
  });

  it('the same with a horizon of one hour', () => {
    expect(b.schedule.nextChange(reopen - HOUR, HOUR)).toBe(reopen);
    expect(b.schedule.nextChange(reopen - HOUR - 1, HOUR)).toBeNull();
  });
});

describe('a flip that is the DST jump itself (Warsaw, 2027-03-28 02:00 CET → 03:00 CEST)', () => {
  // Open 00:00-02:30: the clock never shows 02:30 that night, so the range closes at the jump.
  const b = build({ timezone: TZ, hours: '00:00-02:30' });
  const jump = at('2027-03-28T03:00:00+02:00');

  it('is found when the horizon ends exactly at the jump, not when it ends a millisecond before', () => {
    expect(b.schedule.nextChange(jump - HOUR, HOUR)).toBe(jump);
    expect(b.schedule.nextChange(jump - HOUR, HOUR - 1)).toBeNull();
    expect(isoIn(decide(b.schedule, undefined, jump - HOUR).nextChange!, TZ)).toBe('2027-03-28T03:00:00+02:00');
  });
});

describe('openIntervals takes windows from zero length to exactly 366 days', () => {
  const office = build({ timezone: TZ, hours: { 'mon-fri': '09:00-17:00' } });
  const mon = at('2026-01-05T00:00:00+01:00');

  it('an empty window (to = from) has no open interval, even inside the hours', () => {
    expect(openIntervals(office.schedule, undefined, mon + 10 * HOUR, mon + 10 * HOUR)).toEqual([]);
  });

  it('a window of exactly 366 days is taken; a millisecond more is refused', () => {
    const list = openIntervals(office.schedule, undefined, mon, mon + MAX_INTERVALS_WINDOW_MS);
    expect(list).toHaveLength(262); // the weekdays of 2026-01-05 .. 2027-01-05 (exclusive)
    expect(list[0]).toEqual({ start: mon + 9 * HOUR, end: mon + 17 * HOUR });
    expect(() => openIntervals(office.schedule, undefined, mon, mon + MAX_INTERVALS_WINDOW_MS + 1)).toThrow(RangeError);
  });

  it('refuses a window with an end that is not a finite instant', () => {
    for (const [from, to] of [
      [Number.NaN, mon],
      [mon, Number.NaN],
      [mon, Infinity],
      [-Infinity, mon],
    ] as const)
      expect(() => openIntervals(office.schedule, undefined, from, to)).toThrow('the window must end after it starts');
  });

  it('a state that does not change within 366 days fills the window', () => {
    const always = build({ timezone: TZ, hours: '00:00-24:00' });
    expect(openIntervals(always.schedule, undefined, mon, mon + 7 * 86_400_000)).toEqual([{ start: mon, end: mon + 7 * 86_400_000 }]);
    const never = build({ timezone: TZ, hours: {} });
    expect(openIntervals(never.schedule, undefined, mon, mon + 7 * 86_400_000)).toEqual([]);
  });

  it('an interval open at the end of the window is clipped to it', () => {
    const list = openIntervals(office.schedule, undefined, mon, mon + 12 * HOUR);
    expect(list).toEqual([{ start: mon + 9 * HOUR, end: mon + 12 * HOUR }]);
  });
});

describe('a range with end = start runs 24 hours, into the next date (the engine takes it; the YAML refuses it)', () => {
  // Monday 10:00 to Tuesday 10:00, UTC; nothing else. Compiled inside each test, so that a
  // mutation run counts the compiling (breakMinutes) as reached by these tests.
  const compiled = () =>
    compileSchedule(
      { timezone: 'UTC', hours: { 1: [{ start: 600, end: 600 }], 2: [], 3: [], 4: [], 5: [], 6: [], 7: [] }, daysOff: [], holidays: [] },
      zones,
    );
  const mon = at('2026-01-05T00:00:00Z');

  it.each([
    [9 * 60 + 59, false],
    [10 * 60, true],
    [23 * 60 + 59, true],
    [24 * 60, true],
    [33 * 60 + 59, true],
    [34 * 60, false],
  ])('minute %i from Monday 00:00: open %s', (minute, open) => {
    expect(decide(compiled(), undefined, mon + minute * 60_000).open).toBe(open);
  });

  it('flips at Monday 10:00 and at Tuesday 10:00', () => {
    const schedule = compiled();
    expect(decide(schedule, undefined, mon + 9 * HOUR).nextChange).toBe(mon + 10 * HOUR);
    expect(decide(schedule, undefined, mon + 12 * HOUR).nextChange).toBe(mon + 34 * HOUR);
  });
});

describe('overrides at the edges', () => {
  const always = build({ timezone: TZ, hours: '00:00-24:00' });
  const t = at('2026-01-05T10:00:00+01:00');
  const limit = t + NEXT_CHANGE_HORIZON_MS;

  it('an override that starts exactly at the horizon is a flip; one a millisecond later is not', () => {
    expect(decide(always.schedule, [{ state: 'closed', from: limit, setAt: 1 }], t).nextChange).toBe(limit);
    expect(decide(always.schedule, [{ state: 'closed', from: limit + 1, setAt: 1 }], t).nextChange).toBeNull();
  });

  it('an override that ends exactly at the horizon is a flip; one ending a millisecond later is not', () => {
    expect(decide(always.schedule, [{ state: 'closed', until: limit, setAt: 1 }], t).nextChange).toBe(limit);
    expect(decide(always.schedule, [{ state: 'closed', until: limit + 1, setAt: 1 }], t).nextChange).toBeNull();
  });

  it('among those set at the same time, the later in the list wins; no setAt counts as 0', () => {
    const a: Override = { state: 'open' };
    const b: Override = { state: 'closed', setAt: 0 };
    expect(overrideInForce([a, b], t)).toBe(b);
    expect(overrideInForce([b, a], t)).toBe(a);
    const c: Override = { state: 'open', setAt: 5 };
    const d: Override = { state: 'closed', setAt: 5 };
    expect(overrideInForce([c, d], t)).toBe(d);
    expect(overrideInForce([d, c], t)).toBe(c);
  });
});

describe('a schedule compiled with a small zone table grows it to what it is asked', () => {
  const jump = at('2026-03-29T03:00:00+02:00'); // Warsaw: 02:00 CET → 03:00 CEST

  it('an instant just before the table, across a DST change from it: the offset of the instant, not of the table', () => {
    // Open 00:00-01:45; asked at 01:30 CET, the table starting a millisecond after the change.
    const schedule = compileSchedule(
      scheduleInput({ timezone: TZ, hours: '00:00-01:45' }),
      new ZoneOffsetsCache(jump + 1, jump + 7 * 86_400_000),
    );
    const d = decide(schedule, undefined, at('2026-03-29T01:30:00+01:00'));
    expect([d.open, isoIn(d.nextChange!, TZ)]).toEqual([true, '2026-03-29T01:45:00+01:00']);
  });

  it('a table that ends exactly at the horizon', () => {
    const t = at('2026-01-05T10:00:00+01:00');
    const schedule = compileSchedule(
      scheduleInput({ timezone: TZ, hours: '00:00-24:00' }),
      new ZoneOffsetsCache(t - 2 * 86_400_000, t + NEXT_CHANGE_HORIZON_MS),
    );
    expect(decide(schedule, undefined, t)).toEqual({ open: true, reason: 'working-hours', nextChange: null });
  });
});
