import Holidays from 'date-holidays';
import type { HolidaySpec } from '../config/types';
import { epochDayOf, MS_PER_DAY, parseIsoDate } from './calendar';
import type { ZoneOffsets } from './zoneOffsets';

// Turns holiday specs into the sorted set of local dates the engine searches.
// Country calendars come from date-holidays, type "public" only (no observances).

const countryCache = new Map<string, number[]>();

function countryDays(country: string, state: string | undefined, region: string | undefined, year: number): number[] {
  const key = `${country}/${state ?? ''}/${region ?? ''}/${year}`;
  let days = countryCache.get(key);
  if (!days) {
    const hd = new Holidays(country, state ?? '', region ?? '');
    days = [];
    for (const h of hd.getHolidays(year) || []) {
      if (h.type !== 'public') continue;
      const d = parseIsoDate(h.date.slice(0, 10));
      if (d !== undefined) days.push(d);
    }
    countryCache.set(key, days);
  }
  return days;
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
      !!hd.getCountries()[country] &&
      (state === undefined || !!(hd.getStates(country) ?? {})[state]) &&
      (region === undefined || state === undefined || !!(hd.getRegions(country, state) ?? {})[region]);
    knownCache.set(key, known);
  }
  return known;
}

export function resolveHolidayDays(specs: readonly HolidaySpec[], zone: ZoneOffsets, fromYear: number, toYear: number): Int32Array {
  const days = new Set<number>();
  for (const spec of specs) {
    switch (spec.kind) {
      case 'date': {
        const d = parseIsoDate(spec.date);
        if (d !== undefined) days.add(d);
        break;
      }
      case 'yearly':
        for (let y = fromYear; y <= toYear; y++) {
          const d = epochDayOf(y, spec.month, spec.day);
          // 02-29 only in leap years: a day that rolled over is not that date.
          if (spec.month === 2 && spec.day === 29 && epochDayOf(y, 3, 1) - d === 0) continue;
          days.add(d);
        }
        break;
      case 'range': {
        const a = parseIsoDate(spec.from);
        const b = parseIsoDate(spec.to);
        if (a !== undefined && b !== undefined) for (let d = a; d <= b; d++) days.add(d);
        break;
      }
      case 'country':
        for (let y = fromYear; y <= toYear; y++) for (const d of countryDays(spec.country, spec.state, spec.region, y)) days.add(d);
        break;
      case 'ics':
        for (const o of spec.occurrences) {
          if (o.allDay) {
            for (let d = o.firstDay; d <= o.lastDay; d++) days.add(d);
          } else {
            // A timed event makes every local date it touches a holiday.
            const first = Math.floor((o.start + zone.offsetAt(o.start)) / MS_PER_DAY);
            const lastInstant = Math.max(o.start, o.end - 1);
            const last = Math.floor((lastInstant + zone.offsetAt(lastInstant)) / MS_PER_DAY);
            for (let d = first; d <= last; d++) days.add(d);
          }
        }
        break;
    }
  }
  return Int32Array.from([...days].sort((a, b) => a - b));
}
