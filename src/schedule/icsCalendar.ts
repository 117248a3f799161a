import ical from 'node-ical';
import { epochDayOf, MS_PER_DAY } from './calendar';

// An iCalendar file's events, parsed once and expanded (RRULE, EXDATE, RECURRENCE-ID) for
// any span a decision needs. Pure: it reads text, never a file.

/** One occurrence: all-day ones as local dates, timed ones as instants. */
export type IcsOccurrence =
  | { allDay: true; firstDay: number; lastDay: number } // epoch days, inclusive
  | { allDay: false; start: number; end: number }; // UTC ms, end exclusive

/**
 * Recurrences more frequent than daily make no sense for closures (an occurrence closes
 * the whole day) and let a few bytes ask for billions of instances.
 */
const REFUSED_FREQ = /FREQ=(SECONDLY|MINUTELY|HOURLY)\b/i;
const REFUSED_BY = /\bBY(HOUR|MINUTE|SECOND)=/i;
/**
 * Expanding a year costs about 0.1 ms per occurrence (node-ical's RRULE engine), and a
 * recurring event has at most 366 a year once sub-daily rules are refused. So the number of
 * recurring events bounds the cost of any year: at most 25 × 366 occurrences, about a second.
 */
export const MAX_RECURRING_EVENTS = 25;

export class IcsCalendar {
  private constructor(private readonly events: readonly ical.VEvent[]) {}

  static parse(text: string, name: string): { ok: true; calendar: IcsCalendar } | { ok: false; error: string } {
    if (!/^BEGIN:VCALENDAR\r?$/m.test(text)) return { ok: false, error: `${name} is not an iCalendar file (no BEGIN:VCALENDAR)` };
    let parsed: ical.CalendarResponse;
    try {
      parsed = ical.sync.parseICS(text);
    } catch (e) {
      return { ok: false, error: `cannot parse iCalendar file ${name}: ${e instanceof Error ? e.message : String(e)}` };
    }
    const events: ical.VEvent[] = [];
    let recurring = 0;
    for (const component of Object.values(parsed)) {
      if (!component || component.type !== 'VEVENT') continue;
      const rule = component.rrule?.toString() ?? '';
      if (REFUSED_FREQ.test(rule)) {
        return {
          ok: false,
          error: `event "${label(component)}" in ${name} repeats more often than daily (${/FREQ=\w+/i.exec(rule)![0]}); a holiday calendar needs at most FREQ=DAILY`,
        };
      }
      if (REFUSED_BY.test(rule)) {
        return {
          ok: false,
          error: `event "${label(component)}" in ${name} uses ${REFUSED_BY.exec(rule)![0].slice(0, -1)}, which a holiday calendar does not need (an occurrence closes the whole day)`,
        };
      }
      if (component.rrule && ++recurring > MAX_RECURRING_EVENTS) {
        return {
          ok: false,
          error: `${name} has more than ${MAX_RECURRING_EVENTS} recurring events (the limit; single events are not limited)`,
        };
      }
      events.push(component);
    }
    return { ok: true, calendar: new IcsCalendar(events) };
  }

  static empty(): IcsCalendar {
    return new IcsCalendar([]);
  }

  get size(): number {
    return this.events.length;
  }

  /**
   * Every occurrence that overlaps [fromMs, toMs], including events that began earlier and
   * are still running (a closure from 2023 to 2027 is a holiday in 2026).
   */
  occurrences(fromMs: number, toMs: number): IcsOccurrence[] {
    const from = new Date(fromMs);
    const to = new Date(toMs);
    const out: IcsOccurrence[] = [];
    for (const event of this.events) {
      for (const inst of ical.expandRecurringEvent(event, { from, to, expandOngoing: true })) {
        const start = inst.start;
        if (!(start instanceof Date) || Number.isNaN(start.getTime())) continue;
        const end = inst.end instanceof Date && !Number.isNaN(inst.end.getTime()) ? inst.end : undefined;
        if (inst.isFullDay) {
          // node-ical builds date-only values at local midnight of this process.
          const firstDay = epochDayOf(start.getFullYear(), start.getMonth() + 1, start.getDate());
          const endDay = end ? epochDayOf(end.getFullYear(), end.getMonth() + 1, end.getDate()) : firstDay + 1;
          out.push({ allDay: true, firstDay, lastDay: Math.max(firstDay, endDay - 1) });
        } else {
          const s = start.getTime();
          out.push({ allDay: false, start: s, end: Math.max(end?.getTime() ?? s + 1, s + 1) });
        }
      }
    }
    return out;
  }
}

function label(e: ical.VEvent): string {
  const s = e.summary as unknown;
  const text =
    typeof s === 'string'
      ? s
      : typeof s === 'object' && s !== null && 'val' in s
        ? String((s as { val: unknown }).val)
        : String(e.uid ?? '?');
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** A day before and after a year, in UTC ms: enough for every zone's local dates of that year. */
export function yearWindowMs(year: number): { fromMs: number; toMs: number } {
  // Not Date.UTC: it reads years 0-99 as 1900-1999.
  return { fromMs: (epochDayOf(year, 1, 1) - 1) * MS_PER_DAY, toMs: (epochDayOf(year + 1, 1, 1) + 1) * MS_PER_DAY };
}
