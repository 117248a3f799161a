import { IcsCalendar, yearWindowMs } from '../schedule/icsCalendar';
import { MAX_ICS_BYTES, readRegularFile } from './boundedRead';

// Reads an iCalendar file for the loader. The text itself is what the configuration keeps
// (it is pushed to Redis, since the file lives on the pusher's machine); the engine parses
// it and expands its events for whatever year a decision needs.

/** `given`: the file's text as already known (a stored version's), checked the same way but not read. */
export function loadIcsFile(file: string, year: number, given?: string): { text: string } | { error: string } {
  // Only a regular file within the size limit: not /dev/zero, a FIFO or a folder.
  const read = given === undefined ? readRegularFile(file, MAX_ICS_BYTES, 'iCalendar file') : { ok: true as const, text: given };
  if (!read.ok) return { error: read.error };
  const text = read.text;
  const parsed = IcsCalendar.parse(text, file);
  if (!parsed.ok) return { error: parsed.error };
  // Expanding the load year proves the rules expand (a bad RRULE is refused now, not at a call).
  try {
    const { fromMs, toMs } = yearWindowMs(year);
    parsed.calendar.occurrences(fromMs, toMs);
  } catch (e) {
    return { error: `cannot expand the events of ${file}: ${e instanceof Error ? e.message : String(e)}` };
  }
  return { text };
}
