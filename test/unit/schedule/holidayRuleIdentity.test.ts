// Which rule made a day a holiday: the index of the first matching rule, for every kind of
// rule, overlapping rules, long lists (wider than a byte) and across years.
import { epochDayOf } from '../../../src/schedule/calendar';
import { HolidayCalendars } from '../../../src/schedule/holidays';
import type { HolidaySpec } from '../../../src/schedule/types';
import { ZoneOffsetsCache } from '../../../src/schedule/zoneOffsets';

const zones = new ZoneOffsetsCache(Date.UTC(2026, 0, 1), Date.UTC(2028, 0, 1));
const calendar = (specs: HolidaySpec[]) => new HolidayCalendars().get(specs, zones.get('Europe/Warsaw'));

describe('HolidayCalendar.ruleAt', () => {
  it('names the first rule that falls on the date; -1 on ordinary days', () => {
    const cal = calendar([
      { kind: 'range', from: '2026-12-20', to: '2026-12-31' },
      { kind: 'yearly', month: 12, day: 24 },
      { kind: 'date', date: '2027-01-06' },
      { kind: 'country', country: 'PL' },
      { kind: 'yearly', month: 1, day: 6 },
    ]);
    expect(cal.ruleAt(epochDayOf(2026, 12, 24))).toBe(0); // in the range, written first
    expect(cal.ruleAt(epochDayOf(2027, 12, 24))).toBe(1); // the range is 2026 only
    expect(cal.ruleAt(epochDayOf(2027, 1, 6))).toBe(2); // date before the country and the yearly rule
    expect(cal.ruleAt(epochDayOf(2028, 1, 6))).toBe(3); // Epiphany: the country, before the yearly rule
    expect(cal.ruleAt(epochDayOf(2027, 3, 29))).toBe(3); // Easter Monday
    expect(cal.ruleAt(epochDayOf(2027, 3, 30))).toBe(-1);
    expect(cal.isHoliday(epochDayOf(2027, 3, 29))).toBe(true);
    expect(cal.isHoliday(epochDayOf(2027, 3, 30))).toBe(false);
  });

  it('overlapping ranges of different rules keep their identity (later-starting range inside an earlier one)', () => {
    const cal = calendar([
      { kind: 'date', date: '2026-07-10' },
      { kind: 'range', from: '2026-07-01', to: '2026-07-31' },
      { kind: 'range', from: '2026-07-05', to: '2026-07-08' },
    ]);
    expect(cal.ruleAt(epochDayOf(2026, 7, 10))).toBe(0);
    expect(cal.ruleAt(epochDayOf(2026, 7, 6))).toBe(1);
    expect(cal.ruleAt(epochDayOf(2026, 7, 31))).toBe(1);
    expect(cal.ruleAt(epochDayOf(2026, 8, 1))).toBe(-1);
  });

  it('more than 255 rules: indices past a byte are kept', () => {
    const specs: HolidaySpec[] = [];
    for (let i = 0; i < 300; i++) specs.push({ kind: 'date', date: new Date(Date.UTC(2026, 0, 1 + i)).toISOString().slice(0, 10) });
    const cal = calendar(specs);
    expect(cal.ruleAt(epochDayOf(2026, 1, 1))).toBe(0);
    expect(cal.ruleAt(epochDayOf(2026, 1, 1) + 299)).toBe(299);
    expect(cal.ruleAt(epochDayOf(2026, 1, 1) + 300)).toBe(-1);
  });
});
