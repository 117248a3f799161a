import { isValidCivilDate, parseIsoDate } from '../schedule/calendar';
import { isKnownCountry } from '../schedule/holidays';
import type { loadIcsFile } from './icsFile';
import type { RawHolidayItem } from './rawConfig';
import type { HolidaySpec } from './types';

// One holiday entry as written: a date, a yearly MM-DD, a range, a country's public
// holidays (with state and region) or an iCalendar file. Pure but for reading the ICS file,
// which the caller supplies (the loader caches it per load).

export function parseHolidayItem(
  item: RawHolidayItem,
  absPath: (p: string) => string,
  loadIcs: (absolutePath: string, written: string) => ReturnType<typeof loadIcsFile>,
): { spec: HolidaySpec } | { error: string } {
  if (typeof item === 'object' && item.date !== undefined) {
    if (item.ics !== undefined || item.country !== undefined || item.state !== undefined || item.region !== undefined) {
      return { error: 'a holiday entry has one of "date", "country" or "ics"' };
    }
    return parseHolidayItem(String(item.date), absPath, loadIcs);
  }
  if (typeof item === 'string') return parseHolidayText(item.trim());
  if (item.ics !== undefined) {
    if (item.country !== undefined || item.state !== undefined || item.region !== undefined)
      return { error: 'a holiday entry has either "ics" or "country", not both' };
    const path = absPath(item.ics);
    const loaded = loadIcs(path, item.ics);
    if ('error' in loaded) return { error: loaded.error };
    return { spec: { kind: 'ics', path, text: loaded.text } };
  }
  if (item.country !== undefined) {
    if (!isKnownCountry(item.country)) return { error: `unknown country "${item.country}" for public holidays` };
    if (item.region !== undefined && item.state === undefined) return { error: '"region" needs "state"' };
    if (!isKnownCountry(item.country, item.state, item.region)) {
      return { error: `unknown ${item.region !== undefined ? 'region' : 'state'} "${item.region ?? item.state}" in ${item.country}` };
    }
    return { spec: { kind: 'country', country: item.country, state: item.state, region: item.region } };
  }
  return { error: 'a holiday entry needs a date string, "date", "country" or "ics"' };
}

/** YYYY-MM-DD, MM-DD (every year) or YYYY-MM-DD..YYYY-MM-DD. */
function parseHolidayText(text: string): { spec: HolidaySpec } | { error: string } {
  const range = /^(.+?)\s*\.\.\s*(.+)$/.exec(text);
  if (range) {
    const a = parseIsoDate(range[1]!);
    const b = parseIsoDate(range[2]!);
    if (a === undefined || b === undefined) return { error: `holiday range "${text}" needs two real dates as YYYY-MM-DD..YYYY-MM-DD` };
    if (b < a) return { error: `holiday range "${text}" ends before it starts` };
    return { spec: { kind: 'range', from: range[1]!, to: range[2]! } };
  }
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) {
    return parseIsoDate(text) === undefined ? { error: `holiday "${text}" is not a real date` } : { spec: { kind: 'date', date: text } };
  }
  const yearly = /^(\d{2})-(\d{2})$/.exec(text);
  if (yearly) {
    const [month, day] = [Number(yearly[1]), Number(yearly[2])];
    // 2024 is a leap year, so 02-29 passes and 02-30 does not.
    if (!isValidCivilDate(2024, month, day)) return { error: `holiday "${text}" is not a real month-day (MM-DD)` };
    return { spec: { kind: 'yearly', month, day } };
  }
  return { error: `holiday "${text}" is not YYYY-MM-DD, MM-DD or YYYY-MM-DD..YYYY-MM-DD` };
}
