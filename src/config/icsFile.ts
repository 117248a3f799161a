import { readFileSync } from 'node:fs';
import { IcsCalendar, yearWindowMs } from '../schedule/icsCalendar';

// Reads an iCalendar file for the loader. The text itself is what the configuration keeps
// (it is pushed to Redis, since the file lives on the pusher's machine); the engine parses
// it and expands its events for whatever year a decision needs.

export function loadIcsFile(file: string, year: number): { text: string } | { error: string } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return { error: code === 'ENOENT' ? `iCalendar file ${file} does not exist` : `cannot read iCalendar file ${file}: ${code ?? String(e)}` };
  }
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
