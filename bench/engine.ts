// Schedule engine benchmark: `npm run build && npm run bench` (node dist/bench/engine.js).
//
// 1. A warm decision: decideNow (open + reason) and decide (with nextChange) on a realistic
//    number (the Warsaw office of config/after-hours.yaml: split hours, a night shift, days
//    off, dates, a range, Polish public holidays, an ICS file) over ~1e6 random instants.
// 2. 100,000 numbers compiled from config, in fresh child processes so memory figures are
//    not polluted: the whole path (generated YAML → loadConfig → NumberDirectory) and the
//    compile step alone (already-parsed config → NumberDirectory).
//
// Goals (issue 2): warm decision < 1 µs median; 100k numbers compiled < 2 s and < 200 MB RSS.

import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadConfig } from '../src/config/load';
import type { AppConfig, NumberConfig } from '../src/config/types';
import { decide, decideNow } from '../src/schedule/decide';
import { NumberDirectory } from '../src/schedule/directory';
import { ZoneOffsetsCache } from '../src/schedule/zoneOffsets';

const ROOT = resolve(__dirname, '..', '..');
const SAMPLE = join(ROOT, 'config', 'after-hours.yaml');
const NUMBERS = 100_000;
const NOW = Date.UTC(2026, 5, 1); // the clock: holidays resolve for 2025-2028

const gc: (() => void) | undefined = (globalThis as { gc?: () => void }).gc;
const MB = (bytes: number) => (bytes / 1_048_576).toFixed(1);

function settle(): void {
  if (gc) {
    gc();
    gc();
  }
}

function percentile(sorted: Float64Array | number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

// ---------------------------------------------------------------------------------------
// 1. Warm decision

interface DecisionFigures {
  name: string;
  perCallMedianNs: number;
  perCallP99Ns: number;
  batchMedianNs: number;
  batchP99Ns: number;
}

function warmDecision(): DecisionFigures[] {
  const now = NOW;
  const loaded = loadConfig(SAMPLE, { now });
  if (!loaded.ok) throw new Error(`sample config invalid: ${JSON.stringify(loaded.errors)}`);
  const dir = new NumberDirectory(loaded.config, loaded.zones);
  const entry = dir.get('+48221234567')!;
  const schedule = entry.schedule;

  const N = 1_000_000;
  const BATCH = 1_000;
  // Random instants over the coming year, the window a daemon decides in.
  let seed = 0x2f6b7a1d;
  const rand = () => (seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 4294967296;
  const instants = new Float64Array(N);
  for (let i = 0; i < N; i++) instants[i] = now + Math.floor(rand() * 365 * 86_400_000);

  let sink = 0;
  const runs: Array<[string, (t: number) => number]> = [
    ['decideNow (open + reason)', (t) => (decideNow(schedule, undefined, t).open ? 1 : 0)],
    ['decide (open + reason + nextChange)', (t) => decide(schedule, undefined, t).nextChange ?? 0],
  ];
  const out: DecisionFigures[] = [];
  for (const [name, fn] of runs) {
    // Warm up: let V8 optimise the path (and the zone table cover the year) before timing.
    for (let i = 0; i < 200_000; i++) sink += fn(instants[i]!);

    // Batches: per-call time = batch time / batch size.
    const batches = new Float64Array(N / BATCH);
    for (let b = 0; b < batches.length; b++) {
      const start = process.hrtime.bigint();
      for (let i = b * BATCH, end = i + BATCH; i < end; i++) sink += fn(instants[i]!);
      batches[b] = Number(process.hrtime.bigint() - start) / BATCH;
    }
    batches.sort();

    // Single calls, each timed; the cost of the two hrtime reads is measured and taken off.
    const overhead = new Float64Array(100_000);
    for (let i = 0; i < overhead.length; i++) {
      const s = process.hrtime.bigint();
      overhead[i] = Number(process.hrtime.bigint() - s);
    }
    overhead.sort();
    const timerNs = percentile(overhead, 0.5);
    const single = new Float64Array(N);
    for (let i = 0; i < N; i++) {
      const s = process.hrtime.bigint();
      sink += fn(instants[i]!);
      single[i] = Number(process.hrtime.bigint() - s) - timerNs;
    }
    single.sort();
    out.push({
      name,
      perCallMedianNs: Math.max(0, percentile(single, 0.5)),
      perCallP99Ns: Math.max(0, percentile(single, 0.99)),
      batchMedianNs: percentile(batches, 0.5),
      batchP99Ns: percentile(batches, 0.99),
    });
  }
  if (sink === 42) process.stdout.write(''); // keep the results alive
  return out;
}

// ---------------------------------------------------------------------------------------
// 2. 100,000 numbers
// (In a YAML flow map a comma separates entries, so list keys like "sat,sun" are quoted there.)

const ZONES = [
  'Europe/Warsaw',
  'Europe/Berlin',
  'Europe/London',
  'America/New_York',
  'America/Santiago',
  'Australia/Sydney',
  'Australia/Lord_Howe',
  'Asia/Kolkata',
  'Asia/Kathmandu',
  'Asia/Tokyo',
];
const HOURS = [
  '"09:00-17:00"',
  '{ mon-fri: "08:00-16:00" }',
  '{ mon-thu: ["08:00-12:00", "13:00-17:00"], fri: ["08:00-12:00", "22:00-06:00"], "sat,sun": "10:00-14:00" }',
  '{ mon-fri: "07:00-21:00", sat: "09:00-15:00" }',
  '"22:00-06:00"',
  '{ fri-mon: "10:00-18:00", wed: "12:00-24:00" }',
  '"00:00-24:00"',
  '{ "mon,wed,fri": ["06:30-11:45", "12:15-19:30"] }',
];
const HOLIDAYS = [
  '[{ country: PL }]',
  '[{ country: DE, state: BY }, 12-24, 12-31]',
  '[2026-12-24, 12-25, "2026-12-27..2026-12-31", { country: PL }, { ics: holidays.ics }]',
  '[{ ics: holidays.ics }]',
  '[{ country: DE }, "2026-08-01..2026-08-14"]',
  '[]',
];
const ACTIONS = [
  '{ action: voicemail }',
  '{ action: forward, forward: { to: "+48 601 234 567", timeoutSeconds: 20 } }',
  '{ action: hangup, hangup: { cause: busy } }',
];

/** A valid Polish fixed-line DID for each index (+48 22 …, +48 12 …, +48 58 …). */
function didFor(i: number): string {
  const area = ['22', '12', '58', '61', '71'][Math.floor(i / 2_000_000)]!;
  return `+48 ${area} ${String(1_000_000 + (i % 2_000_000) * 3).slice(-7)}`;
}

function generateConfig(dir: string): string {
  writeFileSync(join(dir, 'holidays.ics'), readFileSync(join(ROOT, 'config', 'holidays.ics')));
  const lines = ['defaults:', '  region: PL', '  timezone: Europe/Warsaw', '  hours: "09:00-17:00"', '  daysOff: [sun]', 'numbers:'];
  for (let i = 0; i < NUMBERS; i++) {
    const did = didFor(i);
    lines.push(
      `  - did: "${did}"`,
      `    name: Number ${i}`,
      `    timezone: ${ZONES[i % ZONES.length]}`,
      `    hours: ${HOURS[(i * 7) % HOURS.length]}`,
      ...(i % 3 === 0 ? ['    daysOff: [sat, sun]'] : []),
      `    holidays: ${HOLIDAYS[(i * 5) % HOLIDAYS.length]}`,
      `    afterHours: ${ACTIONS[i % ACTIONS.length]}`,
    );
  }
  const file = join(dir, 'after-hours.yaml');
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

interface ScaleFigures {
  scenario: string;
  ms: number;
  rssMB: number;
  heapMB: number;
  rssBeforeMB?: number;
  numbers: number;
}

/**
 * The parsed config as JSON, for the compile-only run. Values the loader shares between
 * numbers (hours, days off, holidays, policies) are stored once and shared
 * again on reading, so the rebuilt config has the loader's shape and size.
 */
const SHARED = ['hours', 'daysOff', 'holidays', 'afterHours', 'crm'] as const;
type SharedField = (typeof SHARED)[number];
interface Snapshot {
  values: Record<SharedField, unknown[]>;
  config: Omit<AppConfig, 'numbers'> & { numbers: Array<Record<string, unknown>> };
}

function writeSnapshot(config: AppConfig, file: string): void {
  const values = Object.fromEntries(SHARED.map((f) => [f, []])) as unknown as Snapshot['values'];
  const seen = new Map<unknown, number>();
  const numbers = config.numbers.map((n) => {
    const out: Record<string, unknown> = { ...n };
    for (const f of SHARED) {
      let i = seen.get(n[f]);
      if (i === undefined) seen.set(n[f], (i = values[f].push(n[f]) - 1));
      out[f] = i;
    }
    return out;
  });
  writeFileSync(file, JSON.stringify({ values, config: { ...config, numbers } } satisfies Snapshot));
}

function readSnapshot(file: string): AppConfig {
  const snap = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
  const numbers = snap.config.numbers.map((n) => {
    for (const f of SHARED) n[f] = snap.values[f][n[f] as number];
    return n as unknown as NumberConfig;
  });
  return { ...snap.config, numbers };
}

/** Runs in a child process (with --expose-gc) so each figure starts from a clean heap. */
function scaleScenario(scenario: 'load' | 'compile', file: string, snapshot: string): ScaleFigures {
  if (scenario === 'load') {
    settle();
    const t0 = process.hrtime.bigint();
    const loaded = loadConfig(file, { now: NOW });
    if (!loaded.ok)
      throw new Error(
        `generated config invalid: ${loaded.errors
          .slice(0, 5)
          .map((e) => `${e.line}:${e.col} ${e.message}`)
          .join('; ')}`,
      );
    const dir = new NumberDirectory(loaded.config, loaded.zones);
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    settle();
    const m = process.memoryUsage();
    writeSnapshot(loaded.config, snapshot);
    return { scenario, ms, rssMB: +MB(m.rss), heapMB: +MB(m.heapUsed), numbers: dir.size };
  }
  const config = readSnapshot(snapshot);
  const zones = new ZoneOffsetsCache(Date.UTC(2025, 0, 1) - 86_400_000, Date.UTC(2029, 0, 1) + 86_400_000); // as loadConfig makes it
  settle();
  const before = process.memoryUsage().rss;
  const t0 = process.hrtime.bigint();
  const dir = new NumberDirectory(config, zones);
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  settle();
  const m = process.memoryUsage();
  return { scenario, ms, rssMB: +MB(m.rss), heapMB: +MB(m.heapUsed), rssBeforeMB: +MB(before), numbers: dir.size };
}

function runChild(scenario: string, file: string, snapshot: string): ScaleFigures {
  const out = execFileSync(process.execPath, ['--expose-gc', __filename, '--scenario', scenario, file, snapshot], {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  });
  return JSON.parse(out.trim().split('\n').pop()!) as ScaleFigures;
}

// ---------------------------------------------------------------------------------------

function machine(): string {
  let model = cpus()[0]?.model ?? 'unknown';
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) model = m[1]!.trim();
  } catch {
    // not Linux: os.cpus() is good enough
  }
  let nproc = String(cpus().length);
  try {
    nproc = execFileSync('nproc', { encoding: 'utf8' }).trim();
  } catch {
    // no coreutils
  }
  return `nproc ${nproc}, ${model}, node ${process.version}`;
}

function main(): void {
  const args = process.argv.slice(2);
  if (args[0] === '--generate') {
    // For profiling: node dist/bench/engine.js --generate DIR, then
    // node --cpu-prof --expose-gc dist/bench/engine.js --scenario load DIR/after-hours.yaml DIR/parsed.json
    mkdirSync(args[1]!, { recursive: true });
    process.stdout.write(`${generateConfig(args[1]!)}\n`);
    return;
  }
  if (args[0] === '--scenario') {
    process.stdout.write(`${JSON.stringify(scaleScenario(args[1] as 'load' | 'compile', args[2]!, args[3]!))}\n`);
    return;
  }
  const pass = (ok: boolean) => (ok ? 'yes' : 'NO');
  process.stdout.write(`Schedule engine benchmark\nmachine: ${machine()}\n\n`);

  process.stdout.write('1. Warm decision, Warsaw office of config/after-hours.yaml, 1e6 random instants over a year\n');
  process.stdout.write(
    '| call | per call, median | per call, p99 | batches of 1000: median per call | batches: p99 per call | < 1 µs median |\n|---|---|---|---|---|---|\n',
  );
  for (const f of warmDecision()) {
    const ns = (x: number) => `${x.toFixed(0)} ns`;
    process.stdout.write(
      `| ${f.name} | ${ns(f.perCallMedianNs)} | ${ns(f.perCallP99Ns)} | ${ns(f.batchMedianNs)} | ${ns(f.batchP99Ns)} | ${pass(f.batchMedianNs < 1000)} |\n`,
    );
  }

  const dir = mkdtempSync(join(tmpdir(), 'after-hours-bench-'));
  try {
    mkdirSync(dir, { recursive: true });
    const t0 = Date.now();
    const file = generateConfig(dir);
    const size = readFileSync(file).length;
    process.stdout.write(
      `\n2. ${NUMBERS.toLocaleString('en')} numbers (${ZONES.length} zones, ${HOURS.length} hour patterns, ${HOLIDAYS.length} holiday sets incl. PL/DE/ICS; YAML ${MB(size)} MB, generated in ${Date.now() - t0} ms)\n`,
    );
    process.stdout.write('| path | time | RSS after (gc) | heap used | < 2 s | < 200 MB |\n|---|---|---|---|---|---|\n');
    for (const scenario of ['load', 'compile'] as const) {
      const f = runChild(scenario, file, join(dir, 'parsed-config.json'));
      const label =
        scenario === 'load'
          ? 'YAML file → loadConfig → NumberDirectory (whole path)'
          : `parsed config → NumberDirectory (compile only; process RSS ${f.rssBeforeMB} MB before)`;
      process.stdout.write(
        `| ${label} | ${(f.ms / 1000).toFixed(2)} s | ${f.rssMB} MB | ${f.heapMB} MB | ${pass(f.ms < 2000)} | ${pass(f.rssMB < 200)} |\n`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main();
