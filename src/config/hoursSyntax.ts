import type { TimeRange, Weekday } from './types';
import type { Path } from './yamlSource';

// Parses the `hours`, `daysOff` and time-range syntax. Pure: text in, ranges or problems out.

export interface SyntaxProblem {
  path: Path;
  message: string;
  key?: boolean;
}

export const WEEKDAY_NAMES = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
const ALL_DAYS: Weekday[] = [1, 2, 3, 4, 5, 6, 7];

export function weekdayNumber(name: string): Weekday | undefined {
  const i = (WEEKDAY_NAMES as readonly string[]).indexOf(name.trim().toLowerCase());
  return i < 0 ? undefined : ((i + 1) as Weekday);
}

export function formatMinutes(m: number): string {
  return `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
}

/** `mon`, `mon-fri`, `fri-mon` (wraps), `sat,sun`, `mon,wed-fri`. */
export function parseWeekdayKey(key: string): { days: Weekday[] } | { error: string } {
  const days: Weekday[] = [];
  for (const part of key.split(',')) {
    const [a, b, extra] = part.split('-');
    if (extra !== undefined) return { error: `"${part.trim()}" is not a weekday or weekday range` };
    const from = weekdayNumber(a ?? '');
    if (from === undefined) return { error: `"${(a ?? '').trim()}" is not a weekday (mon, tue, wed, thu, fri, sat, sun)` };
    if (b === undefined) {
      days.push(from);
      continue;
    }
    const to = weekdayNumber(b);
    if (to === undefined) return { error: `"${b.trim()}" is not a weekday (mon, tue, wed, thu, fri, sat, sun)` };
    for (let d: number = from; ; d = d === 7 ? 1 : d + 1) {
      days.push(d as Weekday);
      if (d === to) break;
    }
  }
  const unique = new Set(days);
  if (unique.size !== days.length) return { error: `"${key}" names a weekday twice` };
  return { days };
}

/** `HH:MM-HH:MM`; end 24:00 allowed; end <= start runs past midnight; zero length refused. */
export function parseTimeRange(text: string): { range: TimeRange } | { error: string } {
  const m = /^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$/.exec(text);
  if (!m) return { error: `"${text}" is not a time range like "08:00-17:00"` };
  const [h1, m1, h2, m2] = [m[1], m[2], m[3], m[4]].map(Number) as [number, number, number, number];
  if (h1 > 23 || m1 > 59) return { error: `"${text}": start ${m[1]}:${m[2]} is not a time of day` };
  if (h2 > 24 || m2 > 59 || (h2 === 24 && m2 !== 0))
    return { error: `"${text}": end ${m[3]}:${m[4]} is not a time of day (24:00 is the latest)` };
  const start = h1 * 60 + m1;
  const end = h2 * 60 + m2;
  if (start === end) return { error: `"${text}" is zero-length (start equals end)` };
  return { range: { start, end } };
}

function overlaps(a: TimeRange, b: TimeRange): boolean {
  // Compare the part of each range on its own date.
  const ae = a.end > a.start ? a.end : 1440;
  const be = b.end > b.start ? b.end : 1440;
  return a.start < be && b.start < ae;
}

function parseRangeList(value: unknown, path: Path, problems: SyntaxProblem[]): TimeRange[] {
  const items = typeof value === 'string' ? [value] : Array.isArray(value) ? value : [];
  const out: TimeRange[] = [];
  items.forEach((item, i) => {
    const itemPath = typeof value === 'string' ? path : [...path, i];
    if (typeof item !== 'string') return; // the schema reports it
    const r = parseTimeRange(item);
    if ('error' in r) problems.push({ path: itemPath, message: r.error });
    else out.push(r.range);
  });
  return out.sort((a, b) => a.start - b.start);
}

export function parseHours(value: unknown, path: Path, problems: SyntaxProblem[]): Record<Weekday, TimeRange[]> {
  const hours: Record<Weekday, TimeRange[]> = { 1: [], 2: [], 3: [], 4: [], 5: [], 6: [], 7: [] };
  const where = new Map<Weekday, Path>();
  const assign = (days: Weekday[], ranges: TimeRange[], at: Path) => {
    for (const d of days) {
      hours[d] = ranges;
      where.set(d, at);
    }
  };
  if (typeof value === 'string' || Array.isArray(value)) {
    assign(ALL_DAYS, parseRangeList(value, path, problems), path);
  } else if (value && typeof value === 'object') {
    const seen = new Map<Weekday, string>();
    for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
      const k = parseWeekdayKey(key);
      if ('error' in k) {
        problems.push({ path: [...path, key], message: `hours key ${k.error}`, key: true });
        continue;
      }
      const twice = k.days.filter((d) => seen.has(d));
      if (twice.length > 0) {
        problems.push({
          path: [...path, key],
          message: `${twice.map((d) => WEEKDAY_NAMES[d - 1]).join(', ')} given twice (also in "${seen.get(twice[0]!)}")`,
          key: true,
        });
        continue;
      }
      for (const d of k.days) seen.set(d, key);
      assign(k.days, parseRangeList(v, [...path, key], problems), [...path, key]);
    }
  }
  // One message per pair of ranges, naming every weekday where they clash.
  const clashes = new Map<string, { path: Path; days: string[] }>();
  for (const d of ALL_DAYS) {
    const rs = hours[d];
    for (let i = 1; i < rs.length; i++) {
      if (!overlaps(rs[i - 1]!, rs[i]!)) continue;
      const fmt = (r: TimeRange) => `${formatMinutes(r.start)}-${formatMinutes(r.end)}`;
      const pair = `ranges ${fmt(rs[i - 1]!)} and ${fmt(rs[i]!)} overlap`;
      const c = clashes.get(pair) ?? { path: where.get(d) ?? path, days: [] };
      c.days.push(WEEKDAY_NAMES[d - 1]!);
      clashes.set(pair, c);
    }
  }
  for (const [pair, c] of clashes) problems.push({ path: c.path, message: `${pair} on ${c.days.join(', ')}` });
  return hours;
}

export function parseDaysOff(value: unknown): Weekday[] {
  if (!Array.isArray(value)) return [];
  const out = new Set<Weekday>();
  for (const v of value) {
    const d = typeof v === 'string' ? weekdayNumber(v) : undefined;
    if (d !== undefined) out.add(d);
  }
  return [...out];
}
