// Hostile-input benchmark: `npm run bench:hostile` (node dist/bench/hostile.js).
//
// `validate` (loadConfig) on files built to cost time or memory: the 100,000-number file
// of bench/engine.ts as the honest baseline, the same file with one and with 1,000 errors
// (positions looked up in the whole file), a list of a million wrong items, a range bomb
// (100 ranges 0001-01-01..9999-12-31 on each of 2,000 numbers), alias bombs (nine levels of
// nine aliases), and an iCalendar file at the size limit full of recurring events. Each case
// runs in a fresh child process, so the peak RSS (process.resourceUsage().maxRSS) is that
// case's alone.
//
// The issue's bound: no case above 2 GB or 60 s. A case still running after TIMEOUT_MS is
// stopped and reported as such.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MAX_ICS_BYTES } from '../src/config/boundedRead';
import { MAX_RECURRING_EVENTS } from '../src/schedule/icsCalendar';
import { formatConfigError } from '../src/config/errors';
import { loadConfig } from '../src/config/load';
import { decide } from '../src/schedule/decide';
import { NumberDirectory } from '../src/schedule/directory';

const TIMEOUT_MS = 120_000;
const NOW = Date.UTC(2026, 5, 1);

interface Figures {
  ok: boolean;
  ms: number;
  /** A loaded config: building the daemon's directory and deciding in a year never expanded before (2040). */
  yearMs?: number;
  maxRssMB: number;
  errors: number;
  first?: string;
}

/** The child: one loadConfig, then its time and the process's peak RSS. */
function runCase(file: string): Figures {
  const t0 = performance.now();
  const r = loadConfig(file, { now: NOW });
  const ms = performance.now() - t0;
  let yearMs: number | undefined;
  if (r.ok) {
    const t1 = performance.now();
    const dir = new NumberDirectory(r.config, r.zones);
    for (const n of r.config.numbers) decide(dir.get(n.did)!.schedule, undefined, Date.UTC(2040, 5, 1));
    yearMs = performance.now() - t1;
  }
  const maxRssMB = process.resourceUsage().maxRSS / 1024; // maxRSS is in KiB
  return r.ok
    ? { ok: true, ms, yearMs, maxRssMB, errors: 0 }
    : { ok: false, ms, maxRssMB, errors: r.errors.length, first: formatConfigError(r.errors[0]!).slice(0, 160) };
}

const HEAD = ['defaults:', '  region: PL', '  timezone: Europe/Warsaw', '  hours: "09:00-17:00"'];

function did(i: number): string {
  return `+48 22 ${String(1_000_000 + i * 3).slice(-7)}`;
}

function rangeBomb(dir: string): string {
  const ranges = `[${Array(100).fill('"0001-01-01..9999-12-31"').join(', ')}]`;
  const lines = [...HEAD, 'numbers:'];
  for (let i = 0; i < 2_000; i++) lines.push(`  - did: "${did(i)}"`, `    holidays: ${ranges}`);
  const file = join(dir, 'range-bomb.yaml');
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

/** Nine levels of nine aliases (9^9 values once expanded), used where `key` expects a value. */
function aliasBomb(dir: string, key: 'hours' | 'numbers'): string {
  const names = 'abcdefghi';
  const lines = [...HEAD, 'x-laughs:', '  a: &a [x, x, x, x, x, x, x, x, x]'];
  for (let i = 1; i < names.length; i++)
    lines.push(
      `  ${names[i]}: &${names[i]} [${Array(9)
        .fill(`*${names[i - 1]}`)
        .join(', ')}]`,
    );
  if (key === 'numbers') lines.push('numbers: *i');
  else lines.push('numbers:', `  - did: "${did(0)}"`, '    hours: *i');
  const file = join(dir, `alias-bomb-${key}.yaml`);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

/**
 * The worst iCalendar file the limits let through: as many recurring events as allowed, all
 * daily (366 occurrences a year each, the most a rule may give), then single all-day
 * closures up to the size limit.
 */
function hugeIcs(dir: string): string {
  const head = 'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//after-hours//bench//EN\r\n';
  const tail = 'END:VCALENDAR\r\n';
  const parts = [head];
  let size = head.length + tail.length;
  for (let i = 0; ; i++) {
    const date = new Date(Date.UTC(2020, 0, 1) + i * 86_400_000).toISOString().slice(0, 10).replace(/-/g, '');
    const event =
      `BEGIN:VEVENT\r\nUID:bench-${i}@after-hours\r\nDTSTAMP:20260101T000000Z\r\n` +
      (i < MAX_RECURRING_EVENTS
        ? `DTSTART;VALUE=DATE:${date}\r\nRRULE:FREQ=DAILY\r\nEXDATE;VALUE=DATE:20270601\r\n`
        : `DTSTART;VALUE=DATE:${date}\r\n`) +
      `SUMMARY:Closure ${i}\r\nEND:VEVENT\r\n`;
    if (size + event.length > MAX_ICS_BYTES) break;
    parts.push(event);
    size += event.length;
  }
  parts.push(tail);
  writeFileSync(join(dir, 'huge.ics'), parts.join(''));
  const file = join(dir, 'huge-ics.yaml');
  writeFileSync(file, `${[...HEAD, 'numbers:', `  - did: "${did(0)}"`, '    holidays: [{ ics: huge.ics }]'].join('\n')}\n`);
  return file;
}

function hundredThousand(dir: string): string {
  // bench/engine.ts writes the file (and the ICS file it names) with --generate DIR.
  const out = spawnSync(process.execPath, [join(__dirname, 'engine.js'), '--generate', dir], { encoding: 'utf8' });
  if (out.status !== 0) throw new Error(`engine.js --generate failed: ${out.stderr}`);
  return out.stdout.trim().split('\n').pop()!;
}

/**
 * The 100,000-number file with `count` numbers given an unknown time zone, spread evenly
 * and ending at the last number: the error positions are found in a file the size of the
 * honest baseline.
 */
function badZones(dir: string, base: string, count: number): string {
  const lines = readFileSync(base, 'utf8').split('\n');
  const zones: number[] = [];
  lines.forEach((l, i) => {
    if (l.startsWith('    timezone: ')) zones.push(i);
  });
  const step = Math.floor(zones.length / count);
  for (let k = 0; k < count; k++) lines[zones[zones.length - 1 - k * step]!] = '    timezone: Europe/Atlantis';
  const file = join(dir, 'engine', `bad-zones-${count}.yaml`); // beside the ICS file it names
  writeFileSync(file, lines.join('\n'));
  return file;
}

/** A list of a million wrongly typed hours (2 MB): a million schema findings, the first 100 positioned. */
function millionWrong(dir: string): string {
  const file = join(dir, 'million-wrong.yaml');
  writeFileSync(file, `${[...HEAD, 'numbers:', `  - did: "${did(0)}"`].join('\n')}\n    hours: [${'1,'.repeat(999_999)}1]\n`);
  return file;
}

/** Numbers that are not maps: the shape check of `numbers` item by item, not the whole list at once. */
function numbersNotMaps(dir: string): string {
  const file = join(dir, 'numbers-not-maps.yaml');
  writeFileSync(file, `numbers: [${'1,'.repeat(99_999)}1]\n`);
  return file;
}

function main(): void {
  const args = process.argv.slice(2);
  if (args[0] === '--case') {
    process.stdout.write(`${JSON.stringify(runCase(args[1]!))}\n`);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'after-hours-hostile-'));
  try {
    const engine = hundredThousand(join(dir, 'engine'));
    const cases: Array<[string, string, string?]> = [
      ['100,000 numbers (bench/engine.ts file)', engine],
      ['100,000 numbers, one unknown time zone (the last number)', badZones(dir, engine, 1)],
      ['100,000 numbers, 1,000 unknown time zones', badZones(dir, engine, 1_000)],
      ['a list of a million wrongly typed hours', millionWrong(dir)],
      ['numbers: a list of 100,000 that are not maps', numbersNotMaps(dir)],
      ['range bomb: 100 × 0001-01-01..9999-12-31 on 2,000 numbers', rangeBomb(dir)],
      ['alias bomb: 9 levels of 9 aliases as hours', aliasBomb(dir, 'hours')],
      ['alias bomb: 9 levels of 9 aliases as numbers', aliasBomb(dir, 'numbers')],
      ['iCalendar file at the limits: 25 daily events, then single closures up to 1 MiB', hugeIcs(dir), join(dir, 'huge.ics')],
    ];
    process.stdout.write(`Hostile input: validate (loadConfig), one child process per case; node ${process.version}\n\n`);
    process.stdout.write(
      '| case | file | result | validate | then: directory + every number decided in 2040 | peak RSS | < 60 s | < 2 GB |\n|---|---|---|---|---|---|---|---|\n',
    );
    for (const [name, file, extra] of cases) {
      const bytes = statSync(file).size + (extra ? statSync(extra).size : 0);
      const child = spawnSync(process.execPath, [__filename, '--case', file], {
        encoding: 'utf8',
        timeout: TIMEOUT_MS,
        maxBuffer: 1 << 20,
      });
      const size = bytes < 1_048_576 ? `${(bytes / 1024).toFixed(1)} KB` : `${(bytes / 1_048_576).toFixed(1)} MB`;
      if (child.status !== 0) {
        const why = child.signal
          ? `killed (${child.signal}${child.error ? ', timeout' : ''})`
          : `exit ${child.status}: ${child.stderr.trim().split('\n').pop()}`;
        process.stdout.write(`| ${name} | ${size} | ${why} | ≥ ${TIMEOUT_MS / 1000} s | – | – | NO | – |\n`);
        continue;
      }
      const f = JSON.parse(child.stdout.trim().split('\n').pop()!) as Figures;
      const result = f.ok
        ? 'ok'
        : `refused (${f.errors} error${f.errors === 1 ? '' : 's'}): ${f.first!.replace(dir, '…').replace(/\|/g, '\\|')}`;
      process.stdout.write(
        `| ${name} | ${size} | ${result} | ${(f.ms / 1000).toFixed(2)} s | ${f.yearMs === undefined ? '–' : `${(f.yearMs / 1000).toFixed(2)} s`} | ${f.maxRssMB.toFixed(0)} MB | ${f.ms + (f.yearMs ?? 0) < 60_000 ? 'yes' : 'NO'} | ${f.maxRssMB < 2048 ? 'yes' : 'NO'} |\n`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main();
