import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { loadIcsFile } from '../../../src/config/icsFile';
import { epochDayOf } from '../../../src/schedule/calendar';
import { HolidayCalendars } from '../../../src/schedule/holidays';
import type { HolidaySpec } from '../../../src/schedule/types';
import { zones } from './support';

// iCalendar all-day dates under other process time zones: node under another TZ, so this file
// starts programs (the `unit-io` project); the other holiday forms are in holidays.test.ts.

const FIXTURES = join(__dirname, '..', '..', 'fixtures', 'ics');
const SRC = join(__dirname, '..', '..', '..', 'src');
const SWC_REGISTER = join(__dirname, '..', 'cli', 'swcRegister.js');
const warsaw = zones.get('Europe/Warsaw');

function ics(file: string): HolidaySpec {
  const path = join(FIXTURES, file);
  const loaded = loadIcsFile(path, 2026);
  if ('error' in loaded) throw new Error(loaded.error);
  return { kind: 'ics', path, text: loaded.text };
}

/** The holidays among the local dates of 2025 to 2028 in Warsaw, as epoch days. */
function days(specs: HolidaySpec[]): number[] {
  const calendar = new HolidayCalendars().get(specs, warsaw);
  const out: number[] = [];
  for (let d = epochDayOf(2025, 1, 1); d < epochDayOf(2029, 1, 1); d++) if (calendar.isHoliday(d)) out.push(d);
  return out;
}

describe('iCalendar files', () => {
  it('all-day dates do not depend on the time zone of the process', () => {
    // node-ical builds date-only values at local midnight, so run the loader under other TZs.
    const script = `
      const { loadIcsFile } = require(${JSON.stringify(join(SRC, 'config', 'icsFile.ts'))});
      const { HolidayCalendars } = require(${JSON.stringify(join(SRC, 'schedule', 'holidays.ts'))});
      const { ZoneOffsetsCache } = require(${JSON.stringify(join(SRC, 'schedule', 'zoneOffsets.ts'))});
      const zone = new ZoneOffsetsCache(Date.UTC(2024, 0, 1), Date.UTC(2030, 0, 1)).get('Europe/Warsaw');
      const specs = ['yearly-exdate.ics', 'timed.ics'].map((f) => {
        const path = ${JSON.stringify(FIXTURES)} + '/' + f;
        return { kind: 'ics', path, text: loadIcsFile(path, 2026).text };
      });
      const cal = new HolidayCalendars().get(specs, zone);
      const out = [];
      for (let d = 20089; d < 21550; d++) if (cal.isHoliday(d)) out.push(d);
      process.stdout.write(JSON.stringify(out));`;
    const expected = JSON.stringify(days([ics('yearly-exdate.ics'), ics('timed.ics')]));
    for (const tz of ['America/Los_Angeles', 'Pacific/Kiritimati', 'Australia/Lord_Howe']) {
      const out = execFileSync(process.execPath, ['-r', SWC_REGISTER, '-e', script], { env: { ...process.env, TZ: tz }, encoding: 'utf8' });
      expect([tz, out]).toEqual([tz, expected]);
    }
  });
});
