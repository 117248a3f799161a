import { join } from 'node:path';
import { loadIcsFile } from '../../../src/config/icsFile';
import { epochDayOf, formatEpochDay, parseIsoDate } from '../../../src/schedule/calendar';
import { compileSchedule } from '../../../src/schedule/compile';
import { decide } from '../../../src/schedule/decide';
import { HolidayCalendars, isKnownCountry } from '../../../src/schedule/holidays';
import type { HolidaySpec } from '../../../src/schedule/types';
import type { ZoneOffsets } from '../../../src/schedule/zoneOffsets';
import { at, zones } from './support';

// Every holiday form, resolved to local dates of the number's zone. Pure (it reads fixture
// files, starts no program), so it is in the `unit` project and in the mutation runs; the
// check under other process time zones is in holidaysProcessTz.test.ts.

const FIXTURES = join(__dirname, '..', '..', 'fixtures', 'ics');
const warsaw = zones.get('Europe/Warsaw');

/** The holidays among the local dates of [fromYear, toYear], asked day by day. */
function dates(specs: HolidaySpec[], zone: ZoneOffsets = warsaw, fromYear = 2025, toYear = 2028): string[] {
  const calendar = new HolidayCalendars().get(specs, zone);
  const out: string[] = [];
  for (let d = epochDayOf(fromYear, 1, 1); d < epochDayOf(toYear + 1, 1, 1); d++) if (calendar.isHoliday(d)) out.push(formatEpochDay(d));
  return out;
}

function ics(file: string): HolidaySpec {
  const path = join(FIXTURES, file);
  const loaded = loadIcsFile(path, 2026);
  if ('error' in loaded) throw new Error(loaded.error);
  return { kind: 'ics', path, text: loaded.text };
}

describe('date forms', () => {
  it('a single date', () => {
    expect(dates([{ kind: 'date', date: '2026-12-24' }])).toEqual(['2026-12-24']);
  });

  it('MM-DD every year of the resolved span', () => {
    expect(dates([{ kind: 'yearly', month: 12, day: 25 }])).toEqual(['2025-12-25', '2026-12-25', '2027-12-25', '2028-12-25']);
  });

  it('02-29 only in leap years (never rolled over to 1 March)', () => {
    expect(dates([{ kind: 'yearly', month: 2, day: 29 }], warsaw, 2023, 2029)).toEqual(['2024-02-29', '2028-02-29']);
  });

  it('no rules: no holiday, and no rule to name', () => {
    const none = new HolidayCalendars().get([], warsaw);
    expect([none.isHoliday(epochDayOf(2026, 12, 25)), none.ruleAt(epochDayOf(2026, 12, 25))]).toEqual([false, -1]);
  });

  it('dates and ranges in any order, later years first', () => {
    expect(
      dates([
        { kind: 'date', date: '2028-03-01' },
        { kind: 'range', from: '2027-05-01', to: '2027-05-02' },
        { kind: 'date', date: '2026-03-01' },
        { kind: 'range', from: '2025-12-31', to: '2026-01-01' },
      ]),
    ).toEqual(['2025-12-31', '2026-01-01', '2026-03-01', '2027-05-01', '2027-05-02', '2028-03-01']);
  });

  it('other yearly dates in February, and the 29th of other months, are holidays every year', () => {
    expect(dates([{ kind: 'yearly', month: 2, day: 28 }])).toEqual(['2025-02-28', '2026-02-28', '2027-02-28', '2028-02-28']);
    expect(dates([{ kind: 'yearly', month: 5, day: 29 }])).toEqual(['2025-05-29', '2026-05-29', '2027-05-29', '2028-05-29']);
  });

  it('a stored date or range that does not parse, or a range that ends before it starts, closes nothing; the rules beside it do', () => {
    const days = dates([
      { kind: 'range', from: '2026-12-30', to: '2026-02-30' },
      { kind: 'range', from: '2026-02-30', to: '2026-12-30' },
      { kind: 'date', date: '2026-13-01' },
      { kind: 'range', from: '2026-12-31', to: '2026-12-30' },
      { kind: 'date', date: '2026-12-31' },
    ]);
    expect(days).toEqual(['2026-12-31']);
    expect(new HolidayCalendars().get([{ kind: 'date', date: 'soon' }], warsaw).isHoliday(0)).toBe(false); // not 1970-01-01 either
  });

  it('an inclusive range, across a year end', () => {
    expect(dates([{ kind: 'range', from: '2026-12-30', to: '2027-01-02' }])).toEqual([
      '2026-12-30',
      '2026-12-31',
      '2027-01-01',
      '2027-01-02',
    ]);
  });

  it('overlapping forms are merged, sorted and unique', () => {
    const days = dates(
      [
        { kind: 'range', from: '2026-12-24', to: '2026-12-26' },
        { kind: 'date', date: '2026-12-24' },
        { kind: 'yearly', month: 12, day: 25 },
      ],
      warsaw,
      2026,
      2026,
    );
    expect(days).toEqual(['2026-12-24', '2026-12-25', '2026-12-26']);
  });
});

describe('country public holidays (date-holidays, type "public" only)', () => {
  const pl2026 = dates([{ kind: 'country', country: 'PL' }], warsaw, 2026, 2026);

  it('Poland 2026: the public holidays, including Independence Day and Christmas Eve', () => {
    expect(pl2026).toEqual([
      '2026-01-01',
      '2026-01-06',
      '2026-04-05',
      '2026-04-06',
      '2026-05-01',
      '2026-05-03',
      '2026-05-24',
      '2026-06-04',
      '2026-08-15',
      '2026-11-01',
      '2026-11-11',
      '2026-12-24',
      '2026-12-25',
      '2026-12-26',
    ]);
  });

  it('observances, optional and school days are not holidays', () => {
    expect(pl2026).not.toContain('2026-12-06'); // Mikołajki: observance
    expect(pl2026).not.toContain('2026-05-26'); // Dzień Matki: observance
    expect(pl2026).not.toContain('2026-05-02'); // Dzień Flagi: optional
    expect(pl2026).not.toContain('2026-04-02'); // Wielki Czwartek: school
  });

  it('a state adds its own public holidays; a region adds more', () => {
    const de = dates([{ kind: 'country', country: 'DE' }], zones.get('Europe/Berlin'), 2026, 2026);
    const by = dates([{ kind: 'country', country: 'DE', state: 'BY' }], zones.get('Europe/Berlin'), 2026, 2026);
    const augsburg = dates([{ kind: 'country', country: 'DE', state: 'BY', region: 'A' }], zones.get('Europe/Berlin'), 2026, 2026);
    expect(de).not.toContain('2026-01-06');
    expect(by).toContain('2026-01-06'); // Heilige Drei Könige
    expect(by).not.toContain('2026-11-11'); // Sankt Martin: observance
    expect(by).not.toContain('2026-12-24'); // Heiliger Abend: bank
    expect(by).not.toContain('2026-08-08');
    expect(augsburg).toContain('2026-08-08'); // Augsburger Friedensfest
  });

  it('every year of the span', () => {
    const pl = dates([{ kind: 'country', country: 'PL' }], warsaw, 2025, 2027);
    expect(pl.filter((d) => d.endsWith('-11-11'))).toEqual(['2025-11-11', '2026-11-11', '2027-11-11']);
  });

  it('isKnownCountry checks the country, the state and the region', () => {
    expect(isKnownCountry('PL')).toBe(true);
    expect(isKnownCountry('XX')).toBe(false);
    expect(isKnownCountry('DE', 'BY')).toBe(true);
    expect(isKnownCountry('DE', 'ZZ')).toBe(false);
    expect(isKnownCountry('DE', 'BY', 'A')).toBe(true);
    expect(isKnownCountry('DE', 'BY', 'NOPE')).toBe(false);
  });
});

describe('iCalendar files', () => {
  it('all-day events, a yearly RRULE with an EXDATE, a two-day event, an event without DTEND', () => {
    expect(dates([ics('yearly-exdate.ics')])).toEqual(['2025-06-12', '2026-03-20', '2026-06-12', '2026-08-03', '2026-08-04', '2028-06-12']);
  });

  it("timed events make the local dates they touch in the number's zone holidays", () => {
    const spec = ics('timed.ics');
    // Warsaw: 16 Oct off-site; 22:30Z on 1 July is 00:30 on 2 July; 20:00-22:00Z on 5 Sep
    // is 22:00-24:00 local (only 5 Sep); the weekly training on 2, 16 and 23 Nov, not 9 Nov.
    expect(dates([spec])).toEqual(['2026-07-02', '2026-09-05', '2026-10-16', '2026-11-02', '2026-11-16', '2026-11-23']);
    // New York: the same instants fall on other local dates.
    expect(dates([spec], zones.get('America/New_York'))).toEqual([
      '2026-07-01',
      '2026-09-05',
      '2026-10-16',
      '2026-11-02',
      '2026-11-16',
      '2026-11-23',
    ]);
    // Tokyo (+09:00): 5 Sep 20:00Z is 6 Sep 05:00.
    expect(dates([spec], zones.get('Asia/Tokyo'))).toContain('2026-09-06');
  });

  it('a timed event across local midnight, and across the year end, makes each local date it touches a holiday', () => {
    const text = [
      'BEGIN:VCALENDAR',
      'VERSION:2.0',
      'PRODID:-//after-hours//test//EN',
      'BEGIN:VEVENT',
      'UID:party@test',
      'DTSTART:20261231T223000Z',
      'DTEND:20270101T003000Z',
      'SUMMARY:New Year party',
      'END:VEVENT',
      'END:VCALENDAR',
      '',
    ].join('\r\n');
    const spec: HolidaySpec = { kind: 'ics', path: 'party.ics', text };
    // Warsaw: 23:30 on 31 December to 01:30 on 1 January; New York: 17:30 to 19:30 on 31 December.
    expect(dates([spec])).toEqual(['2026-12-31', '2027-01-01']);
    expect(dates([spec], zones.get('America/New_York'))).toEqual(['2026-12-31']);
  });

  it('refuses a missing file, a file that is not iCalendar, and one that cannot be parsed', () => {
    expect(loadIcsFile(join(FIXTURES, 'missing.ics'), 2026)).toEqual({ error: expect.stringMatching(/missing\.ics does not exist/) });
    expect(loadIcsFile(join(FIXTURES, 'not-ics.ics'), 2026)).toEqual({ error: expect.stringMatching(/is not an iCalendar file/) });
    expect(loadIcsFile(join(FIXTURES, 'bad-rrule.ics'), 2026)).toEqual({
      error: expect.stringMatching(/cannot (parse|expand).*bad-rrule\.ics/),
    });
  });
});

describe('holidays are local dates of the number zone', () => {
  it('Australia Day in Sydney starts at Sydney midnight, not UTC midnight', () => {
    const holidays: HolidaySpec[] = [{ kind: 'date', date: '2026-01-26' }];
    const s = compileSchedule(
      {
        timezone: 'Australia/Sydney',
        hours: { 1: [{ start: 0, end: 1440 }], 2: [], 3: [], 4: [], 5: [], 6: [], 7: [] },
        daysOff: [],
        holidays,
      },
      zones,
    );
    expect(decide(s, undefined, at('2026-01-25T13:30:00Z')).reason).toBe('holiday'); // 00:30 Monday in Sydney
    expect(decide(s, undefined, at('2026-01-25T12:30:00Z')).reason).toBe('day-off'); // 23:30 Sunday
    expect(decide(s, undefined, at('2026-01-26T13:00:00Z'))).toMatchObject({ open: false, reason: 'day-off' }); // Tuesday
    expect(s.holidays.isHoliday(parseIsoDate('2026-01-26')!)).toBe(true);
    // Which rule: the one of the local date, not of the UTC date.
    expect([s.holidayRuleAt(at('2026-01-25T13:30:00Z')), s.holidayRuleAt(at('2026-01-25T12:30:00Z'))]).toEqual([0, -1]);
  });

  it("which rule closed the day is read on the number's local date", () => {
    const holidays: HolidaySpec[] = [
      { kind: 'date', date: '2026-01-01' },
      { kind: 'date', date: '2026-01-26' },
    ];
    const s = compileSchedule(
      { timezone: 'Australia/Sydney', hours: { 1: [], 2: [], 3: [], 4: [], 5: [], 6: [], 7: [] }, daysOff: [], holidays },
      zones,
    );
    expect(s.holidayRuleAt(at('2026-01-25T13:30:00Z'))).toBe(1); // 00:30 on 26 January in Sydney
    expect(s.holidayRuleAt(at('2026-01-26T12:59:59.999Z'))).toBe(1); // 23:59:59.999 that day
    expect(s.holidayRuleAt(at('2026-01-26T13:00:00Z'))).toBe(-1);
    expect(s.holidayRuleAt(at('2025-12-31T13:00:00Z'))).toBe(0);
  });
});

describe('rules a stored configuration may hold that no longer read', () => {
  it('a range whose start does not parse closes nothing (not every day up to its end)', () => {
    expect(dates([{ kind: 'range', from: '2026-02-30', to: '2027-06-01' }])).toEqual([]);
  });

  it('a range whose end does not parse, sorted first, hides none of the rules after it', () => {
    expect(
      dates([
        { kind: 'range', from: '2025-03-01', to: 'soon' },
        { kind: 'date', date: '2026-03-01' },
        { kind: 'range', from: '2027-01-01', to: '2027-01-02' },
      ]),
    ).toEqual(['2026-03-01', '2027-01-01', '2027-01-02']);
  });
});

describe('many rules', () => {
  // A day's rule code (index + 1) is a byte up to 254 rules, a 16-bit word up to 65,534, 32 bits beyond.
  it.each([256, 65_535, 65_600])('%i rules: the last one is named on its date, the first on its own', (n) => {
    const specs: HolidaySpec[] = Array.from({ length: n - 1 }, (): HolidaySpec => ({ kind: 'date', date: '2020-01-01' }));
    specs.push({ kind: 'date', date: '2026-05-04' });
    const calendar = new HolidayCalendars().get(specs, warsaw);
    expect([calendar.ruleAt(epochDayOf(2026, 5, 4)), calendar.ruleAt(epochDayOf(2020, 1, 1))]).toEqual([n - 1, 0]);
  });
});

describe('years asked in any order', () => {
  const specs: HolidaySpec[] = [
    { kind: 'yearly', month: 1, day: 1 },
    { kind: 'yearly', month: 12, day: 31 },
    { kind: 'range', from: '2030-06-01', to: '2030-06-03' },
  ];
  // Forward across year ends (the next year's 1 January right after 31 December), backward,
  // far jumps either way, and back into years answered before.
  const years = [2026, 2027, 2028, 2029, 2030, 2031, 2025, 2024, 2023, 2040, 2010, 2011, 2009, 2030, 2029, 2031, 2026];
  const daysOf = (y: number) => [
    epochDayOf(y, 1, 1),
    epochDayOf(y, 1, 2),
    epochDayOf(y, 6, 2),
    epochDayOf(y, 12, 30),
    epochDayOf(y, 12, 31),
  ];

  it('isHoliday: each day from its own year', () => {
    const calendar = new HolidayCalendars().get(specs, warsaw);
    for (const y of years) expect([y, ...daysOf(y).map((d) => calendar.isHoliday(d))]).toEqual([y, true, false, y === 2030, false, true]);
  });

  it('ruleAt, asked first and alone: each day from its own year, in both directions across the year end', () => {
    const calendar = new HolidayCalendars().get(specs, warsaw);
    for (const y of years) expect([y, ...daysOf(y).map((d) => calendar.ruleAt(d))]).toEqual([y, 0, -1, y === 2030 ? 2 : -1, -1, 1]);
    // Backward over a year end: 1 January, then the 31 December before it.
    for (const y of [2036, 2035, 2034])
      expect([calendar.ruleAt(epochDayOf(y, 1, 1)), calendar.ruleAt(epochDayOf(y - 1, 12, 31))]).toEqual([0, 1]);
  });
});

describe('calendars shared between numbers', () => {
  const berlin = zones.get('Europe/Berlin');

  it('two states of one country, and two regions of one state, keep their own public holidays', () => {
    const calendars = new HolidayCalendars();
    const days = (spec: HolidaySpec) => {
      const calendar = calendars.get([spec], berlin);
      return ['2026-01-06', '2026-03-08', '2026-08-08'].filter((d) => calendar.isHoliday(parseIsoDate(d)!));
    };
    expect(days({ kind: 'country', country: 'DE', state: 'BY' })).toEqual(['2026-01-06']);
    expect(days({ kind: 'country', country: 'DE', state: 'BE' })).toEqual(['2026-03-08']); // Frauentag, Berlin only
    expect(days({ kind: 'country', country: 'DE', state: 'BY', region: 'A' })).toEqual(['2026-01-06', '2026-08-08']);
    expect(days({ kind: 'country', country: 'DE', state: 'BY', region: 'EVANG' })).toEqual(['2026-01-06']);
  });

  it('two iCalendar files in one zone keep their own events', () => {
    const calendars = new HolidayCalendars();
    const a = calendars.get([ics('timed.ics')], warsaw);
    const b = calendars.get([ics('yearly-exdate.ics')], warsaw);
    expect([a.isHoliday(parseIsoDate('2026-10-16')!), a.isHoliday(parseIsoDate('2026-06-12')!)]).toEqual([true, false]);
    expect([b.isHoliday(parseIsoDate('2026-10-16')!), b.isHoliday(parseIsoDate('2026-06-12')!)]).toEqual([false, true]);
  });
});
