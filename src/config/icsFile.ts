import { readFileSync } from 'node:fs';
import ical from 'node-ical';
import type { IcsOccurrence } from './types';
import { epochDayOf, MS_PER_DAY } from '../schedule/calendar';

// Reads an iCalendar file and expands its events (RRULE, EXDATE, RECURRENCE-ID) over a span
// of years. The only I/O is the read; the engine gets plain occurrences.

export function loadIcsOccurrences(file: string, fromYear: number, toYear: number): { occurrences: IcsOccurrence[] } | { error: string } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return { error: code === 'ENOENT' ? `iCalendar file ${file} does not exist` : `cannot read iCalendar file ${file}: ${code ?? String(e)}` };
  }
  if (!/^BEGIN:VCALENDAR\r?$/m.test(text)) return { error: `${file} is not an iCalendar file (no BEGIN:VCALENDAR)` };
  let parsed: ical.CalendarResponse;
  try {
    parsed = ical.sync.parseICS(text);
  } catch (e) {
    return { error: `cannot parse iCalendar file ${file}: ${e instanceof Error ? e.message : String(e)}` };
  }
  const from = new Date(Date.UTC(fromYear, 0, 1) - MS_PER_DAY);
  const to = new Date(Date.UTC(toYear + 1, 0, 1) + MS_PER_DAY);
  const occurrences: IcsOccurrence[] = [];
  for (const component of Object.values(parsed)) {
    if (!component || component.type !== 'VEVENT') continue;
    let instances: ical.EventInstance[];
    try {
      instances = ical.expandRecurringEvent(component, { from, to });
    } catch (e) {
      return { error: `cannot expand event "${String(component.summary ?? component.uid)}" in ${file}: ${e instanceof Error ? e.message : String(e)}` };
    }
    for (const inst of instances) {
      const start = inst.start;
      if (!(start instanceof Date) || Number.isNaN(start.getTime())) continue;
      if (inst.isFullDay) {
        // node-ical builds date-only values at local midnight of this process.
        const firstDay = epochDayOf(start.getFullYear(), start.getMonth() + 1, start.getDate());
        const end = inst.end instanceof Date && !Number.isNaN(inst.end.getTime()) ? inst.end : undefined;
        const endDay = end ? epochDayOf(end.getFullYear(), end.getMonth() + 1, end.getDate()) : firstDay + 1;
        occurrences.push({ allDay: true, firstDay, lastDay: Math.max(firstDay, endDay - 1) });
      } else {
        const end = inst.end instanceof Date && !Number.isNaN(inst.end.getTime()) ? inst.end.getTime() : start.getTime() + 1;
        occurrences.push({ allDay: false, start: start.getTime(), end: Math.max(end, start.getTime() + 1) });
      }
    }
  }
  return { occurrences };
}
