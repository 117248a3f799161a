import type { Redis } from 'ioredis';
import type { AppConfig, HolidaySpec, NumberConfig } from '../config/types';
import { formatEpochDay } from '../schedule/calendar';
import { auditKey } from './auditLog';
import { versionArgs, versionKeys, type PushSource } from './configVersions';
import { runLua } from './luaScripts';
import { withStoredSounds } from './soundStore';

// Compiled configurations in Redis, versioned. `push` writes a new version and announces it;
// every daemon loads it on the announcement. What is stored is the validated form (E.164
// DIDs, defaults applied, absolute paths) with holidays as the rules the operator wrote,
// never dates resolved for some years: a version pushed today decides 2031 correctly.

export interface StoredConfig {
  version: number;
  pushedAt: string;
  config: AppConfig;
}

export function configKeys(prefix: string) {
  return { current: `${prefix}config:current`, version: `${prefix}config:version`, channel: `${prefix}config:changed` };
}

/** An iCalendar text is stored once however many numbers use it: numbers refer to it by index. */
type StoredHoliday = Exclude<HolidaySpec, { kind: 'ics' }> | { kind: 'ics'; path: string; textRef: number };
type StoredNumber = Omit<NumberConfig, 'holidays'> & { holidays: StoredHoliday[] };
interface StoredBody extends Omit<AppConfig, 'numbers'> {
  numbers: StoredNumber[];
  icsTexts?: string[];
}

/** What versions before 0.2 stored: resolved days, and iCalendar files as expanded occurrences. */
interface LegacyIcs {
  kind: 'ics';
  path: string;
  occurrences: Array<{ allDay: true; firstDay: number; lastDay: number } | { allDay: false; start: number; end: number }>;
}

export function serialiseConfig(config: AppConfig): string {
  const texts: string[] = [];
  const refs = new Map<string, number>();
  const numbers = config.numbers.map((n): StoredNumber => ({
    ...n,
    holidays: n.holidays.map((h): StoredHoliday => {
      if (h.kind !== 'ics') return h;
      let ref = refs.get(h.text);
      if (ref === undefined) refs.set(h.text, (ref = texts.push(h.text) - 1));
      return { kind: 'ics', path: h.path, textRef: ref };
    }),
  }));
  const body: StoredBody = { ...config, numbers, icsTexts: texts };
  return JSON.stringify(body);
}

export function deserialiseConfig(text: string): AppConfig {
  const raw = JSON.parse(text) as StoredBody;
  const texts = raw.icsTexts ?? [];
  const { icsTexts: _texts, ...rest } = raw;
  return {
    ...rest,
    numbers: raw.numbers.map((stored): NumberConfig => {
      const { holidayDays: _days, ...n } = stored as StoredNumber & { holidayDays?: unknown };
      return {
        ...n,
        holidays: n.holidays.map((h): HolidaySpec => {
          if (h.kind !== 'ics') return h;
          const stored = h as { kind: 'ics'; path: string; textRef?: number };
          if (stored.textRef !== undefined) return { kind: 'ics', path: stored.path, text: texts[stored.textRef] ?? '' };
          return { kind: 'ics', path: stored.path, text: legacyIcsText(h as unknown as LegacyIcs) };
        }),
      };
    }),
  };
}

/** An older version's expanded occurrences as an iCalendar text, so its closures still count. */
function legacyIcsText(h: LegacyIcs): string {
  const date = (day: number) => formatEpochDay(day).replace(/-/g, '');
  const stamp = (ms: number) =>
    new Date(ms)
      .toISOString()
      .replace(/[-:]/g, '')
      .replace(/\.\d{3}/, '');
  const lines = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//after-hours//legacy occurrences//EN'];
  (h.occurrences ?? []).forEach((o, i) => {
    lines.push('BEGIN:VEVENT', `UID:legacy-${i}@after-hours`, `DTSTAMP:${stamp(0)}`);
    if (o.allDay) lines.push(`DTSTART;VALUE=DATE:${date(o.firstDay)}`, `DTEND;VALUE=DATE:${date(o.lastDay + 1)}`);
    else lines.push(`DTSTART:${stamp(o.start)}`, `DTEND:${stamp(o.end)}`);
    lines.push('END:VEVENT');
  });
  lines.push('END:VCALENDAR');
  return `${lines.join('\r\n')}\r\n`;
}

/**
 * Stores a validated configuration as the new version, keeps its record (configVersions: the
 * YAML as pushed, who, the note) and audits it, in one step; returns the version number. A
 * source that pushSourceProblem() refuses throws a RangeError before anything is written.
 */
/** Pushes a new version; refused (SoundStoreError) when it names a stored sound that is not stored. */
export async function pushConfig(redis: Redis, prefix: string, config: AppConfig, now: Date, source: PushSource): Promise<number> {
  return withStoredSounds(redis, prefix, config, () => pushCheckedConfig(redis, prefix, config, now, source));
}

async function pushCheckedConfig(redis: Redis, prefix: string, config: AppConfig, now: Date, source: PushSource): Promise<number> {
  const k = configKeys(prefix);
  const vk = versionKeys(prefix);
  const args = [serialiseConfig(config), now.toISOString(), ...versionArgs(config, source, now)];
  const v = await runLua(redis, 'configPush', [k.current, k.version, k.channel, vk.records, vk.texts, auditKey(prefix)], args);
  return Number(v);
}

export async function readConfig(redis: Redis, prefix: string): Promise<StoredConfig | undefined> {
  const text = await redis.get(configKeys(prefix).current);
  if (text === null) return undefined;
  const nl = text.indexOf('\n');
  const head = JSON.parse(text.slice(0, nl)) as { version: number; pushedAt: string };
  return { version: head.version, pushedAt: head.pushedAt, config: deserialiseConfig(text.slice(nl + 1)) };
}
