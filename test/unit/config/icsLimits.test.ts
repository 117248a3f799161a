import { execFileSync } from 'node:child_process';
import { mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MAX_ICS_BYTES } from '../../../src/config/boundedRead';
import { loadIcsFile } from '../../../src/config/icsFile';
import { MAX_RECURRING_EVENTS } from '../../../src/schedule/icsCalendar';

// An iCalendar file is bounded before it is read (a regular file, at most MAX_ICS_BYTES) and
// before it is expanded (no sub-daily rules, at most MAX_RECURRING_EVENTS recurring events),
// so any year of any accepted file costs a bounded amount of work.

const dir = mkdtempSync(join(tmpdir(), 'ah-ics-limits-'));
const calendar = (events: string[]) =>
  `BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//after-hours tests//EN\r\n${events.join('')}END:VCALENDAR\r\n`;
const event = (i: number, extra = '') =>
  `BEGIN:VEVENT\r\nUID:e${i}@test\r\nDTSTAMP:20260101T000000Z\r\nDTSTART;VALUE=DATE:2026${String(1 + (i % 12)).padStart(2, '0')}${String(1 + (i % 28)).padStart(2, '0')}\r\n${extra}SUMMARY:Closure ${i}\r\nEND:VEVENT\r\n`;
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

describe('iCalendar files are bounded', () => {
  it('a symlink to /dev/zero and a FIFO are refused before they are read', () => {
    const zero = join(dir, 'zero.ics');
    symlinkSync('/dev/zero', zero);
    expect(loadIcsFile(zero, 2026)).toEqual({ error: expect.stringMatching(/not a regular file/) });
    const fifo = join(dir, 'fifo.ics');
    execFileSync('mkfifo', [fifo]);
    expect(loadIcsFile(fifo, 2026)).toEqual({ error: expect.stringMatching(/not a regular file/) });
  });

  it(`a file over ${MAX_ICS_BYTES} bytes is refused, naming the limit`, () => {
    const events: string[] = [];
    for (let i = 0, size = 0; size <= MAX_ICS_BYTES; i++) size += events[events.push(event(i)) - 1]!.length;
    expect(loadIcsFile(file('big.ics', calendar(events)), 2026)).toEqual({ error: expect.stringMatching(/MiB|bytes/) });
  });

  it('sub-daily recurrences and BYHOUR/BYMINUTE/BYSECOND are refused with the event named', () => {
    expect(loadIcsFile(file('hourly.ics', calendar([event(1, 'RRULE:FREQ=HOURLY\r\n')])), 2026)).toEqual({
      error: expect.stringMatching(/"Closure 1".*more often than daily \(FREQ=HOURLY\)/),
    });
    expect(loadIcsFile(file('secondly.ics', calendar([event(2, 'RRULE:FREQ=SECONDLY;COUNT=999999999\r\n')])), 2026)).toEqual({
      error: expect.stringMatching(/more often than daily/),
    });
    expect(loadIcsFile(file('byhour.ics', calendar([event(3, 'RRULE:FREQ=DAILY;BYHOUR=1,2,3\r\n')])), 2026)).toEqual({
      error: expect.stringMatching(/"Closure 3".*BYHOUR/),
    });
  });

  it(`at most ${MAX_RECURRING_EVENTS} recurring events; single events are not counted`, () => {
    const singles = Array.from({ length: 300 }, (_, i) => event(1000 + i));
    const yearly = (n: number) => Array.from({ length: n }, (_, i) => event(i, 'RRULE:FREQ=YEARLY\r\n'));
    expect(loadIcsFile(file('at-limit.ics', calendar([...yearly(MAX_RECURRING_EVENTS), ...singles])), 2026)).toEqual({
      text: expect.any(String),
    });
    expect(loadIcsFile(file('over-limit.ics', calendar([...yearly(MAX_RECURRING_EVENTS + 1), ...singles])), 2026)).toEqual({
      error: expect.stringMatching(new RegExp(`more than ${MAX_RECURRING_EVENTS} recurring events`)),
    });
  });
});
