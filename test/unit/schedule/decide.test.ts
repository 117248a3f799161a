import { decide, decideNow, isOverrideActive } from '../../../src/schedule/decide';
import { NEXT_CHANGE_HORIZON_MS, type Override } from '../../../src/schedule/types';
import { at, build, closed, isoIn, OPEN, verdict } from './support';

const TZ = 'Europe/Warsaw';
const DAY = 86_400_000;
// Mon-Fri 09:00-17:00; Mon 2026-01-05 … Sun 2026-01-11 (CET, +01:00).
const office = build({ timezone: TZ, hours: { 'mon-fri': '09:00-17:00' } });

describe('nextChange: the first instant after t at which open/closed flips', () => {
  it.each([
    ['open: closing time the same day', '2026-01-05T10:00:00+01:00', '2026-01-05T17:00:00+01:00'],
    ['exactly at opening: the next flip, not t itself', '2026-01-05T09:00:00+01:00', '2026-01-05T17:00:00+01:00'],
    ['closed in the evening: next morning', '2026-01-05T17:00:00+01:00', '2026-01-06T09:00:00+01:00'],
    ['Friday evening: skips the weekend (no flip on Saturday, Sunday)', '2026-01-09T17:00:00+01:00', '2026-01-12T09:00:00+01:00'],
    ['a millisecond before opening', '2026-01-05T08:59:59.999+01:00', '2026-01-05T09:00:00+01:00'],
  ])('%s', (_name, t, next) => {
    expect(verdict(office, at(t)).nextChange).toBe(next);
  });

  it('is strictly after t and is where the state differs', () => {
    const t = at('2026-01-05T12:00:00+01:00');
    const d = decide(office.schedule, undefined, t);
    expect(d.nextChange).toBeGreaterThan(t);
    expect(decide(office.schedule, undefined, d.nextChange!).open).toBe(!d.open);
    expect(decide(office.schedule, undefined, d.nextChange! - 1).open).toBe(d.open);
  });

  it('is null when nothing changes within 366 days: hours {} (always closed)', () => {
    const never = build({ timezone: TZ, hours: {} });
    expect(verdict(never, at('2026-01-05T10:00:00+01:00'))).toEqual({ ...closed('day-off'), nextChange: null });
  });

  it('is null when every weekday is a day off', () => {
    const allOff = build({ timezone: TZ, hours: '09:00-17:00', daysOff: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] });
    expect(verdict(allOff, at('2026-01-05T10:00:00+01:00'))).toEqual({ ...closed('day-off'), nextChange: null });
  });

  it('flips across a long holiday range (Christmas to Epiphany)', () => {
    const b = build({ timezone: TZ, hours: { 'mon-fri': '09:00-17:00' }, holidays: ['2026-12-21..2027-01-08'] });
    expect(verdict(b, at('2026-12-18T17:00:00+01:00'))).toEqual({ ...closed('outside-hours'), nextChange: '2027-01-11T09:00:00+01:00' });
    expect(verdict(b, at('2026-12-30T10:00:00+01:00'))).toEqual({ ...closed('holiday'), nextChange: '2027-01-11T09:00:00+01:00' });
  });

  it('looks at most 366 days ahead: a flip 365 days on is found, one 367 days on is not', () => {
    const daily = { timezone: 'UTC', hours: '00:00-24:00' };
    const t = at('2026-01-01T12:00:00Z');
    // Closed (holiday) from 2026-01-01 through the day before the reopening date.
    const soon = build({ ...daily, holidays: ['2026-01-01..2026-12-31'] }); // reopens 2027-01-01, 364.5 days on
    expect(verdict(soon, t)).toEqual({ ...closed('holiday'), nextChange: '2027-01-01T00:00:00Z' });
    const late = build({ ...daily, holidays: ['2026-01-01..2027-01-03'] }); // reopens 2027-01-04, 367.5 days on
    expect(verdict(late, t)).toEqual({ ...closed('holiday'), nextChange: null });
  });

  it('a flip exactly 366 days ahead still counts; one a minute later does not', () => {
    const b = build({ timezone: 'UTC', hours: '00:00-24:00', holidays: ['2025-12-01..2027-01-01'] });
    const reopen = at('2027-01-02T00:00:00Z');
    expect(decide(b.schedule, undefined, reopen - NEXT_CHANGE_HORIZON_MS).nextChange).toBe(reopen);
    expect(decide(b.schedule, undefined, reopen - NEXT_CHANGE_HORIZON_MS - 60_000).nextChange).toBeNull();
  });

  it('keeps working for instants past the zone table it was compiled with (the table grows)', () => {
    const t = at('2031-06-02T10:00:00+02:00'); // beyond the 2023-2030 table in support.ts
    expect(verdict(office, t)).toEqual({ ...OPEN, nextChange: '2031-06-02T17:00:00+02:00' });
    expect(verdict(office, at('2031-12-31T18:00:00+01:00')).nextChange).toBe('2032-01-01T09:00:00+01:00');
    expect(verdict(office, at('2021-03-26T18:00:00+01:00')).nextChange).toBe('2021-03-29T09:00:00+02:00'); // and before it
  });
});

describe('overrides beat the schedule until they expire', () => {
  const monNoon = at('2026-01-05T12:00:00+01:00');

  it('without expiry: the override state, reason override, nextChange null', () => {
    expect(verdict(office, at('2026-01-05T10:00:00+01:00'), { state: 'closed' })).toEqual({
      open: false,
      reason: 'override',
      nextChange: null,
    });
    expect(verdict(office, at('2026-01-10T10:00:00+01:00'), { state: 'open' })).toEqual({
      open: true,
      reason: 'override',
      nextChange: null,
    });
  });

  it('with expiry, when the schedule state then differs: nextChange is the expiry', () => {
    const o: Override = { state: 'closed', until: monNoon };
    expect(verdict(office, at('2026-01-05T10:00:00+01:00'), o)).toEqual({
      open: false,
      reason: 'override',
      nextChange: '2026-01-05T12:00:00+01:00',
    });
  });

  it("with expiry, when the schedule already agrees then: the schedule's next change after it", () => {
    const o: Override = { state: 'open', until: monNoon };
    expect(verdict(office, at('2026-01-05T07:00:00+01:00'), o)).toEqual({
      open: true,
      reason: 'override',
      nextChange: '2026-01-05T17:00:00+01:00',
    });
    const shut: Override = { state: 'closed', until: at('2026-01-10T12:00:00+01:00') }; // expires on Saturday, closed anyway
    expect(verdict(office, at('2026-01-07T10:00:00+01:00'), shut)).toEqual({
      open: false,
      reason: 'override',
      nextChange: '2026-01-12T09:00:00+01:00',
    });
  });

  it("an override equal to the schedule's state still reports reason override", () => {
    expect(verdict(office, at('2026-01-05T10:00:00+01:00'), { state: 'open', until: monNoon })).toEqual({
      open: true,
      reason: 'override',
      nextChange: '2026-01-05T17:00:00+01:00',
    });
  });

  it('expired (t at or after until): the schedule decides again', () => {
    const o: Override = { state: 'closed', until: monNoon };
    expect(verdict(office, monNoon, o)).toEqual({ ...OPEN, nextChange: '2026-01-05T17:00:00+01:00' });
    expect(verdict(office, monNoon - 1, o).reason).toBe('override');
    expect(isOverrideActive(o, monNoon - 1)).toBe(true);
    expect(isOverrideActive(o, monNoon)).toBe(false);
    expect(isOverrideActive(undefined, monNoon)).toBe(false);
  });

  it('an expiry beyond 366 days gives nextChange null', () => {
    const t = at('2026-01-05T10:00:00+01:00');
    expect(verdict(office, t, { state: 'closed', until: t + 400 * DAY }).nextChange).toBeNull();
  });

  it('after the expiry the schedule never changes: nextChange null', () => {
    const always = build({ timezone: TZ, hours: '00:00-24:00' });
    const t = at('2026-01-05T10:00:00+01:00');
    expect(verdict(always, t, { state: 'closed', until: t + DAY })).toEqual({
      open: false,
      reason: 'override',
      nextChange: isoIn(t + DAY, TZ),
    });
    expect(verdict(always, t, { state: 'open', until: t + DAY })).toEqual({ open: true, reason: 'override', nextChange: null });
  });

  it('the schedule change after the expiry counts only inside the 366-day window from t', () => {
    const b = build({ timezone: 'UTC', hours: '00:00-24:00', holidays: ['2026-01-05..2027-01-08'] });
    const t = at('2026-01-05T00:00:00Z');
    // Closed by override until 2026-06-01, then closed by holidays until 2027-01-09: 369 days after t.
    expect(verdict(b, t, { state: 'closed', until: at('2026-06-01T00:00:00Z') }).nextChange).toBeNull();
  });

  it('decideNow gives the same open and reason as decide', () => {
    const cases: Array<[number, Override | undefined]> = [
      [at('2026-01-05T10:00:00+01:00'), undefined],
      [at('2026-01-05T18:00:00+01:00'), undefined],
      [at('2026-01-10T10:00:00+01:00'), undefined],
      [at('2026-01-05T10:00:00+01:00'), { state: 'closed' }],
      [at('2026-01-05T10:00:00+01:00'), { state: 'closed', until: monNoon }],
      [monNoon, { state: 'closed', until: monNoon }],
      [at('2026-01-10T10:00:00+01:00'), { state: 'open' }], // open on a Saturday by override
    ];
    for (const [t, o] of cases) {
      const { open, reason } = decide(office.schedule, o, t);
      expect(decideNow(office.schedule, o, t)).toEqual({ open, reason });
    }
    expect(decideNow(office.schedule, { state: 'open' }, at('2026-01-10T10:00:00+01:00'))).toEqual({ open: true, reason: 'override' });
  });
});
