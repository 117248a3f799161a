import fc from 'fast-check';
import { DateTime, IANAZone } from 'luxon';
import {
  civilOf,
  epochDayOf,
  formatEpochDay,
  isoWithOffset,
  isValidCivilDate,
  parseIsoDate,
  weekdayOf,
} from '../../../src/schedule/calendar';
import { ZoneOffsets, ZoneOffsetsCache } from '../../../src/schedule/zoneOffsets';

describe('epoch-day calendar', () => {
  it.each([
    [1970, 1, 1, 0, 4],
    [2000, 2, 29, 11016, 2],
    [2026, 1, 5, 20458, 1],
    [2026, 11, 11, 20768, 3],
    [1969, 12, 31, -1, 3],
  ])('%i-%i-%i is epoch day %i, ISO weekday %i', (y, m, d, day, wd) => {
    expect(epochDayOf(y, m, d)).toBe(day);
    expect(civilOf(day)).toEqual({ year: y, month: m, day: d });
    expect(weekdayOf(day)).toBe(wd);
  });

  it('agrees with Date and luxon on any day from 1900 to 2200', () => {
    fc.assert(
      fc.property(fc.integer({ min: epochDayOf(1900, 1, 1), max: epochDayOf(2200, 12, 31) }), (day) => {
        const d = new Date(day * 86_400_000);
        expect(civilOf(day)).toEqual({ year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() });
        expect(weekdayOf(day)).toBe(DateTime.fromMillis(day * 86_400_000, { zone: 'UTC' }).weekday);
        expect(parseIsoDate(formatEpochDay(day))).toBe(day);
      }),
      { numRuns: 2000 },
    );
  });

  it.each([
    '2026-02-30',
    '2025-02-29',
    '2026-13-01',
    '2026-00-10',
    '2026-04-31',
    '2026-1-1',
    '26-01-01',
    '2026-01-01T00:00',
    '',
    'x2026-01-01',
    '12026-01-01',
  ])('refuses %j', (text) => {
    expect(parseIsoDate(text)).toBeUndefined();
  });

  it('writes years before 1000 with four digits', () => {
    expect(formatEpochDay(epochDayOf(999, 1, 5))).toBe('0999-01-05');
    expect(formatEpochDay(epochDayOf(5, 3, 7))).toBe('0005-03-07');
  });

  it('accepts leap days in leap years only', () => {
    expect(parseIsoDate('2024-02-29')).toBe(epochDayOf(2024, 2, 29));
    expect(isValidCivilDate(2000, 2, 29)).toBe(true);
    expect(isValidCivilDate(1900, 2, 29)).toBe(false);
    expect(isValidCivilDate(2026, 2, 28.5)).toBe(false);
  });
});

describe('ZoneOffsets', () => {
  const ZONES = [
    'Europe/Warsaw',
    'America/New_York',
    'Australia/Sydney',
    'America/Santiago',
    'Australia/Lord_Howe',
    'Asia/Kathmandu',
    'UTC',
  ];
  const from = Date.UTC(2024, 0, 1);
  const to = Date.UTC(2029, 0, 1);
  const YEAR = 366 * 86_400_000;

  it('gives the same offset as luxon at any instant, inside and outside the table', () => {
    const cache = new ZoneOffsetsCache(from, to);
    fc.assert(
      fc.property(fc.constantFrom(...ZONES), fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2035, 0, 1) }), (name, t) => {
        expect(cache.get(name).offsetAt(t)).toBe(IANAZone.create(name).offset(t) * 60_000);
      }),
      { numRuns: 3000 },
    );
  });

  it('finds each transition to the millisecond', () => {
    const z = new ZoneOffsets('Australia/Lord_Howe', from, to);
    const change = Date.UTC(2026, 9, 3, 15, 30); // 02:00 +10:30 → 02:30 +11:00
    expect(z.offsetAt(change - 1)).toBe(630 * 60_000);
    expect(z.offsetAt(change)).toBe(660 * 60_000);
    expect(z.segmentStart(z.segmentIndex(change))).toBe(change);
  });

  it('grows when asked for instants past its end, and stays correct', () => {
    const z = new ZoneOffsets('Europe/Warsaw', from, Date.UTC(2024, 6, 1));
    expect(z.covers(from, Date.UTC(2030, 0, 1))).toBe(false);
    z.ensure(from, Date.UTC(2030, 0, 1));
    expect(z.covers(from, Date.UTC(2030, 0, 1))).toBe(true);
    expect(z.offsetAt(Date.UTC(2029, 6, 1))).toBe(2 * 3_600_000);
    expect(z.offsetAt(Date.UTC(2029, 11, 1))).toBe(3_600_000);
  });

  it('answers from the table in exactly its window; a window of one instant is a table too', () => {
    const z = new ZoneOffsets('Europe/Warsaw', from, to);
    expect([z.covers(from, to), z.covers(from - 1, to), z.covers(from, to + 1)]).toEqual([true, false, false]);
    const instant = new ZoneOffsets('Europe/Warsaw', from, from);
    expect(instant.covers(from, from)).toBe(true);
    expect(instant.offsetAt(from)).toBe(3_600_000);
    expect(() => new ZoneOffsets('Europe/Warsaw', -Infinity, from)).toThrow(RangeError);
    expect(() => new ZoneOffsets('Europe/Warsaw', from, Infinity)).toThrow(RangeError);
  });

  it('ends where asked: a transition just after its end is not in the table', () => {
    // Probes every 3 days from 2 March: the one after the end (1 April) is past the change of 29 March.
    const end = Date.UTC(2026, 2, 29, 0, 30);
    const z = new ZoneOffsets('Europe/Warsaw', Date.UTC(2026, 2, 2), end);
    expect(z.segmentEnd(z.segmentIndex(end - 1))).toBe(end);
    expect(z.segmentOffset(z.segmentIndex(end - 1))).toBe(3_600_000);
  });

  it('grows by a year (366 days) past what was asked, at the end asked for only', () => {
    const z = new ZoneOffsets('Europe/Warsaw', from, to);
    z.ensure(from, to + 1000); // from its very start: the start stays
    expect([z.covers(from, to + 1000 + YEAR), z.covers(from, to + 1000 + YEAR + 1), z.covers(from - 1, to)]).toEqual([true, false, false]);
    z.ensure(from - 1000, to + 1000 + YEAR); // to its very end: the end stays
    expect([
      z.covers(from - 1000 - YEAR, to + 1000 + YEAR),
      z.covers(from - 1000 - YEAR - 1, to),
      z.covers(from, to + 1000 + YEAR + 1),
    ]).toEqual([true, false, false]);
    expect([z.offsetAt(to + 1000 + YEAR - 1), z.offsetAt(from - 1000 - YEAR)]).toEqual([3_600_000, 3_600_000]);
  });

  it('a window more than ten years (of 366 days) from the table gets a table of its own; at ten years the table grows to it', () => {
    const FAR = 10 * YEAR;
    const after = new ZoneOffsets('Europe/Warsaw', from, to);
    after.ensure(to + FAR, to + FAR + 1);
    expect(after.covers(from, to + FAR + 1)).toBe(true);
    const farAfter = new ZoneOffsets('Europe/Warsaw', from, to);
    farAfter.ensure(to + FAR + 1, to + FAR + 2);
    expect([farAfter.covers(to + FAR + 1 - YEAR, to + FAR + 2 + YEAR), farAfter.covers(from, to)]).toEqual([true, false]);
    const before = new ZoneOffsets('Europe/Warsaw', from, to);
    before.ensure(from - FAR - 1, from - FAR);
    expect(before.covers(from - FAR - 1, to)).toBe(true);
    const farBefore = new ZoneOffsets('Europe/Warsaw', from, to);
    farBefore.ensure(from - FAR - 2, from - FAR - 1);
    expect([farBefore.covers(from - FAR - 2 - YEAR, from - FAR - 1 + YEAR), farBefore.covers(from, to)]).toEqual([true, false]);
    expect(farBefore.offsetAt(Date.UTC(2014, 6, 1))).toBe(2 * 3_600_000);
  });

  it('shares one table per zone name', () => {
    const cache = new ZoneOffsetsCache(from, to);
    expect(cache.get('Europe/Warsaw')).toBe(cache.get('Europe/Warsaw'));
  });

  it('refuses an unknown zone', () => {
    expect(() => new ZoneOffsets('Mars/Olympus_Mons', from, to)).toThrow(/unknown time zone "Mars\/Olympus_Mons"/);
  });
});

describe('isoWithOffset', () => {
  test.each([
    ['Europe/Warsaw', Date.UTC(2026, 10, 25, 19, 0, 0, 123)],
    ['America/New_York', Date.UTC(2026, 2, 8, 7, 30)],
    ['Asia/Kathmandu', Date.UTC(2026, 0, 1, 0, 0)],
    ['Australia/Lord_Howe', Date.UTC(2026, 3, 4, 14, 45)],
    ['Europe/London', Date.UTC(2026, 0, 15, 12)], // offset 0: "+00:00"
  ])('matches luxon in %s', (zone, t) => {
    const offset = IANAZone.create(zone).offset(t) * 60_000;
    expect(isoWithOffset(t, offset)).toBe(DateTime.fromMillis(t, { zone }).toISO());
  });
});
