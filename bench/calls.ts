// Call set-up benchmark (issue 6): `npm run bench:calls` (= npm run build && node dist/bench/calls.js).
//
// On one Asterisk (its own stack on bench ports, started and stopped here), calls to three
// targets are interleaved one by one, so they share the same machine state:
//   dialplan   *9<digits>  GotoIfTime(...) then Hangup(17): 486 from the dialplan alone
//   bare app   *8<digits>  Stasis(bare-bench): bench/bareApp.ts, ari-client, channel.hangup busy
//   after-hours +48…       Stasis(after-hours): the daemon (dist/src/cli/main.js start) with a
//                          realistic config (1,000 numbers, holidays, an ICS file, overrides
//                          in Redis) rejecting closed numbers with 486
// The caller is bench/sipCaller.ts (UDP, process.hrtime.bigint()): INVITE sent → final
// response received. Per rate: p50/p90/p99/max in µs, failed calls (anything but 486 in
// the time-out), CPU time per call of every process (/proc/PID/stat utime+stime) and peak
// RSS (VmHWM). Then a memory run at a moderate rate, and the highest rate each target
// sustains alone for 30 s with no failed call (stepping up).
//
// Options (all optional):
//   --rates 25,100,400        offered rates, calls/s in total (the three targets share it)
//   --seconds 30              seconds per rate (at least 600 calls per rate)
//   --memory-seconds 300      memory run (0: skip)   --memory-rate 100
//   --sustain-seconds 30      per step (0: skip the search)
//   --sustain-steps 300,500,700,900,1100,1300,1500
//   --profile                 run the daemon with --cpu-prof (profile in the run dir)
//   --json FILE               also write every figure as JSON
//   --bare-rest own           diagnostic: the bare app rejects through src/ari/rest.ts
//   --daemon-cli FILE         diagnostic: another build of the daemon (A/B of a change)
//   --daemon-env K=V[,K=V]    more environment for the daemon (e.g. ARI_REST_CLIENT=own)
//   --daemon-b-env K=V[,K=V]  A/B in one run: a second daemon (app after-hours-b, dialled as
//                             *7<digits>) with this environment becomes a fourth target,
//                             interleaved call by call with the others, e.g.
//                             --daemon-env ARI_REST_CLIENT=own --daemon-b-env ARI_REST_CLIENT=agent
//   --daemon-b-node CMD       the second daemon runs under this node command instead of this
//                             process's node (also without --daemon-b-env), words split on
//                             spaces, e.g. --daemon-b-node "scripts/stack node24 --" (Debian
//                             sid's Node 24 in the stack's root) or a path to another node
//   --daemon-node CMD         the same for the first daemon (to swap A and B between runs)
//   --open                    the OPEN path instead (issue 23): open numbers, and normal routing
//                             rings the office (bench/sipUas.ts, busy: 486 at once), interleaved:
//                               dialplan     *6<digits>  GotoIfTime("always open"), then normal routing
//                               bare app     *5<digits>  Stasis(bare-bench,<DID>,open): continue-in-dialplan
//                               after-hours  +48…        the open fast path (OPEN_FAST_PATH=on): no Stasis
//                               after-hours-b *7<digits> the daemon without it (OPEN_FAST_PATH=off): Stasis,
//                                            continue-in-dialplan
//                               dialplan-again *4<digits> the same lines as *6: the A/A pair whose
//                                            difference is the run's own noise
//                             The goal: after-hours within 5 % of the dialplan at p50 and p99.
// Environment: AH_BENCH_STACK_DIR (/tmp/ah-bench-stack), AH_BENCH_SIP_PORT (5160),
// AH_BENCH_ARI_PORT (8188), AH_BENCH_REDIS_PORT (6490), AH_BENCH_TRUNK_PORT (5170),
// AH_BENCH_OFFICE_PORT (5180), AH_BENCH_RTP_START/END (12000/12999), AH_BENCH_ARI_TLS_PORT
// (8189): never the test stack's.
import { freeTcpPort } from '../test/support/daemon';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Redis } from 'ioredis';
import { loadConfig } from '../src/config/load';
import { decide } from '../src/schedule/decide';
import { NumberDirectory } from '../src/schedule/directory';
import type { Override } from '../src/schedule/types';
import { setOverride } from '../src/store/overrideStore';
import { SipCaller, type CallResult } from './sipCaller';
import { startSipUas } from './sipUas';

const ROOT = resolve(__dirname, '..', '..');
const STACK = join(ROOT, 'scripts', 'stack');
const CLI = join(ROOT, 'dist', 'src', 'cli', 'main.js');
const BARE = join(ROOT, 'dist', 'bench', 'bareApp.js');
const ICS = join(ROOT, 'config', 'holidays.ics');

// ------------------------------------------------------------------ options
function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? undefined : process.argv[i + 1];
}
const flag = (name: string) => process.argv.includes(`--${name}`);
const nums = (s: string) =>
  s
    .split(',')
    .map((x) => Number(x.trim()))
    .filter((x) => x > 0);
const opts = {
  rates: nums(arg('rates') ?? '25,100,400'),
  seconds: Number(arg('seconds') ?? 30),
  memorySeconds: Number(arg('memory-seconds') ?? 300),
  memoryRate: Number(arg('memory-rate') ?? 100),
  sustainSeconds: Number(arg('sustain-seconds') ?? 30),
  sustainSteps: nums(arg('sustain-steps') ?? '300,500,700,900,1100,1300,1500'),
  profile: flag('profile'),
  json: arg('json'),
  bareRest: arg('bare-rest'),
  daemonCli: arg('daemon-cli'),
  daemonEnv: envPairs(arg('daemon-env')),
  daemonBEnv: arg('daemon-b-env') === undefined && arg('daemon-b-node') === undefined ? undefined : envPairs(arg('daemon-b-env')),
  daemonBNode: arg('daemon-b-node')?.split(' ').filter(Boolean),
  daemonNode: arg('daemon-node')?.split(' ').filter(Boolean),
  open: flag('open'),
};
// The open path compares the daemon with and without the fast path: the second daemon is always there.
if (opts.open) {
  opts.daemonEnv = { OPEN_FAST_PATH: 'on', ...opts.daemonEnv };
  opts.daemonBEnv = { OPEN_FAST_PATH: 'off', ...opts.daemonBEnv };
}
/** The node command a daemon runs under ([] = this process's node) and its `--version`. */
function nodeCommand(cmd: string[] | undefined): { argv: string[]; version: string } {
  if (!cmd?.length) return { argv: [process.execPath], version: process.version };
  const r = spawnSync(cmd[0]!, [...cmd.slice(1), '--version'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`node command "${cmd.join(' ')}" --version failed (${r.status ?? r.error?.message}): ${r.stderr}`);
  return { argv: cmd, version: r.stdout.trim() };
}
const daemonNode = nodeCommand(opts.daemonNode);
const daemonBNode = opts.daemonBEnv ? nodeCommand(opts.daemonBNode) : undefined;
function envPairs(s: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const kv of (s ?? '').split(',').filter(Boolean)) {
    const i = kv.indexOf('=');
    if (i <= 0) throw new Error(`--daemon-env / --daemon-b-env take K=V pairs, got "${kv}"`);
    out[kv.slice(0, i)] = kv.slice(i + 1);
  }
  return out;
}

const envPort = (name: string, fallback: number) => Number(process.env[name] || fallback);
const stackEnv: Record<string, string> = {
  AH_STACK_DIR: process.env.AH_BENCH_STACK_DIR || '/tmp/ah-bench-stack',
  AH_SIP_PORT: String(envPort('AH_BENCH_SIP_PORT', 5160)),
  AH_ARI_PORT: String(envPort('AH_BENCH_ARI_PORT', 8188)),
  AH_ARI_TLS_PORT: String(envPort('AH_BENCH_ARI_TLS_PORT', 8189)),
  AH_REDIS_PORT: String(envPort('AH_BENCH_REDIS_PORT', 6490)),
  AH_TRUNK_PORT: String(envPort('AH_BENCH_TRUNK_PORT', 5170)),
  AH_OFFICE_PORT: String(envPort('AH_BENCH_OFFICE_PORT', 5180)),
  AH_RTP_START: String(envPort('AH_BENCH_RTP_START', 12000)),
  AH_RTP_END: String(envPort('AH_BENCH_RTP_END', 12999)),
  AH_ARI_USER: 'after-hours',
  AH_ARI_PASSWORD: 'after-hours',
};
const TEST_DEFAULTS = {
  AH_SIP_PORT: '5060',
  AH_ARI_PORT: '8088',
  AH_ARI_TLS_PORT: '8089',
  AH_REDIS_PORT: '6390',
  AH_TRUNK_PORT: '5070',
  AH_OFFICE_PORT: '5080',
} as const;
for (const [k, v] of Object.entries(TEST_DEFAULTS)) {
  if (stackEnv[k] === v) throw new Error(`${k} ${v} is the test stack's port: the benchmark runs its own stack on other ports`);
}
const ariUrl = `http://127.0.0.1:${stackEnv.AH_ARI_PORT}`;
const redisUrl = `redis://127.0.0.1:${stackEnv.AH_REDIS_PORT}`;
const sipPort = Number(stackEnv.AH_SIP_PORT);

const log = (msg: string) => process.stderr.write(`bench: ${msg}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ------------------------------------------------------------------ processes we start
const children = new Set<ChildProcess>();
let stackStarted = false;
let cleaning: Promise<void> | undefined;

function stack(cmd: 'up' | 'down' | 'status'): { code: number; out: string } {
  const r = spawnSync(STACK, [cmd], { env: { ...process.env, ...stackEnv }, encoding: 'utf8' });
  return { code: r.status ?? 1, out: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}

async function stopChild(p: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return;
  const exited = new Promise<void>((r) => p.once('exit', () => r()));
  p.kill(signal);
  const t = setTimeout(() => p.kill('SIGKILL'), 12_000);
  await exited;
  clearTimeout(t);
}

function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    for (const p of children) await stopChild(p).catch(() => undefined);
    if (stackStarted) {
      log('stopping the bench stack');
      const r = stack('down');
      if (r.code !== 0) log(r.out);
    }
  })();
  return cleaning;
}
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    log(`${sig}: cleaning up`);
    void cleanup().finally(() => process.exit(130));
  });
}

// ------------------------------------------------------------------ /proc
const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

/** utime + stime of the whole process (all threads), in ms. */
function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // after "pid (comm) ": state is f[0]; utime is field 14 → f[11], stime 15 → f[12]
  return ((Number(f[11]) + Number(f[12])) * 1000) / CLK_TCK;
}
function statusKb(pid: number, key: 'VmHWM' | 'VmRSS'): number {
  const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : 0;
}
/** Machine-wide busy and total jiffies (for CPU utilisation). */
function machineJiffies(): { busy: number; total: number } {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = f.reduce((a, b) => a + b, 0);
  const idle = (f[3] ?? 0) + (f[4] ?? 0);
  return { busy: total - idle, total };
}

interface Proc {
  name: string;
  pid: number;
}
type CpuSnap = Record<string, number>;
const snapCpu = (procs: Proc[]): CpuSnap => Object.fromEntries(procs.map((p) => [p.name, cpuMs(p.pid)]));

// ------------------------------------------------------------------ configuration
const ZONES = [
  'Europe/Warsaw',
  'Europe/Warsaw',
  'Europe/Warsaw',
  'Europe/Berlin',
  'Europe/London',
  'America/New_York',
  'America/Los_Angeles',
  'Asia/Tokyo',
  'Australia/Sydney',
  'Asia/Kolkata',
];
const HOURS = [
  '{ mon-fri: "08:00-16:00" }',
  '{ mon-thu: ["08:00-12:00", "13:00-17:00"], fri: "08:00-14:00" }',
  '{ mon-fri: "09:00-17:00", sat: "10:00-14:00" }',
  '{ mon-thu: ["07:30-15:30"], fri: ["07:30-12:00", "22:00-06:00"] }',
];

function did(i: number): string {
  return `+4822${2000000 + i}`; // Warsaw fixed-line numbers, 22 2xx xx xx
}

/** 1,000 numbers: four hour patterns, ten zones, country holidays (PL, some DE/BE), dates, yearly dates, ranges, an ICS file; mostly hang-up, some voicemail and forward. */
function configYaml(n: number): string {
  const year = new Date().getUTCFullYear();
  const lines = [
    '# Generated by bench/calls.ts: a realistic after-hours configuration.',
    'defaults:',
    '  region: PL',
    '  timezone: Europe/Warsaw',
    '  hours: { mon-fri: "09:00-17:00" }',
    '  daysOff: [sat, sun]',
    '  holidays: [{ country: PL }]',
    '  afterHours: { action: hangup, hangup: { cause: busy } }',
    'forwarding: { endpoint: "PJSIP/{number}@trunk", allowCountries: [PL, DE] }',
    'numbers:',
  ];
  for (let i = 0; i < n; i++) {
    const holidays = [
      i % 7 === 3 ? '{ country: DE, state: BE }' : '{ country: PL }',
      `"${year}-12-24"`,
      '"12-31"',
      `"${year}-08-10..${year}-08-14"`,
      ...(i % 2 === 0 ? [`{ ics: "${ICS}" }`] : []),
      ...(i % 5 === 0 ? [`"${year + 1}-01-02..${year + 1}-01-05"`, '"05-02"'] : []),
    ];
    const action =
      i % 10 === 7
        ? '{ action: voicemail, voicemail: { maxSeconds: 120 } }'
        : i % 10 === 8
          ? '{ action: forward, forward: { to: "+48601234567", timeoutSeconds: 20, fallback: voicemail } }'
          : '{ action: hangup, hangup: { cause: busy } }';
    lines.push(
      `  - did: "${did(i)}"`,
      `    name: "Office ${i}"`,
      `    timezone: ${ZONES[i % ZONES.length]}`,
      `    hours: ${HOURS[i % HOURS.length]}`,
      ...(i % 3 === 0 ? ['    daysOff: [sun]'] : []),
      `    holidays: [${holidays.join(', ')}]`,
      `    afterHours: ${action}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

interface Targets {
  dids: string[];
  overrides: Array<{ did: string; o: Override }>;
  closedByOverride: number;
}

/** Overrides for 100 numbers (60 open, 40 closed, 3 h); the benchmark dials hang-up numbers closed now and for the next 2 h. */
function chooseTargets(configFile: string, now: number): Targets {
  const loaded = loadConfig(configFile, { now });
  if (!loaded.ok) throw new Error(`generated config invalid: ${JSON.stringify(loaded.errors.slice(0, 5))}`);
  const dir = new NumberDirectory(loaded.config, loaded.zones);
  const until = now + 3 * 3600_000;
  const overrides: Targets['overrides'] = [];
  const overrideOf = new Map<string, Override>();
  loaded.config.numbers.forEach((nc, i) => {
    if (i % 10 !== 1) return; // 100 numbers
    const o: Override = { state: i % 20 === 1 ? 'closed' : 'open', until, note: 'bench' };
    if (o.state === 'open' && overrides.filter((x) => x.o.state === 'open').length >= 60) o.state = 'closed';
    overrides.push({ did: nc.did, o });
    overrideOf.set(nc.did, o);
  });
  const dids: string[] = [];
  let closedByOverride = 0;
  for (const nc of loaded.config.numbers) {
    const p = nc.afterHours;
    if (!opts.open && (p.action !== 'hangup' || p.hangup.cause !== 'busy' || p.hangup.announcement)) continue;
    const entry = dir.get(nc.did)!;
    const d = decide(entry.schedule, overrideOf.get(nc.did), now);
    if (d.open !== opts.open) continue;
    if (d.nextChange !== null && d.nextChange < now + 2 * 3600_000) continue;
    dids.push(nc.did);
    if (d.reason === 'override') closedByOverride++; // (open by one, with --open)
  }
  if (dids.length < 20)
    throw new Error(`only ${dids.length} numbers are ${opts.open ? 'open' : 'closed'} now; the benchmark needs at least 20`);
  return { dids: dids.slice(0, 300), overrides, closedByOverride };
}

// ------------------------------------------------------------------ load
type TargetName = 'dialplan' | 'bare' | 'after-hours' | 'dialplan-again' | 'after-hours-b';
// --open also dials the plain dialplan a second time (*4<digits>, the same lines as *6): an A/A
// pair whose difference is the run's own noise, the yardstick for "within 5 %".
const TARGETS: TargetName[] = [
  'dialplan',
  'bare',
  'after-hours',
  ...(opts.open ? (['dialplan-again'] as const) : []),
  ...(opts.daemonBEnv ? (['after-hours-b'] as const) : []),
];
/** The after-hours daemons among the targets (one, or two in an A/B run). */
const DAEMONS = TARGETS.filter((t): t is 'after-hours' | 'after-hours-b' => t.startsWith('after-hours'));

interface Sample {
  target: TargetName;
  r: CallResult;
}

interface LoadRun {
  samples: Sample[];
  seconds: number;
  offered: number;
  aborted: boolean;
  cpu: Record<string, number>; // ms per process over the run
  machineBusy: number; // fraction of all cores
}

/**
 * Offers `rate` calls/s for `seconds`, open loop, cycling through `targets` one call at a
 * time. With `stopOnFailure`, stops offering at the first failed call.
 */
async function load(
  caller: SipCaller,
  dial: (t: TargetName, k: number) => string,
  targets: TargetName[],
  rate: number,
  seconds: number,
  procs: Proc[],
  stopOnFailure = false,
): Promise<LoadRun> {
  const total = Math.round(rate * seconds);
  const samples: Sample[] = [];
  const waits: Promise<void>[] = [];
  let aborted = false;
  const cpu0 = snapCpu(procs);
  const m0 = machineJiffies();
  const t0 = process.hrtime.bigint();
  const periodNs = 1e9 / rate;
  let sent = 0;
  await new Promise<void>((done) => {
    const tick = () => {
      const elapsed = Number(process.hrtime.bigint() - t0);
      const due = Math.min(total, Math.floor(elapsed / periodNs) + 1);
      while (sent < due && !aborted) {
        const k = sent++;
        const target = targets[k % targets.length]!;
        waits.push(
          caller.call(dial(target, Math.floor(k / targets.length))).then((r) => {
            samples.push({ target, r });
            if (stopOnFailure && r.status !== 486) aborted = true;
          }),
        );
      }
      if (sent >= total || aborted) done();
      else setTimeout(tick, Math.max(0, Math.min(5, (sent * periodNs - elapsed) / 1e6)));
    };
    tick();
  });
  const seconds_ = Number(process.hrtime.bigint() - t0) / 1e9;
  await Promise.all(waits);
  const cpu1 = snapCpu(procs);
  const m1 = machineJiffies();
  const cpu = Object.fromEntries(procs.map((p) => [p.name, cpu1[p.name]! - cpu0[p.name]!]));
  return { samples, seconds: seconds_, offered: sent, aborted, cpu, machineBusy: (m1.busy - m0.busy) / Math.max(1, m1.total - m0.total) };
}

interface Stats {
  n: number;
  failed: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
  statuses: Record<string, number>;
}

function stats(results: CallResult[]): Stats {
  const ok = results
    .filter((r) => r.status === 486)
    .map((r) => r.latencyUs)
    .sort((a, b) => a - b);
  const q = (p: number) => (ok.length ? ok[Math.min(ok.length - 1, Math.ceil(p * ok.length) - 1)]! : NaN);
  const statuses: Record<string, number> = {};
  for (const r of results)
    statuses[r.status === 0 ? (r.error ?? 'none') : String(r.status)] =
      (statuses[r.status === 0 ? (r.error ?? 'none') : String(r.status)] ?? 0) + 1;
  return {
    n: results.length,
    failed: results.length - ok.length,
    p50: q(0.5),
    p90: q(0.9),
    p99: q(0.99),
    max: ok.length ? ok[ok.length - 1]! : NaN,
    mean: ok.length ? ok.reduce((a, b) => a + b, 0) / ok.length : NaN,
    statuses,
  };
}

// ------------------------------------------------------------------ formatting
const us = (x: number) => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : '–');
const f2 = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : '–');
const mb = (kb: number) => (kb / 1024).toFixed(1);
function table(head: string[], rows: string[][]): string {
  const out = [`| ${head.join(' | ')} |`, `|${head.map((h, i) => (i === 0 ? '---' : '---:')).join('|')}|`];
  for (const r of rows) out.push(`| ${r.join(' | ')} |`);
  return out.join('\n');
}

// ------------------------------------------------------------------ main
async function main(): Promise<void> {
  const wall0 = Date.now();
  const loadBefore = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  const runDir = mkdtempSync(join(tmpdir(), 'ah-bench-calls-'));
  log(`run dir ${runDir}; stack ${stackEnv.AH_STACK_DIR} (SIP ${sipPort}, ARI ${stackEnv.AH_ARI_PORT}, Redis ${stackEnv.AH_REDIS_PORT})`);

  // --- the stack
  if (stack('status').code === 0) {
    log('the bench stack is already up: using it, and leaving it up');
  } else {
    stackStarted = true;
    const r = stack('up');
    if (r.code !== 0) throw new Error(`scripts/stack up failed:\n${r.out}`);
    log(r.out.trim().split('\n').pop() ?? 'stack up');
  }
  const pidOf = (name: string) => Number(readFileSync(join(stackEnv.AH_STACK_DIR!, `${name}.pid`), 'utf8').trim());
  const asteriskPid = pidOf('asterisk');
  const redisPid = pidOf('redis');
  const asteriskVersion =
    spawnSync(STACK, ['status'], { env: { ...process.env, ...stackEnv }, encoding: 'utf8' }).stdout.match(/: Asterisk (\S+)/)?.[1] ?? '?';

  // --- configuration, overrides
  const now = Date.now();
  const cfgDir = join(runDir, 'config');
  mkdirSync(cfgDir);
  const configFile = join(cfgDir, 'after-hours.yaml');
  writeFileSync(configFile, configYaml(1000));
  const targets = chooseTargets(configFile, now);
  const prefix = `bench:${process.pid}:`;
  const redis = new Redis(redisUrl, { lazyConnect: false });
  for (const { did: d, o } of targets.overrides)
    await setOverride(redis, prefix, { did: d, ...o, setAt: now }, { actor: 'bench', door: 'cli', from: 'bench' });
  log(
    `config: 1000 numbers, ${targets.overrides.length} overrides; dialling ${targets.dids.length} ${opts.open ? 'open' : 'closed hang-up'} numbers (${targets.closedByOverride} ${opts.open ? 'open' : 'closed'} by an override)`,
  );
  // The open path's normal routing rings the office: a busy one answers 486 at once.
  const office = opts.open ? await startSipUas(Number(stackEnv.AH_OFFICE_PORT), { busy: true }) : undefined;

  // --- the daemon and the bare app
  const metricsPort = await freeTcpPort();
  const profDir = join(runDir, 'cpu-prof');
  const startDaemon = (app: string, extraEnv: Record<string, string>, port: number, spool: string, node = [process.execPath]) => {
    // a wrapper such as `scripts/stack node24 --` execs node in place: child.pid is node's
    const child = spawn(
      node[0]!,
      [
        ...node.slice(1),
        ...(opts.profile ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : []),
        opts.daemonCli ? resolve(opts.daemonCli) : CLI,
        'start',
        '--config',
        configFile,
      ],
      {
        env: {
          ...process.env,
          ARI_URL: ariUrl,
          ARI_USER: stackEnv.AH_ARI_USER,
          ARI_PASSWORD: stackEnv.AH_ARI_PASSWORD,
          ARI_APP: app,
          REDIS_URL: redisUrl,
          REDIS_PREFIX: prefix,
          METRICS_PORT: String(port),
          // /decision on the metrics listener (the probe below asks it there)
          METRICS_HOST: '127.0.0.1',
          DECISION_HOST: '127.0.0.1',
          DECISION_PORT: String(port),
          SPOOL_DIR: join(runDir, spool),
          LOG_LEVEL: 'warn',
          ...extraEnv,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    children.add(child);
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-20_000)));
    child.stderr!.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-20_000)));
    const healthy = async () => {
      for (let i = 0; i < 300; i++) {
        if (child.exitCode !== null) throw new Error(`daemon ${app} exited ${child.exitCode}: ${out}`);
        try {
          const r = await fetch(`http://127.0.0.1:${port}/healthz`);
          if (r.status === 200) return;
        } catch {
          // not up yet
        }
        await sleep(100);
      }
      throw new Error(`daemon ${app} not healthy in 30 s: ${out}`);
    };
    return { child, healthy };
  };
  const a = startDaemon('after-hours', opts.daemonEnv, metricsPort, 'spool', daemonNode.argv);
  const daemon = a.child;
  const metricsPortB = await freeTcpPort();
  const b = opts.daemonBEnv ? startDaemon('after-hours-b', opts.daemonBEnv, metricsPortB, 'spool-b', daemonBNode?.argv) : undefined;
  const bare = spawn(process.execPath, [BARE], {
    env: {
      ...process.env,
      ARI_URL: ariUrl,
      ARI_USER: stackEnv.AH_ARI_USER,
      ARI_PASSWORD: stackEnv.AH_ARI_PASSWORD,
      ARI_APP: 'bare-bench',
      ...(opts.bareRest ? { BARE_REST: opts.bareRest } : {}),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(bare);
  let bareOut = '';
  const bareReady = new Promise<void>((res, rej) => {
    bare.stdout!.on('data', (d: Buffer) => {
      bareOut += d.toString();
      if (bareOut.includes('ready')) res();
    });
    bare.stderr!.on('data', (d: Buffer) => (bareOut += d.toString()));
    bare.once('exit', (c) => rej(new Error(`bare app exited ${c}: ${bareOut}`)));
  });
  await Promise.all([a.healthy(), b?.healthy(), bareReady]);
  // Overrides are read at start; make sure the daemon has them.
  const probe = await (await fetch(`http://127.0.0.1:${metricsPort}/decision?did=${encodeURIComponent(targets.dids[0]!)}`)).json();
  log(`daemon (pid ${daemon.pid}) and bare app (pid ${bare.pid}) ready; ${targets.dids[0]}: ${JSON.stringify(probe)}`);

  const procs: Proc[] = [
    { name: 'asterisk', pid: asteriskPid },
    { name: 'after-hours', pid: daemon.pid! },
    ...(b ? [{ name: 'after-hours-b', pid: b.child.pid! }] : []),
    { name: 'bare', pid: bare.pid! },
    { name: 'redis', pid: redisPid },
    { name: 'caller', pid: process.pid },
  ];

  const rssAtStart = Object.fromEntries(procs.map((p) => [p.name, statusKb(p.pid, 'VmRSS')]));
  const caller = new SipCaller({ host: '127.0.0.1', port: sipPort, timeoutMs: 8000 });
  await caller.start();
  const dial = (t: TargetName, k: number): string => {
    const d = targets.dids[k % targets.dids.length]!;
    if (opts.open)
      return t === 'dialplan'
        ? `*6${d.slice(1)}`
        : t === 'dialplan-again'
          ? `*4${d.slice(1)}`
          : t === 'bare'
            ? `*5${d.slice(1)}`
            : t === 'after-hours-b'
              ? `*7${d.slice(1)}`
              : d;
    return t === 'dialplan' ? `*9${d.slice(1)}` : t === 'bare' ? `*8${d.slice(1)}` : t === 'after-hours-b' ? `*7${d.slice(1)}` : d;
  };
  /** Calls each daemon handled (after_hours_calls_total, all labels): with --open, the fast path's daemon should see none. */
  const handled = async (port: number): Promise<number> => {
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    let n = 0;
    for (const m of text.matchAll(/^after_hours_calls_total\{[^}]*\} (\S+)$/gm)) n += Number(m[1]);
    return n;
  };
  const handledAtStart = await handled(metricsPort);

  // --- sanity and warm-up
  for (const t of TARGETS) {
    const r = await caller.call(dial(t, 0));
    if (r.status !== 486) throw new Error(`${t}: expected 486, got ${r.status || r.error}`);
  }
  log('warm-up: 10 s at 50 calls/s');
  await load(caller, dial, TARGETS, 50, 10, procs);

  // --- 1. the rates, interleaved
  const rateRuns: Array<{ rate: number; run: LoadRun; by: Record<TargetName, Stats>; cpuPerCall: Record<string, number> }> = [];
  for (const rate of opts.rates) {
    const seconds = Math.max(opts.seconds, Math.ceil(600 / rate));
    log(`${rate} calls/s for ${seconds} s, interleaved`);
    const run = await load(caller, dial, TARGETS, rate, seconds, procs);
    const by = Object.fromEntries(TARGETS.map((t) => [t, stats(run.samples.filter((s) => s.target === t).map((s) => s.r))])) as Record<
      TargetName,
      Stats
    >;
    const n = run.samples.length;
    const cpuPerCall = {
      asterisk: run.cpu.asterisk! / n,
      'after-hours': run.cpu['after-hours']! / by['after-hours'].n,
      bare: run.cpu.bare! / by.bare.n,
      redis: run.cpu.redis! / (by['after-hours'].n + (by['after-hours-b']?.n ?? 0)),
      caller: run.cpu.caller! / n,
      ...(b ? { 'after-hours-b': run.cpu['after-hours-b']! / by['after-hours-b'].n } : {}),
    };
    rateRuns.push({ rate, run, by, cpuPerCall });
    log(`  p50 µs: ${TARGETS.map((t) => `${t} ${us(by[t].p50)}`).join(', ')}; failed ${TARGETS.map((t) => by[t].failed).join('/')}`);
    await sleep(2000);
  }
  const hwmAfterRates = Object.fromEntries(procs.map((p) => [p.name, statusKb(p.pid, 'VmHWM')]));

  // --- 2. memory over a longer run
  const memory: Array<{ t: number; rss: Record<string, number>; heapUsedMb?: number }> = [];
  let memoryRun: { by: Record<TargetName, Stats>; seconds: number } | undefined;
  if (opts.memorySeconds > 0) {
    log(`memory: ${opts.memorySeconds} s at ${opts.memoryRate} calls/s, interleaved`);
    const heap = async (): Promise<number | undefined> => {
      try {
        const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
        // nodejs_…: Node's default metrics lost the after_hours_ prefix; older builds (--daemon-cli) still have it
        const m = /^(?:after_hours_)?nodejs_heap_size_used_bytes (\S+)/m.exec(text);
        return m ? Number(m[1]) / 1048576 : undefined;
      } catch {
        return undefined;
      }
    };
    const t0 = Date.now();
    const sample = async () =>
      memory.push({
        t: (Date.now() - t0) / 1000,
        rss: Object.fromEntries(procs.map((p) => [p.name, statusKb(p.pid, 'VmRSS')])),
        heapUsedMb: await heap(),
      });
    await sample();
    const timer = setInterval(() => void sample(), 15_000);
    const run = await load(caller, dial, TARGETS, opts.memoryRate, opts.memorySeconds, procs);
    clearInterval(timer);
    await sample();
    memoryRun = {
      by: Object.fromEntries(TARGETS.map((t) => [t, stats(run.samples.filter((s) => s.target === t).map((s) => s.r))])) as Record<
        TargetName,
        Stats
      >,
      seconds: run.seconds,
    };
    await sleep(2000);
  }

  // --- 3. the highest rate each target sustains alone, with no failed call
  const sustain: Record<
    TargetName,
    Array<{
      rate: number;
      ok: boolean;
      by: Stats;
      achieved: number;
      cpuPct: Record<string, number>;
      machineBusy: number;
      asteriskCpuPerCallUs: number;
    }>
  > = { dialplan: [], bare: [], 'after-hours': [], 'dialplan-again': [], 'after-hours-b': [] };
  if (opts.sustainSeconds > 0) {
    for (const t of TARGETS) {
      for (const rate of opts.sustainSteps) {
        log(`sustain ${t}: ${rate} calls/s for ${opts.sustainSeconds} s`);
        const run = await load(caller, dial, [t], rate, opts.sustainSeconds, procs, true);
        const s = stats(run.samples.map((x) => x.r));
        const ok = !run.aborted && s.failed === 0;
        const cpuPct = Object.fromEntries(Object.entries(run.cpu).map(([k, v]) => [k, (100 * v) / (run.seconds * 1000)]));
        sustain[t].push({
          rate,
          ok,
          by: s,
          achieved: run.offered / run.seconds,
          cpuPct,
          machineBusy: run.machineBusy,
          asteriskCpuPerCallUs: (1000 * run.cpu.asterisk!) / Math.max(1, run.samples.length),
        });
        log(
          `  ${ok ? 'ok' : 'FAILED'}: p50 ${us(s.p50)} µs, p99 ${us(s.p99)} µs, failed ${s.failed} ${JSON.stringify(s.statuses)}; CPU % ${Object.entries(
            cpuPct,
          )
            .map(([k, v]) => `${k} ${v.toFixed(0)}`)
            .join(', ')}; machine ${(run.machineBusy * 100).toFixed(0)} %`,
        );
        // let Asterisk finish what is queued before the next step
        await sleep(ok ? 2000 : 8000);
        if (!ok) break;
      }
    }
  }
  const hwmEnd = Object.fromEntries(procs.map((p) => [p.name, statusKb(p.pid, 'VmHWM')]));
  const handledByA = (await handled(metricsPort)) - handledAtStart;
  const handledByB = b ? await handled(metricsPortB) : 0;
  office?.close();
  caller.close();
  redis.disconnect();

  // --- stop what we started, then report
  await cleanup();
  if (opts.profile) {
    const profs = (() => {
      try {
        return readdirSync(profDir).map((f) => join(profDir, f));
      } catch {
        return [];
      }
    })();
    log(`daemon CPU profile(s): ${profs.join(', ') || 'none written'}`);
  }

  // ------------------------------------------------------------------ report
  const machine = `${cpus().length} × ${cpus()[0]?.model ?? '?'} (nproc ${spawnSync('nproc', { encoding: 'utf8' }).stdout.trim()}), Node ${process.version}, Asterisk ${asteriskVersion}, ${process.platform} ${spawnSync('uname', ['-r'], { encoding: 'utf8' }).stdout.trim()}`;
  const out: string[] = [];
  out.push(
    `## Calls${opts.open ? ', open path' : ''}: results (${new Date().toISOString()})`,
    '',
    `Machine: ${machine}. Load average (1, 5, 15 min) before the run: ${loadBefore}; at the end: ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}.${opts.bareRest ? ` Bare app rejecting through: ${opts.bareRest} REST client (diagnostic).` : ''}${opts.daemonCli ? ` Daemon: ${opts.daemonCli} (diagnostic).` : ''}${Object.keys(opts.daemonEnv).length ? ` after-hours daemon environment: ${JSON.stringify(opts.daemonEnv)}.` : ''}${opts.daemonBEnv ? ` after-hours-b: a second daemon (app after-hours-b, *7<digits>) with ${JSON.stringify(opts.daemonBEnv)}, interleaved${opts.daemonBNode || opts.daemonNode ? `; after-hours-b on Node ${daemonBNode?.version}${opts.daemonBNode ? ` (\`${opts.daemonBNode.join(' ')}\`)` : ''}` : ''}.` : ''}${opts.daemonNode ? ` after-hours on Node ${daemonNode.version} (\`${opts.daemonNode.join(' ')}\`).` : ''}`,
    '',
  );
  out.push('### Call set-up latency: INVITE sent → final response (µs), targets interleaved one by one', '');
  const rows: string[][] = [];
  for (const { rate, run, by } of rateRuns) {
    for (const t of TARGETS) {
      const s = by[t];
      rows.push([`${rate}/s`, t, String(s.n), us(s.p50), us(s.p90), us(s.p99), us(s.max), String(s.failed)]);
    }
    void run;
  }
  out.push(table(['rate (all targets)', 'target', 'calls', 'p50', 'p90', 'p99', 'max', 'failed'], rows), '');
  if (opts.open) {
    out.push('### Open path: (daemon − dialplan) ÷ dialplan (goal for the fast path: ≤ 0.05 at p50 and p99)', '');
    out.push(
      table(
        ['rate', 'daemon', 'at p50', 'at p90', 'at p99', 'daemon over dialplan at p50 (µs)', 'at p99 (µs)'],
        rateRuns.flatMap(({ rate, by }) =>
          [...DAEMONS, 'bare' as const, 'dialplan-again' as const].map((d) => {
            const r = (k: 'p50' | 'p90' | 'p99') => (by[d][k] - by.dialplan[k]) / by.dialplan[k];
            return [
              `${rate}/s`,
              d === 'after-hours'
                ? 'after-hours (fast path)'
                : d === 'after-hours-b'
                  ? 'after-hours-b (no fast path)'
                  : d === 'bare'
                    ? 'bare app'
                    : 'dialplan again (A/A: the noise)',
              f2(r('p50')),
              f2(r('p90')),
              f2(r('p99')),
              us(by[d].p50 - by.dialplan.p50),
              us(by[d].p99 - by.dialplan.p99),
            ];
          }),
        ),
      ),
      '',
      `Calls the daemons handled over the whole run (after_hours_calls_total): after-hours (fast path) ${handledByA}, after-hours-b ${handledByB}.`,
      '',
    );
  }
  out.push('### Ratio (after-hours − dialplan) ÷ (bare app − dialplan)', '');
  out.push(
    table(
      ['rate', 'daemon', 'at p50', 'at p90', 'at p99', 'ARI cost of the bare app at p50 (µs)', 'daemon over dialplan at p50 (µs)'],
      rateRuns.flatMap(({ rate, by }) =>
        DAEMONS.map((d) => {
          const r = (k: 'p50' | 'p90' | 'p99') => (by[d][k] - by.dialplan[k]) / (by.bare[k] - by.dialplan[k]);
          return [
            `${rate}/s`,
            d,
            f2(r('p50')),
            f2(r('p90')),
            f2(r('p99')),
            us(by.bare.p50 - by.dialplan.p50),
            us(by[d].p50 - by.dialplan.p50),
          ];
        }),
      ),
    ),
    '',
  );
  out.push('### CPU time per call (µs; /proc/PID/stat utime+stime over the run)', '');
  out.push(
    'Asterisk: per call of any target (its share of the mix); after-hours and Redis: per after-hours call; bare app: per bare call; caller: per call.',
    '',
  );
  out.push(
    table(
      ['rate', 'Asterisk', ...DAEMONS.map((d) => `${d} daemon`), 'bare app', 'Redis', 'caller', 'machine busy'],
      rateRuns.map(({ rate, cpuPerCall, run }) => [
        `${rate}/s`,
        us(1000 * cpuPerCall.asterisk!),
        ...DAEMONS.map((d) => us(1000 * cpuPerCall[d]!)),
        us(1000 * cpuPerCall.bare!),
        us(1000 * cpuPerCall.redis!),
        us(1000 * cpuPerCall.caller!),
        `${(run.machineBusy * 100).toFixed(0)} %`,
      ]),
    ),
    '',
  );
  out.push('### Resident memory (MB)', '');
  out.push(
    table(
      ['process', 'VmRSS before the first call', 'VmHWM after the rates', 'VmHWM at the end'],
      procs.map((p) => [p.name, mb(rssAtStart[p.name]!), mb(hwmAfterRates[p.name]!), mb(hwmEnd[p.name]!)]),
    ),
    '',
  );
  if (memory.length) {
    out.push(`### Memory over ${opts.memorySeconds} s at ${opts.memoryRate} calls/s (VmRSS, MB)`, '');
    const pick =
      memory.length <= 8
        ? memory
        : [0, 1, 2, Math.floor(memory.length / 2), memory.length - 3, memory.length - 2, memory.length - 1].map((i) => memory[i]!);
    out.push(
      table(
        ['t (s)', 'Asterisk', 'after-hours', 'after-hours heap used', 'bare app', 'Redis'],
        pick.map((m) => [
          m.t.toFixed(0),
          mb(m.rss.asterisk!),
          mb(m.rss['after-hours']!),
          m.heapUsedMb === undefined ? '–' : m.heapUsedMb.toFixed(1),
          mb(m.rss.bare!),
          mb(m.rss.redis!),
        ]),
      ),
      '',
    );
    if (memoryRun)
      out.push(
        `Calls in the memory run: ${TARGETS.map((t) => `${t} ${memoryRun!.by[t].n} (failed ${memoryRun!.by[t].failed}, p50 ${us(memoryRun!.by[t].p50)} µs)`).join('; ')}.`,
        '',
      );
  }
  if (opts.sustainSeconds > 0) {
    out.push(`### Highest rate sustained alone for ${opts.sustainSeconds} s with no failed call`, '');
    const srows: string[][] = [];
    for (const t of TARGETS) {
      for (const s of sustain[t]) {
        srows.push([
          t,
          `${s.rate}/s`,
          s.ok
            ? 'ok'
            : `FAILED (${Object.entries(s.by.statuses)
                .filter(([k]) => k !== '486')
                .map(([k, v]) => `${v}× ${k}`)
                .join(', ')})`,
          us(s.by.p50),
          us(s.by.p99),
          us(s.by.max),
          s.cpuPct.asterisk!.toFixed(0),
          s.cpuPct[t === 'dialplan' || t === 'dialplan-again' ? 'asterisk' : t]!.toFixed(0),
          s.cpuPct.caller!.toFixed(0),
          (s.machineBusy * 100).toFixed(0),
          us(s.asteriskCpuPerCallUs),
        ]);
      }
    }
    out.push(
      table(
        [
          'target',
          'rate',
          'result',
          'p50 µs',
          'p99 µs',
          'max µs',
          'Asterisk CPU %',
          'app CPU %',
          'caller CPU %',
          'machine busy %',
          'Asterisk CPU µs/call',
        ],
        srows,
      ),
      '',
    );
    const best = (t: TargetName) => {
      const oks = sustain[t].filter((s) => s.ok);
      return oks.length ? oks[oks.length - 1]!.rate : 0;
    };
    out.push(
      `Sustained: ${TARGETS.map((t) => `${t} ${best(t)}/s${sustain[t].every((s) => s.ok) ? ' (every step passed)' : ''}`).join('; ')}.`,
      '',
    );
  }
  out.push(
    `Config: 1,000 numbers (4 hour patterns, 10 zones, PL/DE-BE public holidays, dates, yearly dates, ranges, ${ICS.replace(`${ROOT}/`, '')} on half of them), ${targets.overrides.length} overrides in Redis; ${targets.dids.length} ${opts.open ? 'open' : 'closed hang-up'} numbers dialled (${targets.closedByOverride} ${opts.open ? 'open' : 'closed'} by an override). Wall time ${((Date.now() - wall0) / 1000).toFixed(0)} s.`,
  );
  process.stdout.write(`${out.join('\n')}\n`);
  const json = {
    machine,
    opts,
    loadBefore,
    rssAtStart,
    rateRuns: rateRuns.map(({ rate, by, cpuPerCall, run }) => ({
      rate,
      by,
      cpuPerCall,
      seconds: run.seconds,
      machineBusy: run.machineBusy,
    })),
    hwmAfterRates,
    hwmEnd,
    memory,
    memoryRun,
    sustain,
    targets: { count: targets.dids.length, overrides: targets.overrides.length },
    handled: { 'after-hours': handledByA, 'after-hours-b': handledByB },
  };
  writeFileSync(join(runDir, 'results.json'), JSON.stringify(json, null, 1));
  if (opts.json) writeFileSync(opts.json, JSON.stringify(json, null, 1));
  log(`results: ${join(runDir, 'results.json')}`);
  if (!opts.profile) rmSync(join(runDir, 'spool'), { recursive: true, force: true });
}

main().then(
  () => process.exit(0),
  async (err: unknown) => {
    log(`failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    await cleanup();
    process.exit(1);
  },
);
