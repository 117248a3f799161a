import { join } from 'node:path';
import { loadConfigText, type LoadResult } from '../../../src/config/load';
import { epochDayOf, formatEpochDay, parseIsoDate } from '../../../src/schedule/calendar';
import { decide } from '../../../src/schedule/decide';
import { NumberDirectory } from '../../../src/schedule/directory';
import { HolidayCalendars } from '../../../src/schedule/holidays';
import type { HolidaySpec } from '../../../src/schedule/types';
import { ZoneOffsets } from '../../../src/schedule/zoneOffsets';
import { deserialiseConfig, serialiseConfig } from '../../../src/store/configStore';
import { zones as testZones } from './support';

// Correct for years without a restart or a re-push: holiday rules are kept as written and
// expanded for whatever year a decision asks about; nothing is resolved "for the next two years".

const FIXTURES = join(__dirname, '..', '..', 'fixtures');
const LOADED_AT = Date.parse('2026-11-29T12:00:00Z'); // the injected clock at load (and push) time

function ok(r: LoadResult) {
  if (!r.ok) throw new Error(r.errors.map((e) => `${e.line}:${e.col} ${e.message}`).join('\n'));
  return r;
}

const text = `defaults:
  region: PL
  timezone: Europe/Warsaw
  hours: { mon-fri: "09:00-17:00" }
numbers:
  - did: "+48 22 123 45 67"
    holidays: [{ country: PL }, 12-24, { ics: ../ics/yearly-exdate.ics }]
  - did: "+48 22 123 45 68"
    holidays: [{ ics: ../ics/ongoing.ics }]
  - did: "+48 22 123 45 69"
    holidays: ["2023-12-01..2027-01-01"]
`;

describe('a configuration loaded in 2026 decides any later year', () => {
  const { config, zones } = ok(loadConfigText(join(FIXTURES, 'config', 'horizon.yaml'), text, { now: LOADED_AT }));
  // What a daemon started today holds, after a push: the stored form, read back.
  const stored = deserialiseConfig(serialiseConfig(config));
  const dir = new NumberDirectory(stored, zones);
  const reason = (did: string, iso: string) => decide(dir.get(did)!.schedule, undefined, Date.parse(iso)).reason;

  it("2031's Polish Easter Monday and Christmas, and 2045's Independence Day", () => {
    expect(reason('+48221234567', '2031-04-14T10:00:00+02:00')).toBe('holiday'); // Easter Monday 2031
    expect(reason('+48221234567', '2031-04-15T10:00:00+02:00')).toBe('working-hours');
    expect(reason('+48221234567', '2031-12-24T10:00:00+01:00')).toBe('holiday'); // MM-DD
    expect(reason('+48221234567', '2045-11-10T10:00:00+01:00')).toBe('working-hours');
    expect(reason('+48221234567', '2045-11-13T10:00:00+01:00')).toBe('working-hours');
    expect(reason('+48221234567', '2047-11-11T10:00:00+01:00')).toBe('holiday'); // a Monday
  });

  it("the iCalendar file's recurring closures, with their exceptions, in 2035", () => {
    expect(reason('+48221234567', '2035-06-12T10:00:00+02:00')).toBe('holiday'); // yearly RRULE
    expect(reason('+48221234567', '2035-06-13T10:00:00+02:00')).toBe('working-hours');
    expect(reason('+48221234567', '2027-06-11T10:00:00+02:00')).toBe('working-hours'); // the day before the EXDATE
  });

  it('one daemon walking its clock through the years (cached years stay bounded and right)', () => {
    for (let y = 2026; y <= 2070; y++) {
      const christmasEve = `${y}-12-24T10:00:00+01:00`;
      const wd = new Date(Date.UTC(y, 11, 24)).getUTCDay();
      expect([y, reason('+48221234567', christmasEve)]).toEqual([y, 'holiday']); // a holiday beats a weekend
      expect([y, reason('+48221234567', `${y}-12-23T10:00:00+01:00`)]).toEqual([y, wd === 1 || wd === 0 ? 'day-off' : 'working-hours']);
    }
  });

  it('an ongoing all-day iCalendar event is a holiday, exactly like the same range written in YAML', () => {
    const ics = dir.get('+48221234568')!.schedule.holidays;
    const yaml = dir.get('+48221234569')!.schedule.holidays;
    const differ: string[] = [];
    let holidays = 0;
    for (let d = epochDayOf(2023, 11, 1); d <= epochDayOf(2027, 2, 1); d++) {
      const recurring = /-(12-31|01-0[12])$/.test(formatEpochDay(d)) || /-01-0[45]$/.test(formatEpochDay(d));
      if (!recurring && ics.isHoliday(d) !== yaml.isHoliday(d)) differ.push(formatEpochDay(d));
      if (yaml.isHoliday(d)) holidays++;
    }
    expect(differ).toEqual([]);
    expect(holidays).toBe(epochDayOf(2027, 1, 1) - epochDayOf(2023, 12, 1) + 1);
    expect(reason('+48221234568', '2026-06-01T10:00:00+02:00')).toBe('holiday');
    expect(reason('+48221234568', '2027-01-04T10:00:00+01:00')).toBe('holiday'); // after the closure: the yearly stock-take
  });

  it('recurring events that began long before, or the year before, still count', () => {
    const ics = dir.get('+48221234568')!.schedule.holidays;
    const on = (iso: string) => ics.isHoliday(parseIsoDate(iso)!);
    // Stock-take: from 4 January for two days, since 2010.
    expect([on('2033-01-04'), on('2033-01-05'), on('2033-01-06')]).toEqual([true, true, false]);
    // New-year break: 31 December to 2 January; 2034-01-02 belongs to the 2033 occurrence.
    expect([on('2033-12-30'), on('2033-12-31'), on('2034-01-01'), on('2034-01-02'), on('2034-01-03')]).toEqual([
      false,
      true,
      true,
      true,
      false,
    ]);
  });
});

describe('ranges are two dates, whatever their length', () => {
  it('100 ranges of 0001-01-01..9999-12-31 on 2,000 numbers: stored small, answered at both ends', () => {
    const ranges = Array.from({ length: 100 }, () => '"0001-01-01..9999-12-31"').join(', ');
    const numbers = Array.from({ length: 2000 }, (_, i) => `  - did: "+4822${String(1000000 + i)}"`).join('\n');
    const yaml = `defaults:\n  region: PL\n  timezone: Europe/Warsaw\n  hours: { mon-fri: "09:00-17:00" }\n  holidays: [${ranges}, "1900-01-01..2100-12-31"]\nnumbers:\n${numbers}\n`;
    const { config, zones } = ok(loadConfigText(join(FIXTURES, 'config', 'ranges.yaml'), yaml, { now: LOADED_AT }));
    const body = serialiseConfig(config);
    // 2,000 numbers × 101 ranges of two dates: about 10 MB at most, nowhere near the days they cover.
    expect(body.length).toBeLessThan(2000 * 101 * 60);
    const dir = new NumberDirectory(deserialiseConfig(body), zones);
    const cal = dir.get('+48221000000')!.schedule.holidays;
    expect(dir.get('+48221001999')!.schedule.holidays).toBe(cal);
    for (const d of [epochDayOf(1, 1, 1), epochDayOf(1900, 1, 1), epochDayOf(5000, 6, 15), epochDayOf(9999, 12, 31)])
      expect(cal.isHoliday(d)).toBe(true);
    expect(cal.isHoliday(epochDayOf(1, 1, 1) - 1)).toBe(false);
    expect(cal.isHoliday(epochDayOf(10000, 1, 1))).toBe(false);
  });

  it('overlapping and adjacent ranges: every day of each is a holiday; gaps between them stay working days', () => {
    const specs: HolidaySpec[] = [
      { kind: 'range', from: '2030-01-10', to: '2030-01-20' },
      { kind: 'range', from: '2030-01-15', to: '2030-01-25' },
      { kind: 'range', from: '2030-01-26', to: '2030-01-27' }, // adjacent
      { kind: 'date', date: '2030-02-01' },
      { kind: 'range', from: '2030-03-01', to: '2030-03-01' },
    ];
    const cal = new HolidayCalendars().get(specs, testZones.get('Europe/Warsaw'));
    const days: string[] = [];
    for (let d = epochDayOf(2030, 1, 1); d < epochDayOf(2030, 4, 1); d++) if (cal.isHoliday(d)) days.push(formatEpochDay(d));
    expect(days[0]).toBe('2030-01-10');
    expect(days).toHaveLength(18 + 1 + 1);
    expect(days.slice(-3)).toEqual(['2030-01-27', '2030-02-01', '2030-03-01']);
  });
});

describe('pushed configurations', () => {
  it('keep an iCalendar text once, however many numbers use it', () => {
    const numbers = Array.from({ length: 500 }, (_, i) => `  - did: "+4822${String(1000000 + i)}"`).join('\n');
    const yaml = `defaults:\n  region: PL\n  timezone: Europe/Warsaw\n  hours: { mon-fri: "09:00-17:00" }\n  holidays: [{ ics: ../ics/yearly-exdate.ics }]\nnumbers:\n${numbers}\n`;
    const { config } = ok(loadConfigText(join(FIXTURES, 'config', 'shared-ics.yaml'), yaml, { now: LOADED_AT }));
    const body = serialiseConfig(config);
    expect(body.split('BEGIN:VCALENDAR').length - 1).toBe(1);
    const back = deserialiseConfig(body);
    expect(back.numbers[499]!.holidays).toEqual(config.numbers[0]!.holidays);
  });

  it('a version stored by 0.1 (resolved days, expanded iCalendar occurrences) still closes on its dates', () => {
    const legacy = {
      file: '/etc/after-hours/after-hours.yaml',
      region: 'PL',
      timezone: 'Europe/Warsaw',
      forwarding: { endpoint: 'PJSIP/{number}@trunk', allowCountries: [] },
      numbers: [
        {
          did: '+48221234567',
          name: 'Warsaw',
          timezone: 'Europe/Warsaw',
          hours: {
            1: [{ start: 540, end: 1020 }],
            2: [{ start: 540, end: 1020 }],
            3: [{ start: 540, end: 1020 }],
            4: [{ start: 540, end: 1020 }],
            5: [{ start: 540, end: 1020 }],
            6: [],
            7: [],
          },
          daysOff: [],
          holidays: [
            { kind: 'yearly', month: 12, day: 24 },
            {
              kind: 'ics',
              path: '/etc/after-hours/closures.ics',
              occurrences: [
                { allDay: true, firstDay: epochDayOf(2027, 3, 1), lastDay: epochDayOf(2027, 3, 2) },
                { allDay: false, start: Date.parse('2027-03-10T08:00:00Z'), end: Date.parse('2027-03-10T09:00:00Z') },
              ],
            },
          ],
          holidayDays: [epochDayOf(2026, 12, 24)],
          afterHours: { action: 'voicemail', voicemail: { maxSeconds: 120, maxSilenceSeconds: 5 }, hangup: { cause: 'busy' } },
          crm: { lookup: true, unknownCaller: 'lead', queue: [], notify: 'first', language: 'en' },
        },
      ],
    };
    const config = deserialiseConfig(JSON.stringify(legacy));
    const cal = new NumberDirectory(config, testZones).get('+48221234567')!.schedule.holidays;
    const on = (iso: string) => cal.isHoliday(parseIsoDate(iso)!);
    expect([on('2027-03-01'), on('2027-03-02'), on('2027-03-03'), on('2027-03-10'), on('2033-12-24'), on('2033-12-23')]).toEqual([
      true,
      true,
      false,
      true,
      true,
      false,
    ]);
  });
});

describe('zone tables for far instants', () => {
  it('a window years away gets a table of its own instead of every year in between', () => {
    const z = new ZoneOffsets('Europe/Warsaw', LOADED_AT, LOADED_AT + 86_400_000);
    const far = Date.parse('9999-06-01T00:00:00Z');
    z.ensure(far, far + 86_400_000);
    expect(z.covers(far, far + 86_400_000)).toBe(true);
    expect(z.covers(LOADED_AT, LOADED_AT + 1)).toBe(false); // rebuilt around 9999, not grown from 2026
    expect(z.offsetAt(Date.parse('9999-07-01T00:00:00Z'))).toBe(2 * 3_600_000);
    expect(z.offsetAt(LOADED_AT)).toBe(3_600_000); // outside the table: still right, from the zone itself
  });
});
