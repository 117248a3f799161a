import Holidays from 'date-holidays';
import { civilOf, epochDayOf, MS_PER_DAY, parseIsoDate } from './calendar';
import { IcsCalendar, yearWindowMs } from './icsCalendar';
import type { HolidaySpec } from './types';
import type { ZoneOffsets } from './zoneOffsets';

// Holiday rules as a predicate on local dates, for any year. Dates and ranges are kept as
// intervals (a range is two numbers, whatever its length); yearly dates, country
// calendars and iCalendar files are expanded one year at a time, when a decision first
// needs that year, and cached. Nothing runs out: 2031's Easter Monday is computed in 2031.
// Each day's byte (or 16/32-bit word for long lists) holds which rule made it a holiday: the
// index of the first matching rule + 1, 0 for none; a number's holiday actions hang off it.

/** Years kept expanded per calendar; a daemon touches two (this year and the next). */
const MAX_CACHED_YEARS = 16;
/** Consecutive years answered by one bounds check. */
const MAX_SPAN_YEARS = 3;

export class HolidayCalendar {
  /** Inclusive intervals of epoch days with their rule code: [from0, to0, code0, from1, …], sorted by start. */
  private readonly intervals: Int32Array;
  /** reach[i] = the latest end among intervals 0..i: a binary search skips those ending before a year. */
  private readonly reach: Int32Array;
  private readonly yearly: ReadonlyArray<{ month: number; day: number; code: number }>;
  private readonly countries: ReadonlyArray<{ calendar: CountryCalendar; code: number }>;
  private readonly calendars: ReadonlyArray<{ calendar: IcsCalendar; code: number }>;
  /** Bytes while rule codes fit in one (up to 255 rules), wider words beyond. */
  private readonly DayArray: DayArrayConstructor;
  private readonly years = new Map<number, DayCodes>();
  private readonly empty: boolean;
  // The years answered last (spanFrom..spanTo, as days curStart..curEnd): decisions almost always ask them.
  private spanFrom = 0;
  private spanTo = -1;
  private curStart = 1;
  private curEnd = 0;
  private curDays: DayCodes = new Uint8Array(0);

  constructor(
    specs: readonly HolidaySpec[],
    private readonly zone: ZoneOffsets,
    ics: (spec: Extract<HolidaySpec, { kind: 'ics' }>) => IcsCalendar,
  ) {
    const ranges: Array<[number, number, number]> = [];
    const yearly: Array<{ month: number; day: number; code: number }> = [];
    const countries: Array<{ calendar: CountryCalendar; code: number }> = [];
    const calendars: Array<{ calendar: IcsCalendar; code: number }> = [];
    specs.forEach((spec, i) => {
      const code = i + 1;
      switch (spec.kind) {
        case 'date': {
          const d = parseIsoDate(spec.date);
          if (d !== undefined) ranges.push([d, d, code]);
          break;
        }
        case 'range': {
          const a = parseIsoDate(spec.from);
          const b = parseIsoDate(spec.to);
          if (a !== undefined && b !== undefined && a <= b) ranges.push([a, b, code]);
          break;
        }
        case 'yearly':
          yearly.push({ month: spec.month, day: spec.day, code });
          break;
        case 'country':
          countries.push({ calendar: countryCalendar(spec.country, spec.state, spec.region), code });
          break;
        case 'ics':
          calendars.push({ calendar: ics(spec), code });
          break;
      }
    });
    this.DayArray = specs.length < 0xff ? Uint8Array : specs.length < 0xffff ? Uint16Array : Uint32Array;
    [this.intervals, this.reach] = intervalTable(ranges);
    this.empty = ranges.length === 0 && yearly.length === 0 && countries.length === 0 && calendars.length === 0;
    this.yearly = yearly;
    this.countries = countries;
    this.calendars = calendars;
  }

  /** Whether the local date (epoch day) is a holiday: a bounds check and one load, once the year is expanded. */
  isHoliday(epochDay: number): boolean {
    if (this.empty) return false;
    if (epochDay < this.curStart || epochDay >= this.curEnd) this.select(epochDay);
    return this.curDays[epochDay - this.curStart] !== 0;
  }

  /** Index (in the rules as given) of the first rule that makes the date a holiday, or -1. */
  ruleAt(epochDay: number): number {
    if (this.empty) return -1;
    if (epochDay < this.curStart || epochDay >= this.curEnd) this.select(epochDay);
    return (this.curDays[epochDay - this.curStart] ?? 0) - 1;
  }

  /** Expands the years holding these days now, so the first call of a new year does not pay for it. */
  prepare(fromDay: number, toDay: number): void {
    for (let y = civilOf(fromDay).year, last = civilOf(toDay).year; y <= last; y++) this.yearDays(y);
  }

  /**
   * Makes the day's year part of the answered span. Consecutive years join one span (up to
   * MAX_SPAN_YEARS), so decisions around a new year, or over "the next 366 days", do not
   * switch back and forth between two years.
   */
  private select(epochDay: number): void {
    const year = civilOf(epochDay).year;
    let from = year;
    let to = year;
    if (this.curEnd > this.curStart) {
      if (year === this.spanTo + 1 && year - this.spanFrom < MAX_SPAN_YEARS) from = this.spanFrom;
      else if (year === this.spanFrom - 1 && this.spanTo - year < MAX_SPAN_YEARS) to = this.spanTo;
    }
    const start = epochDayOf(from, 1, 1);
    const end = epochDayOf(to + 1, 1, 1);
    const days = new this.DayArray(end - start);
    for (let y = from; y <= to; y++) days.set(this.yearDays(y), epochDayOf(y, 1, 1) - start);
    this.curDays = days;
    this.curStart = start;
    this.curEnd = end;
    this.spanFrom = from;
    this.spanTo = to;
  }

  /**
   * One entry per day of the year (ranges clipped to the year): 0, or the code (index + 1) of
   * the first rule, in the order written, that falls on it.
   */
  private yearDays(year: number): DayCodes {
    const hit = this.years.get(year);
    if (hit) return hit;
    const start = epochDayOf(year, 1, 1);
    const days = new this.DayArray(epochDayOf(year + 1, 1, 1) - start);
    let code = 0;
    const mark = (d: number) => {
      if (d >= start && d < start + days.length) {
        const was = days[d - start]!;
        if (was === 0 || was > code) days[d - start] = code;
      }
    };
    const iv = this.intervals;
    for (let i = firstIntervalReaching(this.reach, start) * 3; i < iv.length && iv[i]! < start + days.length; i += 3) {
      code = iv[i + 2]!;
      for (let d = Math.max(iv[i]!, start), last = Math.min(iv[i + 1]!, start + days.length - 1); d <= last; d++) mark(d);
    }
    for (const y of this.yearly) {
      // 02-29 only in leap years: a date that rolled over is not that date.
      if (y.month === 2 && y.day === 29 && civilOf(epochDayOf(year, 2, 29)).month !== 2) continue;
      code = y.code;
      mark(epochDayOf(year, y.month, y.day));
    }
    for (const country of this.countries) {
      code = country.code;
      for (const d of country.calendar.days(year)) mark(d);
    }
    const { fromMs, toMs } = yearWindowMs(year);
    for (const { calendar, code: c } of this.calendars) {
      code = c;
      for (const o of calendar.occurrences(fromMs, toMs)) {
        if (o.allDay) {
          for (let d = Math.max(o.firstDay, start), last = Math.min(o.lastDay, start + days.length - 1); d <= last; d++) mark(d);
        } else {
          // A timed event makes every local date it touches a holiday.
          const first = Math.floor((o.start + this.zone.offsetAt(o.start)) / MS_PER_DAY);
          const lastInstant = Math.max(o.start, o.end - 1);
          const last = Math.floor((lastInstant + this.zone.offsetAt(lastInstant)) / MS_PER_DAY);
          for (let d = Math.max(first, start), end = Math.min(last, start + days.length - 1); d <= end; d++) mark(d);
        }
      }
    }
    if (this.years.size >= MAX_CACHED_YEARS) this.years.delete(this.years.keys().next().value!);
    this.years.set(year, days);
    return days;
  }
}

type DayCodes = Uint8Array | Uint16Array | Uint32Array;
type DayArrayConstructor = Uint8ArrayConstructor | Uint16ArrayConstructor | Uint32ArrayConstructor;

/**
 * The date and range rules as [from, to, code] triples sorted by start, and each position's
 * reach (the latest end so far), which never decreases. Intervals are kept as written, not
 * merged: each rule adds at most one (a date, or a range of any length), so there is nothing
 * of one rule to join, and intervals of different rules may overlap (`mark` keeps the first
 * rule's code, whatever the order).
 */
function intervalTable(ranges: Array<[number, number, number]>): [Int32Array, Int32Array] {
  ranges.sort((a, b) => a[0] - b[0]);
  const reach = new Int32Array(ranges.length);
  let far = -Infinity;
  for (let i = 0; i < ranges.length; i++) reach[i] = far = Math.max(far, ranges[i]![1]);
  return [Int32Array.from(ranges.flat()), reach];
}

/** Index of the first interval whose reach is at or after day (every earlier one ends before it), or reach.length. */
function firstIntervalReaching(reach: Int32Array, day: number): number {
  let lo = 0;
  let hi = reach.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (reach[mid]! < day) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** A country's public holidays (date-holidays, type "public": no observances), per year. */
interface CountryCalendar {
  days(year: number): readonly number[];
}

const countryCalendars = new Map<string, CountryCalendar>();

function countryCalendar(country: string, state: string | undefined, region: string | undefined): CountryCalendar {
  const key = `${country}/${state ?? ''}/${region ?? ''}`;
  let cal = countryCalendars.get(key);
  if (!cal) {
    const hd = new Holidays(country, state ?? '', region ?? '');
    const byYear = new Map<number, number[]>();
    cal = {
      days(year: number): readonly number[] {
        let days = byYear.get(year);
        if (!days) {
          days = [];
          for (const h of hd.getHolidays(year) || []) {
            if (h.type !== 'public') continue;
            const d = parseIsoDate(h.date.slice(0, 10));
            if (d !== undefined) days.push(d);
          }
          if (byYear.size >= MAX_CACHED_YEARS) byYear.delete(byYear.keys().next().value!);
          byYear.set(year, days);
        }
        return days;
      },
    };
    countryCalendars.set(key, cal);
  }
  return cal;
}

const knownCache = new Map<string, boolean>();

/** Whether date-holidays knows the country (and state / region, when given). */
export function isKnownCountry(country: string, state?: string, region?: string): boolean {
  // Cached: date-holidays rebuilds its country list on every call (~0.5 ms), once per holiday entry of every number.
  const key = `${country}/${state ?? ''}/${region ?? ''}`;
  let known = knownCache.get(key);
  if (known === undefined) {
    const hd = new Holidays();
    known =
      Object.hasOwn(hd.getCountries(), country) &&
      (state === undefined || Object.hasOwn(hd.getStates(country) ?? {}, state)) &&
      (region === undefined || state === undefined || Object.hasOwn(hd.getRegions(country, state) ?? {}, region));
    knownCache.set(key, known);
  }
  return known;
}

/**
 * Shares one HolidayCalendar (and its expanded years) between numbers with the same rules
 * in the same zone, and parses each iCalendar text once. One per directory build.
 */
export class HolidayCalendars {
  private readonly byKey = new Map<string, HolidayCalendar>();
  /** The loader shares one rules array between numbers written alike: skip the key for those. */
  private readonly byList = new WeakMap<readonly HolidaySpec[], Map<ZoneOffsets, HolidayCalendar>>();
  private readonly icsByText = new Map<string, IcsCalendar>();

  get(specs: readonly HolidaySpec[], zone: ZoneOffsets): HolidayCalendar {
    let byZone = this.byList.get(specs);
    const known = byZone?.get(zone);
    if (known) return known;
    const cal = this.byRules(specs, zone);
    if (!byZone) this.byList.set(specs, (byZone = new Map()));
    byZone.set(zone, cal);
    return cal;
  }

  private byRules(specs: readonly HolidaySpec[], zone: ZoneOffsets): HolidayCalendar {
    // Within one configuration a path names one text, so the path stands for it.
    const key = `${zone.name}\n${JSON.stringify(specs.map((h) => (h.kind === 'ics' ? { ics: h.path } : h)))}`;
    let cal = this.byKey.get(key);
    if (!cal) {
      cal = new HolidayCalendar(specs, zone, (spec) => this.ics(spec));
      this.byKey.set(key, cal);
    }
    return cal;
  }

  /** Expands, for every calendar, the years that instants in [fromMs, toMs] fall in. */
  prepare(fromMs: number, toMs: number): void {
    for (const cal of this.byKey.values()) cal.prepare(Math.floor(fromMs / MS_PER_DAY) - 1, Math.floor(toMs / MS_PER_DAY) + 1);
  }

  private ics(spec: Extract<HolidaySpec, { kind: 'ics' }>): IcsCalendar {
    let cal = this.icsByText.get(spec.text);
    if (!cal) {
      const parsed = IcsCalendar.parse(spec.text, spec.path);
      // The loader refused unparsable files; a stored one that no longer parses closes nothing.
      cal = parsed.ok ? parsed.calendar : IcsCalendar.empty();
      this.icsByText.set(spec.text, cal);
    }
    return cal;
  }
}
