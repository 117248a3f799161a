// IcsCalendar on its own, from text: what it refuses and why, and the occurrences it gives.
// (test/unit/schedule/holidays.test.ts reads the fixture files and checks the zones.)
import { epochDayOf, MS_PER_DAY } from '../../../src/schedule/calendar';
import { IcsCalendar, MAX_RECURRING_EVENTS, yearWindowMs } from '../../../src/schedule/icsCalendar';

const calendar = (...events: string[]) =>
  ['BEGIN:VCALENDAR', 'VERSION:2.0', ...events.flatMap((e) => ['BEGIN:VEVENT', e, 'END:VEVENT']), 'END:VCALENDAR'].join('\r\n');

const event = (uid: string, ...lines: string[]) => [`UID:${uid}`, ...lines].join('\r\n');

function parsed(text: string): IcsCalendar {
  const r = IcsCalendar.parse(text, 'closures.ics');
  if (!r.ok) throw new Error(r.error);
  return r.calendar;
}

describe('IcsCalendar.parse refuses, saying why', () => {
  test('a file that is not iCalendar', () => {
    expect(IcsCalendar.parse('hello\n', 'closures.ics')).toEqual({
      ok: false,
      error: 'closures.ics is not an iCalendar file (no BEGIN:VCALENDAR)',
    });
  });

  test('BEGIN:VCALENDAR only inside a line, or with more after it on its line, is no calendar', () => {
    const refused = { ok: false, error: 'closures.ics is not an iCalendar file (no BEGIN:VCALENDAR)' };
    expect(IcsCalendar.parse(calendar().replace('BEGIN:VCALENDAR', 'X-BEGIN:VCALENDAR'), 'closures.ics')).toEqual(refused);
    expect(IcsCalendar.parse(calendar().replace('BEGIN:VCALENDAR', 'BEGIN:VCALENDAR-NOT'), 'closures.ics')).toEqual(refused);
    // The line itself, with a CR before the LF or without one, is one.
    expect(IcsCalendar.parse(calendar().replace(/\r\n/g, '\n'), 'closures.ics').ok).toBe(true);
  });

  test("a file the parser cannot read, with the parser's reason", () => {
    expect(IcsCalendar.parse(calendar(event('d', 'DTSTART;VALUE=DATE:20260101', 'RRULE:FREQ=SOMETIMES')), 'closures.ics')).toEqual({
      ok: false,
      error: 'cannot parse iCalendar file closures.ics: Invalid FREQ value: SOMETIMES',
    });
  });

  test('a rule more frequent than daily, naming the event and the frequency', () => {
    const text = calendar(event('a', 'DTSTART:20260101T090000Z', 'RRULE:FREQ=HOURLY;COUNT=3', 'SUMMARY:Every hour'));
    expect(IcsCalendar.parse(text, 'closures.ics')).toEqual({
      ok: false,
      error: 'event "Every hour" in closures.ics repeats more often than daily (FREQ=HOURLY); a holiday calendar needs at most FREQ=DAILY',
    });
  });

  test('a daily rule by hour, naming the part', () => {
    const text = calendar(event('b', 'DTSTART:20260101T090000Z', 'RRULE:FREQ=DAILY;BYHOUR=9,10', 'SUMMARY:Twice a day'));
    expect(IcsCalendar.parse(text, 'closures.ics')).toEqual({
      ok: false,
      error: 'event "Twice a day" in closures.ics uses BYHOUR, which a holiday calendar does not need (an occurrence closes the whole day)',
    });
  });

  test(`more than ${MAX_RECURRING_EVENTS} recurring events, but any number of single ones`, () => {
    const yearly = (i: number) => event(`y${i}`, `DTSTART;VALUE=DATE:2026${String((i % 12) + 1).padStart(2, '0')}01`, 'RRULE:FREQ=YEARLY');
    const single = (i: number) => event(`s${i}`, `DTSTART;VALUE=DATE:2026${String((i % 12) + 1).padStart(2, '0')}02`);
    const many = Array.from({ length: MAX_RECURRING_EVENTS }, (_, i) => yearly(i));
    const singles = Array.from({ length: 40 }, (_, i) => single(i));
    expect(parsed(calendar(...many, ...singles)).size).toBe(MAX_RECURRING_EVENTS + 40);
    expect(IcsCalendar.parse(calendar(...many, yearly(99)), 'closures.ics')).toEqual({
      ok: false,
      error: `closures.ics has more than ${MAX_RECURRING_EVENTS} recurring events (the limit; single events are not limited)`,
    });
  });

  test('a long summary is cut in the message', () => {
    const text = calendar(event('c', 'DTSTART:20260101T090000Z', 'RRULE:FREQ=MINUTELY', `SUMMARY:${'x'.repeat(100)}`));
    const r = IcsCalendar.parse(text, 'closures.ics');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toContain(`event "${'x'.repeat(57)}..." in closures.ics`);
  });

  test('a summary of 60 characters is kept whole; one with a language is named by its text', () => {
    const named = (summary: string) => {
      const r = IcsCalendar.parse(calendar(event('d', 'DTSTART:20260101T090000Z', 'RRULE:FREQ=HOURLY', summary)), 'closures.ics');
      return r.ok ? '' : r.error;
    };
    expect(named(`SUMMARY:${'y'.repeat(60)}`)).toContain(`event "${'y'.repeat(60)}" in closures.ics`);
    expect(named(`SUMMARY:${'y'.repeat(61)}`)).toContain(`event "${'y'.repeat(57)}..." in closures.ics`);
    expect(named('SUMMARY;LANGUAGE=pl:Wigilia')).toContain('event "Wigilia" in closures.ics');
  });

  test('an event without a summary is named by its UID', () => {
    const r = IcsCalendar.parse(calendar(event('no-summary@test', 'DTSTART:20260101T090000Z', 'RRULE:FREQ=SECONDLY')), 'closures.ics');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toContain('event "no-summary@test" in closures.ics');
  });

  test('an event without a summary or a UID is named "?"', () => {
    const text = [
      'BEGIN:VCALENDAR',
      'VERSION:2.0',
      'BEGIN:VEVENT',
      'DTSTART:20260101T090000Z',
      'RRULE:FREQ=HOURLY',
      'END:VEVENT',
      'END:VCALENDAR',
    ];
    const r = IcsCalendar.parse(text.join('\r\n'), 'closures.ics');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toContain('event "?" in closures.ics');
  });
});

describe('IcsCalendar occurrences', () => {
  test('an empty calendar has none', () => {
    expect(IcsCalendar.empty().size).toBe(0);
    expect(IcsCalendar.empty().occurrences(0, 366 * MS_PER_DAY)).toEqual([]);
    expect(parsed(calendar()).size).toBe(0);
  });

  test('all-day events as inclusive local dates; without DTEND one day', () => {
    const cal = parsed(
      calendar(event('two', 'DTSTART;VALUE=DATE:20260803', 'DTEND;VALUE=DATE:20260805'), event('one', 'DTSTART;VALUE=DATE:20260320')),
    );
    const { fromMs, toMs } = yearWindowMs(2026);
    expect(cal.occurrences(fromMs, toMs)).toEqual(
      expect.arrayContaining([
        { allDay: true, firstDay: epochDayOf(2026, 8, 3), lastDay: epochDayOf(2026, 8, 4) },
        { allDay: true, firstDay: epochDayOf(2026, 3, 20), lastDay: epochDayOf(2026, 3, 20) },
      ]),
    );
    expect(cal.occurrences(fromMs, toMs)).toHaveLength(2);
  });

  test('timed events as instants, end exclusive; without DTEND one millisecond', () => {
    const cal = parsed(
      calendar(event('meeting', 'DTSTART:20260105T090000Z', 'DTEND:20260105T100000Z'), event('instant', 'DTSTART:20260106T090000Z')),
    );
    const start = Date.UTC(2026, 0, 5, 9);
    const { fromMs, toMs } = yearWindowMs(2026);
    expect(cal.occurrences(fromMs, toMs)).toEqual(
      expect.arrayContaining([
        { allDay: false, start, end: start + 3_600_000 },
        { allDay: false, start: start + MS_PER_DAY, end: start + MS_PER_DAY + 1 },
      ]),
    );
  });

  test('an event that ends before it starts, or where it starts, lasts its first day or millisecond', () => {
    const cal = parsed(
      calendar(
        event('backwards', 'DTSTART:20260105T100000Z', 'DTEND:20260105T090000Z'),
        event('same-day', 'DTSTART;VALUE=DATE:20260301', 'DTEND;VALUE=DATE:20260301'),
      ),
    );
    const { fromMs, toMs } = yearWindowMs(2026);
    expect(cal.occurrences(fromMs, toMs)).toEqual(
      expect.arrayContaining([
        { allDay: false, start: Date.UTC(2026, 0, 5, 10), end: Date.UTC(2026, 0, 5, 10) + 1 },
        { allDay: true, firstDay: epochDayOf(2026, 3, 1), lastDay: epochDayOf(2026, 3, 1) },
      ]),
    );
    expect(cal.occurrences(fromMs, toMs)).toHaveLength(2);
  });

  test('a year window reaches a day beyond each end of the year', () => {
    expect(yearWindowMs(2026)).toEqual({ fromMs: Date.UTC(2025, 11, 31), toMs: Date.UTC(2027, 0, 2) });
    // Years 0-99 are not read as 1900-1999.
    expect(yearWindowMs(50).fromMs).toBe((epochDayOf(50, 1, 1) - 1) * MS_PER_DAY);
  });
});
