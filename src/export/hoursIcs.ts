import { DateTime } from 'luxon';
import type { CompiledSchedule } from '../schedule/compile';
import { openIntervals, type OpenInterval } from '../schedule/openIntervals';
import type { Overrides } from '../schedule/types';

// A number's opening hours as an iCalendar feed (RFC 5545) that calendar apps subscribe to:
// one VEVENT per open interval of the coming weeks, holidays, days off and overrides applied
// (openIntervals, the engine's own decisions). Times are UTC (`Z`), so every client shows them
// right in its own zone, across DST changes; X-WR-TIMEZONE names the number's zone for
// display. UIDs are stable: the same interval keeps its UID from one fetch to the next, so a
// subscribed calendar updates events instead of duplicating them. Pure: the clock is passed in.

export interface FeedNumber {
  did: string;
  name: string;
  timezone: string;
}

export interface HoursFeedOptions {
  now: number;
  /** Weeks ahead, from the start of today in the number's zone (default 4, 1 to 52). */
  weeks?: number;
  /** How often a client should fetch again, minutes (default 60, 5 to 1440). */
  refreshMinutes?: number;
}

export const DEFAULT_FEED_WEEKS = 4;
export const MAX_FEED_WEEKS = 52;
export const DEFAULT_REFRESH_MINUTES = 60;
export const PRODID = '-//after-hours//opening hours//EN';

/** What is wrong with the options, or undefined. */
export function feedOptionsProblem(o: HoursFeedOptions): string | undefined {
  if (o.weeks !== undefined && !(Number.isInteger(o.weeks) && o.weeks >= 1 && o.weeks <= MAX_FEED_WEEKS))
    return `weeks must be a whole number from 1 to ${MAX_FEED_WEEKS}`;
  if (o.refreshMinutes !== undefined && !(Number.isInteger(o.refreshMinutes) && o.refreshMinutes >= 5 && o.refreshMinutes <= 1440))
    return 'the refresh interval must be 5 to 1440 minutes';
  return undefined;
}

/** The feed's window: from the start of today in the number's zone, `weeks` weeks of local days. */
export function feedWindow(timezone: string, now: number, weeks: number): { from: number; to: number } {
  const today = DateTime.fromMillis(now, { zone: timezone }).startOf('day');
  return { from: today.toMillis(), to: today.plus({ days: 7 * weeks }).toMillis() };
}

/** A number's feed for the coming weeks: the window, its open intervals, the calendar. */
export function hoursIcs(
  entry: { number: FeedNumber; schedule: CompiledSchedule },
  overrides: Overrides,
  opts: HoursFeedOptions,
): { ics: string; from: number; to: number; intervals: OpenInterval[] } {
  const problem = feedOptionsProblem(opts);
  if (problem !== undefined) throw new RangeError(problem);
  const { from, to } = feedWindow(entry.number.timezone, opts.now, opts.weeks ?? DEFAULT_FEED_WEEKS);
  const intervals = openIntervals(entry.schedule, overrides, from, to);
  return { ics: buildHoursIcs(entry.number, intervals, { ...opts, from }), from, to, intervals };
}

/** TEXT value escaping (RFC 5545 3.3.11). */
function text(value: string): string {
  return value.replace(/[\\;,]/g, (c) => `\\${c}`).replace(/\r\n|\r|\n/g, '\\n');
}

/** Folds a content line at 75 octets, never inside a UTF-8 character (RFC 5545 3.1). */
function fold(line: string): string {
  const out: string[] = [];
  let current = '';
  let octets = 0;
  for (const ch of line) {
    const n = Buffer.byteLength(ch);
    if (octets + n > (out.length === 0 ? 75 : 74)) {
      out.push(current);
      current = '';
      octets = 0;
    }
    current += ch;
    octets += n;
  }
  out.push(current);
  return out.join('\r\n ');
}

function utc(ms: number): string {
  return `${new Date(ms).toISOString().replace(/[-:]/g, '').slice(0, 15)}Z`;
}

/**
 * The calendar for these intervals. `from` is the window's start: an interval clipped there
 * (open across it) is named by its end, every other one by its start, so UIDs stay the same
 * while the window moves.
 */
export function buildHoursIcs(number: FeedNumber, intervals: readonly OpenInterval[], opts: HoursFeedOptions & { from: number }): string {
  const refresh = `PT${opts.refreshMinutes ?? DEFAULT_REFRESH_MINUTES}M`;
  const digits = number.did.replace(/\D/g, '');
  const title = `${number.name} (${number.did})`;
  const lines = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    `PRODID:${PRODID}`,
    'CALSCALE:GREGORIAN',
    'METHOD:PUBLISH',
    `NAME:${text(`${title}: opening hours`)}`,
    `X-WR-CALNAME:${text(`${title}: opening hours`)}`,
    `X-WR-TIMEZONE:${number.timezone}`,
    `REFRESH-INTERVAL;VALUE=DURATION:${refresh}`,
    `X-PUBLISHED-TTL:${refresh}`,
  ];
  const local = (ms: number) => DateTime.fromMillis(ms, { zone: number.timezone });
  for (const i of intervals) {
    const uid = i.start <= opts.from ? `open-${digits}-until-${utc(i.end)}@after-hours` : `open-${digits}-${utc(i.start)}@after-hours`;
    const a = local(i.start);
    const b = local(i.end);
    const span = a.hasSame(b, 'day')
      ? `${a.toFormat('HH:mm')}–${b.toFormat('HH:mm')}`
      : `${a.toFormat('ccc HH:mm')}–${b.toFormat('ccc HH:mm')}`;
    lines.push(
      'BEGIN:VEVENT',
      `UID:${uid}`,
      `DTSTAMP:${utc(opts.now)}`,
      `DTSTART:${utc(i.start)}`,
      `DTEND:${utc(i.end)}`,
      `SUMMARY:${text(`Open: ${number.name}`)}`,
      `DESCRIPTION:${text(`${title} is open ${span} (${number.timezone}).`)}`,
      'TRANSP:TRANSPARENT',
      'END:VEVENT',
    );
  }
  lines.push('END:VCALENDAR');
  return `${lines.map(fold).join('\r\n')}\r\n`;
}
