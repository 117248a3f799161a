// The directory of numbers, and the expansion of holiday years ahead of the calls that need
// them (a daemon prepares the coming days so the first call of a new year does not pay).
import Holidays from 'date-holidays';
import { epochDayOf } from '../../../src/schedule/calendar';
import { NumberDirectory } from '../../../src/schedule/directory';
import { HolidayCalendars } from '../../../src/schedule/holidays';
import { EARLIEST_INSTANT_MS, isDecidableInstant, LATEST_INSTANT_MS, type ScheduleInput } from '../../../src/schedule/types';
import { ZoneOffsets } from '../../../src/schedule/zoneOffsets';
import { zones } from './support';

const number = (did: string, timezone = 'Europe/Warsaw'): ScheduleInput & { did: string } => ({
  did,
  timezone,
  hours: { 1: [{ start: 540, end: 1020 }], 2: [], 3: [], 4: [], 5: [], 6: [], 7: [] },
  daysOff: [],
  holidays: [{ kind: 'country', country: 'PL' }],
});

/** The years date-holidays was asked for while `run` ran. */
function yearsExpanded(run: () => void): number[] {
  const spy = jest.spyOn(Holidays.prototype, 'getHolidays');
  try {
    run();
    return spy.mock.calls.map(([year]) => Number(year)).sort((a, b) => a - b);
  } finally {
    spy.mockRestore();
  }
}

describe('NumberDirectory', () => {
  test('finds each number by its DID, with its own zone', () => {
    const dir = new NumberDirectory({ numbers: [number('+48221234567'), number('+12125550123', 'America/New_York')] }, zones);
    expect(dir.size).toBe(2);
    expect(dir.get('+12125550123')!.schedule.timezone).toBe('America/New_York');
    expect(dir.get('+12125550123')!.schedule.offsetAt(Date.UTC(2026, 0, 15))).toBe(-5 * 3_600_000);
    expect(dir.get('+48221234567')!.number.did).toBe('+48221234567');
    expect(dir.get('+48221234568')).toBeUndefined();
  });

  test('prepare expands the years of the instants given, and deciding in them expands nothing more', () => {
    // A country no other test here uses, so its years are not cached yet (date-holidays' calendars are shared).
    const dir = new NumberDirectory({ numbers: [{ ...number('+48221234567'), holidays: [{ kind: 'country', country: 'MT' }] }] }, zones);
    const cal = dir.get('+48221234567')!.schedule.holidays;
    expect(yearsExpanded(() => dir.prepare(Date.UTC(2041, 5, 1), Date.UTC(2042, 5, 1)))).toEqual([2041, 2042]);
    expect(yearsExpanded(() => cal.isHoliday(epochDayOf(2041, 12, 25)))).toEqual([]);
    expect(cal.isHoliday(epochDayOf(2041, 12, 25))).toBe(true);
    expect(cal.isHoliday(epochDayOf(2042, 1, 2))).toBe(false);
  });

  test("prepare reaches a day past each end: a local date across midnight UTC is another year's", () => {
    const calendars = new HolidayCalendars();
    calendars.get([{ kind: 'country', country: 'IS' }], zones.get('Atlantic/Reykjavik'));
    expect(yearsExpanded(() => calendars.prepare(Date.UTC(2043, 0, 1, 0, 30), Date.UTC(2043, 0, 1, 1)))).toEqual([2042, 2043]);
    expect(yearsExpanded(() => calendars.prepare(Date.UTC(2044, 11, 31, 23), Date.UTC(2044, 11, 31, 23, 30)))).toEqual([2044, 2045]);
  });
});

describe('zone tables', () => {
  test('a window that is no time span is refused, naming it', () => {
    expect(() => new ZoneOffsets('Europe/Warsaw', 10, 5)).toThrow(new RangeError('zone table window 10..5 is not a time span'));
    expect(() => new ZoneOffsets('Europe/Warsaw', 0, Number.NaN)).toThrow(RangeError);
    expect(() => new ZoneOffsets('Mars/Olympus', 0, 1)).toThrow('unknown time zone "Mars/Olympus"');
  });

  test('the engine decides instants from 1900 to 9999, both ends included, and nothing else', () => {
    expect([EARLIEST_INSTANT_MS, LATEST_INSTANT_MS, Date.UTC(2026, 0, 1)].map(isDecidableInstant)).toEqual([true, true, true]);
    expect([EARLIEST_INSTANT_MS - 1, LATEST_INSTANT_MS + 1, Number.NaN, Infinity].map(isDecidableInstant)).toEqual([
      false,
      false,
      false,
      false,
    ]);
  });
});
