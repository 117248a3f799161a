// The directory of numbers, and the expansion of holiday years ahead of the calls that need
// them (a daemon prepares the coming days so the first call of a new year does not pay).
import Holidays from 'date-holidays';
import { epochDayOf } from '../../../src/schedule/calendar';
import { decide } from '../../../src/schedule/decide';
import { NumberDirectory } from '../../../src/schedule/directory';
import { HolidayCalendars } from '../../../src/schedule/holidays';
import { IcsCalendar } from '../../../src/schedule/icsCalendar';
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

describe('holiday rules are expanded once', () => {
  const yearly = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//after-hours//test//EN',
    'BEGIN:VEVENT',
    'UID:stocktake@test',
    'DTSTART;VALUE=DATE:20400304',
    'RRULE:FREQ=YEARLY',
    'SUMMARY:Stock-take',
    'END:VEVENT',
    'END:VCALENDAR',
    '',
  ].join('\r\n');
  const spec: ScheduleInput['holidays'] = [{ kind: 'ics', path: 'stocktake.ics', text: yearly }];

  test('an iCalendar text is parsed once, however many calendars use it', () => {
    const parse = jest.spyOn(IcsCalendar, 'parse');
    try {
      const calendars = new HolidayCalendars();
      const warsaw = calendars.get(spec, zones.get('Europe/Warsaw'));
      const tokyo = calendars.get([...spec, { kind: 'date', date: '2041-01-02' }], zones.get('Asia/Tokyo'));
      expect(parse).toHaveBeenCalledTimes(1);
      expect([warsaw.isHoliday(epochDayOf(2041, 3, 4)), tokyo.isHoliday(epochDayOf(2041, 3, 4))]).toEqual([true, true]);
    } finally {
      parse.mockRestore();
    }
  });

  test('each year of an iCalendar file once: prepared years are kept, and deciding in them expands nothing more', () => {
    const occurrences = jest.spyOn(IcsCalendar.prototype, 'occurrences');
    try {
      const calendars = new HolidayCalendars();
      const cal = calendars.get(spec, zones.get('Europe/Warsaw'));
      const years = () => occurrences.mock.calls.map(([fromMs]) => new Date(fromMs + 86_400_000).getUTCFullYear());
      calendars.prepare(Date.UTC(2041, 5, 1), Date.UTC(2042, 5, 1));
      expect(years()).toEqual([2041, 2042]);
      expect([cal.isHoliday(epochDayOf(2041, 3, 4)), cal.isHoliday(epochDayOf(2042, 3, 4)), cal.isHoliday(epochDayOf(2042, 3, 5))]).toEqual(
        [true, true, false],
      );
      expect(cal.isHoliday(epochDayOf(2041, 3, 4))).toBe(true);
      expect(years()).toEqual([2041, 2042]);
    } finally {
      occurrences.mockRestore();
    }
  });

  test("a country's year is asked of date-holidays once, however many calendars use the country", () => {
    // A country no other test here uses (date-holidays' calendars are shared by the process).
    const calendars = new HolidayCalendars();
    const plain = calendars.get([{ kind: 'country', country: 'LU' }], zones.get('Europe/Luxembourg'));
    const more = calendars.get(
      [
        { kind: 'country', country: 'LU' },
        { kind: 'yearly', month: 3, day: 4 },
      ],
      zones.get('Europe/Luxembourg'),
    );
    expect(yearsExpanded(() => [plain, more].forEach((c) => c.isHoliday(epochDayOf(2043, 6, 23))))).toEqual([2043]);
    expect([plain.isHoliday(epochDayOf(2043, 6, 23)), more.isHoliday(epochDayOf(2043, 6, 23))]).toEqual([true, true]); // National Day
  });
});

describe('numbers written alike share tables; numbers written differently keep their own', () => {
  const hours = (wd: 1 | 2, end = 1020): ScheduleInput['hours'] => ({
    1: [],
    2: [],
    3: [],
    4: [],
    5: [],
    6: [],
    7: [],
    [wd]: [{ start: 540, end }],
  });
  const mon = Date.UTC(2026, 0, 5, 12); // Monday 13:00 in Warsaw
  const tue = mon + 86_400_000;

  test('hours: the same ranges on another weekday, or another end, are other hours', () => {
    const dir = new NumberDirectory(
      {
        numbers: [
          { ...number('+48221000001'), hours: hours(1), holidays: [] },
          { ...number('+48221000002'), hours: hours(2), holidays: [] },
          { ...number('+48221000003'), hours: hours(1, 780), holidays: [] }, // 09:00-13:00
          { ...number('+48221000004'), hours: hours(1), holidays: [] },
          { ...number('+48221000005'), hours: { ...hours(1), 7: [{ start: 540, end: 1020 }] }, holidays: [] }, // and Sunday
          { ...number('+48221000007'), hours: { 1: [{ start: 540, end: 1020 }] } as ScheduleInput['hours'], holidays: [] }, // the rest left out
        ],
      },
      zones,
    );
    const open = (did: string, t: number) => decide(dir.get(did)!.schedule, undefined, t).open;
    expect([open('+48221000001', mon), open('+48221000001', tue)]).toEqual([true, false]);
    expect([open('+48221000002', mon), open('+48221000002', tue)]).toEqual([false, true]);
    expect([open('+48221000003', mon), open('+48221000003', mon - 3_600_000)]).toEqual([false, true]);
    expect([open('+48221000005', mon), open('+48221000005', mon - 86_400_000), open('+48221000001', mon - 86_400_000)]).toEqual([
      true,
      true,
      false,
    ]);
    // A weekday left out (a stored configuration may omit one) is a day off, and the same hours as one written empty.
    const leftOut = new NumberDirectory(
      { numbers: [{ ...number('+48221000006'), hours: { 1: [{ start: 540, end: 1020 }] } as ScheduleInput['hours'], holidays: [] }] },
      zones,
    ).get('+48221000006')!.schedule;
    expect([decide(leftOut, undefined, mon).open, decide(leftOut, undefined, tue).reason]).toEqual([true, 'day-off']);
    // The same hours, written again: one table.
    expect(dir.get('+48221000004')!.schedule.byWeekday).toBe(dir.get('+48221000001')!.schedule.byWeekday);
    expect(dir.get('+48221000007')!.schedule.byWeekday).toBe(dir.get('+48221000001')!.schedule.byWeekday);
    expect(dir.get('+48221000003')!.schedule.byWeekday).not.toBe(dir.get('+48221000001')!.schedule.byWeekday);
  });

  test('holidays: other dates are other rules; the same timed event is another local date in another zone', () => {
    const late = [
      'BEGIN:VCALENDAR',
      'VERSION:2.0',
      'PRODID:-//after-hours//test//EN',
      'BEGIN:VEVENT',
      'UID:late@test',
      'DTSTART:20260701T223000Z',
      'DTEND:20260701T233000Z',
      'SUMMARY:Late closure',
      'END:VEVENT',
      'END:VCALENDAR',
      '',
    ].join('\r\n');
    const timed: ScheduleInput['holidays'] = [{ kind: 'ics', path: 'late.ics', text: late }];
    const dir = new NumberDirectory(
      {
        numbers: [
          { ...number('+48221000001'), holidays: [{ kind: 'date', date: '2026-07-01' }] },
          { ...number('+48221000002'), holidays: [{ kind: 'date', date: '2026-07-03' }] },
          { ...number('+48221000003'), holidays: timed },
          { ...number('+12125550123', 'America/New_York'), holidays: timed },
          { ...number('+48221000004'), holidays: [{ kind: 'date', date: '2026-07-01' }] },
        ],
      },
      zones,
    );
    const on = (did: string, m: number, d: number) => dir.get(did)!.schedule.holidays.isHoliday(epochDayOf(2026, m, d));
    expect([on('+48221000001', 7, 1), on('+48221000001', 7, 3)]).toEqual([true, false]);
    expect([on('+48221000002', 7, 1), on('+48221000002', 7, 3)]).toEqual([false, true]);
    expect([on('+48221000003', 7, 1), on('+48221000003', 7, 2)]).toEqual([false, true]); // 00:30 on 2 July in Warsaw
    expect([on('+12125550123', 7, 1), on('+12125550123', 7, 2)]).toEqual([true, false]); // 18:30 on 1 July in New York
    expect(dir.get('+48221000004')!.schedule.holidays).toBe(dir.get('+48221000001')!.schedule.holidays);
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
