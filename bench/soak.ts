// Soak with faults (issue 13): `npm run soak -- --minutes 30 --rate 100`.
//
// On a stack of its own (scripts/stack with other ports and run dir; never the test stack),
// SIP calls across every action (open → the office, hangup busy, hangup with an announcement,
// voicemail, forward, a dialplan destination) are placed at a steady rate with
// bench/sipCaller.ts, each from its own caller number (so its event can be found), while a
// fault injector, at random times it logs, in rounds of every kind:
//   ari-cut           resets the daemon's ARI connections (a TCP proxy between daemon and Asterisk)
//   asterisk-restart  stops Asterisk and starts it again (calls in it at that moment are cut)
//   redis-restart     SIGKILLs Redis (AOF on) and starts it again; with --sentinel: kills the
//                     primary, waits for the sentinels to promote the replica, then starts the
//                     killed node again as a replica (so every redis-restart is a failover)
//   worker-kill       SIGKILLs one CRM worker; the soak's supervisor starts it again
//   spool-full        fills the spool's disk (a small tmpfs mounted for the daemon only, with
//                     unshare -m; needs root, else skipped with the reason) for a while
// Then it drains (every event handled by the workers) and reports calls placed / decided /
// sent to fallback / failed, events emitted / delivered / doubled / dead, the time to recover
// after each fault, the daemon's RSS over time, and writes a JSON file and an SVG plot.
//
// Options: --minutes 3  --rate 20 (calls/s)  --workers 2  --sentinel  --seed N
//          --warmup-minutes (default: a fifth of the run, at most 5)
//          --out bench/results/soak (writes soak.json and soak.svg there)
// Environment: AH_SOAK_STACK_DIR (/tmp/ah-soak-stack) and AH_SOAK_{SIP,ARI,ARI_TLS,REDIS,
// TRUNK,OFFICE}_PORT (5360, 8388, 8389, 6690, 5370, 5380), AH_SOAK_RTP_START/END
// (14000/15999), AH_SOAK_DATA_REDIS_PORT (6691, the Redis after-hours uses, with AOF).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  unlinkSync,
  writeFileSync,
  openSync,
  writeSync,
  closeSync,
} from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { Redis } from 'ioredis';
import { freeTcpPort } from '../test/support/daemon';
import { FakeBitrix24 } from '../test/support/fakeBitrix24';
import { startSentinelSet, type SentinelSet } from '../test/support/redisSentinel';
import { startTcpProxy, type TcpProxy } from '../test/support/tcpProxy';
import { SipCaller, type CallResult } from './sipCaller';
import { soakSvg, type FaultMark, type LatencyBucket, type RssSample } from './soakPlot';
import { startSipUas, type SipUas } from './sipUas';

const ROOT = resolve(__dirname, '..', '..');
const STACK = join(ROOT, 'scripts', 'stack');
const CLI = join(ROOT, 'dist', 'src', 'cli', 'main.js');

// ------------------------------------------------------------------ options
function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? undefined : process.argv[i + 1];
}
const minutes = Number(arg('minutes') ?? 3);
const rate = Number(arg('rate') ?? 20);
const workerCount = Number(arg('workers') ?? 2);
/** CRM_CONCURRENCY of each worker process. */
const workerConcurrency = Number(arg('worker-concurrency') ?? 4);
const useSentinel = process.argv.includes('--sentinel');
const warmupSeconds = Number(arg('warmup-minutes') ?? Math.min(5, minutes / 5)) * 60;
const outBase = resolve(arg('out') ?? join(ROOT, 'bench', 'results', 'soak'));
let seed = Number(arg('seed') ?? Date.now() % 1_000_000);
if (!(minutes > 0) || !(rate > 0) || !(workerCount >= 1) || !(workerConcurrency >= 1)) {
  console.error(
    'usage: soak [--minutes M] [--rate CALLS_PER_S] [--workers N] [--worker-concurrency N] [--sentinel] [--seed N] [--out PATH]',
  );
  process.exit(2);
}
const runSeed = seed;
/** mulberry32: a seeded generator, so a run's fault times can be repeated with --seed. */
function random(): number {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

function envPort(name: string, fallback: number): string {
  return process.env[name] || String(fallback);
}
const stackEnv: Record<string, string> = {
  AH_STACK_DIR: process.env.AH_SOAK_STACK_DIR || '/tmp/ah-soak-stack',
  AH_STACK_BACKEND: 'chroot',
  AH_SIP_PORT: envPort('AH_SOAK_SIP_PORT', 5360),
  AH_ARI_PORT: envPort('AH_SOAK_ARI_PORT', 8388),
  AH_ARI_TLS_PORT: envPort('AH_SOAK_ARI_TLS_PORT', 8389),
  AH_REDIS_PORT: envPort('AH_SOAK_REDIS_PORT', 6690),
  AH_TRUNK_PORT: envPort('AH_SOAK_TRUNK_PORT', 5370),
  AH_OFFICE_PORT: envPort('AH_SOAK_OFFICE_PORT', 5380),
  AH_RTP_START: envPort('AH_SOAK_RTP_START', 14000),
  AH_RTP_END: envPort('AH_SOAK_RTP_END', 15999),
  AH_ARI_USER: 'after-hours',
  AH_ARI_PASSWORD: 'after-hours',
};
for (const [k, v] of Object.entries({ AH_SIP_PORT: '5060', AH_ARI_PORT: '8088', AH_ARI_TLS_PORT: '8089', AH_REDIS_PORT: '6390' }))
  if (stackEnv[k] === v) throw new Error(`${k} ${v} is the test stack's port: the soak runs its own stack on other ports`);
/** A call without a final answer for this long failed (long enough to ride out an Asterisk restart). */
const CALL_TIMEOUT_MS = 40_000;
const dataRedisPort = Number(envPort('AH_SOAK_DATA_REDIS_PORT', 6691));
const runDir = join(stackEnv.AH_STACK_DIR!, 'soak');
const t0 = Date.now();
const secs = (at = Date.now()) => (at - t0) / 1000;
const log = (msg: string) => process.stdout.write(`[soak ${secs().toFixed(1).padStart(7)} s] ${msg}\n`);
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function until(fn: () => Promise<boolean> | boolean, timeoutMs: number, everyMs = 100): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await fn()) return true;
    } catch {
      /* not yet */
    }
    if (Date.now() >= end) return false;
    await sleep(everyMs);
  }
}

/** scripts/stack without blocking the event loop (the caller keeps placing calls meanwhile). */
function stackAsync(verb: 'up' | 'down'): Promise<void> {
  return new Promise((resolveUp, reject) => {
    const p = spawn(STACK, [verb], { env: { ...process.env, ...stackEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (out += d.toString()));
    p.once('exit', (code) => (code === 0 ? resolveUp() : reject(new Error(`scripts/stack ${verb} failed:\n${out}`))));
  });
}

function stack(verb: 'up' | 'down'): void {
  const r = spawnSync(STACK, [verb], { env: { ...process.env, ...stackEnv }, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`scripts/stack ${verb} failed:\n${r.stderr}${r.stdout}`);
}

// ------------------------------------------------------------------ the numbers
type Category = 'open' | 'busy' | 'announce' | 'voicemail' | 'forward' | 'dialplan';
const CATEGORIES: Category[] = ['open', 'busy', 'announce', 'voicemail', 'forward', 'dialplan'];
const PER_CATEGORY = 10;
const dids = new Map<Category, string[]>();
const categoryOfDid = new Map<string, Category>();
let didSeq = 0;
for (const c of CATEGORIES) {
  const list: string[] = [];
  for (let i = 0; i < PER_CATEGORY; i++) {
    const did = `+48223${String(1_000_000 + didSeq++).slice(1)}`; // +48 22 3xx xx xx, a Warsaw fixed-line range
    list.push(did);
    categoryOfDid.set(did, c);
  }
  dids.set(c, list);
}
const announcement = join(ROOT, 'sounds', 'closed.wav');
const greeting = join(ROOT, 'sounds', 'after-hours-greeting.wav');
function configYaml(): string {
  const lines = [
    'defaults:',
    '  region: PL',
    '  timezone: Europe/Warsaw',
    // notify only (no look-up): one request per event; the busy numbers also look the caller up,
    // create a lead and register the call (register + finish: the steps that must never double)
    '  crm: { lookup: false, unknownCaller: offer, queue: [7], notify: first, language: en }',
    'forwarding: { endpoint: "PJSIP/{number}@trunk" }',
    'numbers:',
  ];
  for (const [c, list] of dids)
    for (const did of list) {
      const action = {
        open: 'hours: "00:00-24:00", afterHours: { action: hangup }',
        busy: 'hours: {}, afterHours: { action: hangup, hangup: { cause: busy } }, crm: { lookup: true, unknownCaller: lead, queue: [7] }',
        announce: `hours: {}, afterHours: { action: hangup, hangup: { cause: rejected, announcement: "${announcement}" } }`,
        voicemail: `hours: {}, afterHours: { action: voicemail, voicemail: { greeting: "${greeting}", maxSeconds: 10 } }`,
        forward: 'hours: {}, afterHours: { action: forward, forward: { to: "+48 601 999 000", timeoutSeconds: 10, fallback: voicemail } }',
        dialplan: 'hours: {}, afterHours: { action: dialplan, dialplan: { context: after-hours-test-destination, extension: ivr } }',
      }[c];
      lines.push(`  - { did: "${did}", name: "soak ${c}", ${action} }`);
    }
  return lines.join('\n') + '\n';
}
/** The final response each category's call gets when the daemon decided it. */
const expectedStatus: Record<Category, number> = { open: 200, busy: 486, announce: 403, voicemail: 200, forward: 200, dialplan: 484 };

// ------------------------------------------------------------------ processes
interface Proc {
  proc: ChildProcess;
  pid: number;
}
const children = new Set<ChildProcess>();
process.once('exit', () => {
  for (const c of children) c.kill('SIGKILL');
});
function spawnLogged(cmd: string, args: string[], env: NodeJS.ProcessEnv, logFile: string): Proc {
  const out = createWriteStream(logFile, { flags: 'a' });
  const proc = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  proc.stdout?.pipe(out, { end: false });
  proc.stderr?.pipe(out, { end: false });
  children.add(proc);
  proc.once('exit', () => children.delete(proc));
  return { proc, pid: proc.pid ?? 0 };
}

async function httpJson<T>(url: string): Promise<T | undefined> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
    return (await res.json()) as T;
  } catch {
    return undefined;
  }
}
async function metricValue(port: number, name: string): Promise<number | undefined> {
  try {
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(2000) })).text();
    const m = new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+-]+)`, 'm').exec(text);
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

// ------------------------------------------------------------------ main
interface CallRecord {
  i: number;
  /** Placed at, ms since t0. */
  at: number;
  category: Category;
  did: string;
  caller: string;
  result?: CallResult;
  /** Scheduling lag of the caller: placed this much after its planned time. */
  lagMs: number;
}
type Verdict = 'decided' | 'fallback' | 'failed';
interface FaultRecord {
  kind: string;
  at: number;
  /** Seconds until the fault's own check said it was over (ARI registered, spool empty, worker up…). */
  recoveredAfterS?: number;
  note?: string;
  skipped?: string;
}

async function main(): Promise<void> {
  const isRoot = process.getuid?.() === 0;
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first (npm run soak does)`);
  rmSync(runDir, { recursive: true, force: true });
  mkdirSync(runDir, { recursive: true });
  log(
    `seed ${runSeed}; ${minutes} min at ${rate} calls/s, ${workerCount} CRM workers × ${workerConcurrency} consumers${useSentinel ? ', Redis Sentinel' : ''}; run dir ${runDir}`,
  );
  stack('up');
  log(`stack up (SIP ${stackEnv.AH_SIP_PORT}, ARI ${stackEnv.AH_ARI_PORT})`);
  const asteriskPidFile = join(stackEnv.AH_STACK_DIR!, 'asterisk.pid');

  // --- Redis: its own with AOF (a restart keeps the stream), or a Sentinel set
  let sentinel: SentinelSet | undefined;
  let redisProc: Proc | undefined;
  let redisEnv: Record<string, string>;
  const startRedis = async (): Promise<void> => {
    redisProc = spawnLogged(
      'redis-server',
      [
        '--port',
        String(dataRedisPort),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'yes',
        '--appendfsync',
        'everysec',
        '--dir',
        runDir,
      ],
      process.env,
      join(runDir, 'redis.log'),
    );
    const probe = new Redis(dataRedisPort, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    probe.on('error', () => undefined);
    const ok = await until(async () => {
      if (probe.status !== 'ready') await probe.connect().catch(() => undefined);
      return (await probe.ping()) === 'PONG';
    }, 20_000);
    probe.disconnect();
    if (!ok) throw new Error('redis-server did not answer');
  };
  if (useSentinel) {
    sentinel = await startSentinelSet();
    redisEnv = { ...sentinel.env };
  } else {
    await startRedis();
    redisEnv = { REDIS_URL: `redis://127.0.0.1:${dataRedisPort}` };
  }
  const prefix = 'soak:';
  const control = useSentinel
    ? new Redis({
        sentinels: sentinel!.sentinelPorts.map((port) => ({ host: '127.0.0.1', port })),
        name: sentinel!.name,
        password: sentinel!.password,
        sentinelPassword: sentinel!.sentinelPassword,
      })
    : new Redis(dataRedisPort, '127.0.0.1');
  control.on('error', () => undefined);

  // --- the far ends, Bitrix24, the ARI proxy
  const office: SipUas = await startSipUas(Number(stackEnv.AH_OFFICE_PORT));
  const trunk: SipUas = await startSipUas(Number(stackEnv.AH_TRUNK_PORT));
  const fake = await new FakeBitrix24().start();
  // CRM side effects per event id: notifications (TAG carries the event id), call registrations
  // (EXTERNAL_CALL_ID) and finishes (CALL_ID of a registration).
  const uuid = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;
  const notified = new Map<string, number>();
  const registered = new Map<string, number>();
  const finishedCalls = new Map<string, number>();
  const bump = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
  fake.onRequest = (method, p) => {
    if (method === 'im.notify.system.add') {
      const id = uuid.exec(String(p.TAG ?? ''))?.[0];
      if (id) bump(notified, id);
    } else if (method === 'telephony.externalcall.register' && p.EXTERNAL_CALL_ID !== undefined)
      bump(registered, String(p.EXTERNAL_CALL_ID));
    else if (method === 'telephony.externalcall.finish') bump(finishedCalls, String(p.CALL_ID));
  };
  const proxy: TcpProxy = await startTcpProxy(Number(stackEnv.AH_ARI_PORT));

  // --- the daemon, its spool on a small tmpfs of its own (root), else a plain folder
  const configFile = join(runDir, 'after-hours.yaml');
  writeFileSync(configFile, configYaml());
  const spoolDir = join(runDir, 'spool');
  mkdirSync(spoolDir, { recursive: true });
  const metricsPort = await freeTcpPort();
  const daemonEnv = {
    ...process.env,
    ...redisEnv,
    ARI_URL: `http://127.0.0.1:${proxy.port}`,
    ARI_USER: stackEnv.AH_ARI_USER,
    ARI_PASSWORD: stackEnv.AH_ARI_PASSWORD,
    ARI_APP: 'after-hours',
    REDIS_PREFIX: prefix,
    METRICS_PORT: String(metricsPort),
    SPOOL_DIR: spoolDir,
    LOG_LEVEL: 'warn',
  };
  const spoolOnTmpfs = isRoot;
  const daemon = spoolOnTmpfs
    ? spawnLogged(
        'unshare',
        [
          '-m',
          '--propagation',
          'private',
          '/bin/sh',
          '-c',
          'mount -t tmpfs -o size=4m after-hours-soak-spool "$0" && exec "$@"',
          spoolDir,
          process.execPath,
          CLI,
          'start',
          '--config',
          configFile,
        ],
        daemonEnv,
        join(runDir, 'daemon.log'),
      )
    : spawnLogged(process.execPath, [CLI, 'start', '--config', configFile], daemonEnv, join(runDir, 'daemon.log'));
  const health = () => httpJson<{ ready: boolean; ari: string }>(`http://127.0.0.1:${metricsPort}/healthz`);
  if (!(await until(async () => (await health())?.ready === true, 30_000)))
    throw new Error(`daemon not ready; see ${join(runDir, 'daemon.log')}`);
  log(`daemon ready (pid ${daemon.pid}, spool ${spoolOnTmpfs ? 'on a 4 MB tmpfs' : 'on disk: not root, no tmpfs'})`);

  // --- CRM workers under a supervisor
  const workers: (Proc | undefined)[] = [];
  const workerPorts: number[] = [];
  let stopping = false;
  let workerRestarts = 0;
  const startWorker = (n: number): void => {
    const w = spawnLogged(
      process.execPath,
      [CLI, 'crm-worker'],
      {
        ...process.env,
        ...redisEnv,
        ...fake.workerEnv,
        BITRIX24_RATE_PER_SECOND: '1000',
        CRM_CONCURRENCY: String(workerConcurrency),
        REDIS_PREFIX: prefix,
        METRICS_PORT: String(workerPorts[n]),
        CRM_CLAIM_IDLE_MS: '5000',
        LOG_LEVEL: 'warn',
      },
      join(runDir, `worker-${n}.log`),
    );
    workers[n] = w;
    w.proc.once('exit', (code, signal) => {
      if (stopping) return;
      log(`worker ${n} exited (${signal ?? code}); the supervisor starts it again in 1 s`);
      workerRestarts++;
      setTimeout(() => startWorker(n), 1000);
    });
  };
  for (let n = 0; n < workerCount; n++) {
    workerPorts.push(await freeTcpPort());
    startWorker(n);
  }

  // --- samplers: RSS and spool depth every 5 s
  const rss: RssSample[] = [];
  const spoolDepth: { t: number; n: number }[] = [];
  /** Channels Asterisk holds (GET /ari/channels straight to Asterisk, not through the proxy). */
  const channels: { t: number; n: number }[] = [];
  const ariAuth = `Basic ${Buffer.from(`${stackEnv.AH_ARI_USER}:${stackEnv.AH_ARI_PASSWORD}`).toString('base64')}`;
  const sampler = setInterval(() => {
    try {
      const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${daemon.pid}/status`, 'utf8'))?.[1]);
      if (kb > 0) rss.push({ t: secs(), rssMb: kb / 1024 });
    } catch {
      /* the daemon is gone; the report says so */
    }
    void metricValue(metricsPort, 'after_hours_spooled_events').then((n) => n !== undefined && spoolDepth.push({ t: secs(), n }));
    void fetch(`http://127.0.0.1:${stackEnv.AH_ARI_PORT}/ari/channels`, {
      headers: { authorization: ariAuth },
      signal: AbortSignal.timeout(2000),
    })
      .then(async (r) => channels.push({ t: secs(), n: ((await r.json()) as unknown[]).length }))
      .catch(() => undefined);
  }, 5000);

  // --- the fault plan: rounds of every kind, random order, random times after the warm-up
  const kinds = ['ari-cut', 'asterisk-restart', 'redis-restart', 'worker-kill', 'spool-full'];
  const runSeconds = minutes * 60;
  const rounds = Math.max(1, Math.floor((runSeconds - warmupSeconds) / 300));
  const slots = rounds * kinds.length;
  const slotSeconds = (runSeconds - warmupSeconds - 20) / slots;
  const plan: { at: number; kind: string }[] = [];
  for (let r = 0; r < rounds; r++) {
    const order = [...kinds].sort(() => random() - 0.5);
    order.forEach((kind, k) => {
      const slot = r * kinds.length + k;
      plan.push({ kind, at: warmupSeconds + slot * slotSeconds + random() * slotSeconds * 0.5 });
    });
  }
  log(`fault plan: ${plan.map((p) => `${p.kind}@${p.at.toFixed(0)}s`).join(', ')}`);
  const faults: FaultRecord[] = [];
  const spooledNow = () => metricValue(metricsPort, 'after_hours_spooled_events');
  const ariRegistered = async () => (await health())?.ari === 'registered';

  async function inject(kind: string): Promise<void> {
    const f: FaultRecord = { kind, at: secs() };
    faults.push(f);
    const start = Date.now();
    const done = (note?: string) => {
      f.recoveredAfterS = (Date.now() - start) / 1000;
      if (note) f.note = note;
      log(`${kind}: recovered after ${f.recoveredAfterS.toFixed(1)} s${note ? ` (${note})` : ''}`);
    };
    log(`FAULT ${kind}`);
    switch (kind) {
      case 'ari-cut': {
        proxy.cut();
        await sleep(100);
        if (await until(ariRegistered, 60_000)) done('ARI registered again');
        break;
      }
      case 'asterisk-restart': {
        const pid = Number(readFileSync(asteriskPidFile, 'utf8').trim());
        // `up` empties Asterisk's log folder: keep what this Asterisk logged
        const messages = join(stackEnv.AH_STACK_DIR!, 'asterisk', 'log', 'messages');
        if (existsSync(messages)) writeFileSync(join(runDir, `asterisk-messages-${faults.length}.log`), readFileSync(messages));
        process.kill(pid, 'SIGTERM');
        await until(() => !existsSync(`/proc/${pid}`), 20_000);
        await stackAsync('up');
        if (await until(ariRegistered, 60_000)) done('Asterisk up, ARI registered again');
        break;
      }
      case 'redis-restart': {
        if (sentinel) {
          // The primary killed, a replica promoted; then the killed node comes back as a replica
          // (empty, synced from the new primary), so the next redis-restart fails over again.
          const old = await sentinel.killPrimary();
          await sentinel.waitForPromotion(old, 60_000);
          if (await until(async () => (await spooledNow()) === 0, 120_000, 200)) done('replica promoted, spool empty again');
          await sentinel.restartNode(old);
          log(`${kind}: node ${old} back as a replica`);
          break;
        } else {
          redisProc?.proc.kill('SIGKILL');
          await until(() => redisProc?.proc.exitCode !== null || redisProc?.proc.signalCode !== null, 10_000);
          await sleep(2000);
          await startRedis();
        }
        if (await until(async () => (await spooledNow()) === 0, 120_000, 200)) done('spool empty again');
        break;
      }
      case 'worker-kill': {
        const n = Math.floor(random() * workerCount);
        const w = workers[n];
        w?.proc.kill('SIGKILL');
        await sleep(200);
        if (
          await until(async () => workers[n] !== w && (await httpJson(`http://127.0.0.1:${workerPorts[n]}/healthz`)) !== undefined, 60_000)
        )
          done(`worker ${n} restarted and healthy`);
        break;
      }
      case 'spool-full': {
        if (!spoolOnTmpfs) {
          f.skipped = 'not root: no tmpfs for the spool (unshare -m and mount need root)';
          log(`${kind}: skipped: ${f.skipped}`);
          break;
        }
        // The daemon's own view of its spool folder: through its mount namespace.
        const fill = `/proc/${daemon.pid}/root${spoolDir}/fill.bin`;
        const fd = openSync(fill, 'w');
        const block = Buffer.alloc(64 * 1024);
        let bytes = 0;
        try {
          for (;;) bytes += writeSync(fd, block);
        } catch {
          /* ENOSPC: full */
        } finally {
          closeSync(fd);
        }
        log(`spool disk full (${(bytes / 1048576).toFixed(1)} MB written); holding 15 s`);
        await sleep(15_000);
        unlinkSync(fill);
        if (await until(async () => (await spooledNow()) === 0, 60_000, 200)) done('disk freed, spool empty again');
        break;
      }
    }
  }

  // --- the load
  const caller = new SipCaller({ host: '127.0.0.1', port: Number(stackEnv.AH_SIP_PORT), timeoutMs: CALL_TIMEOUT_MS });
  await caller.start();
  const calls: CallRecord[] = [];
  const pending: Promise<unknown>[] = [];
  const loadStart = Date.now();
  const loadEnd = loadStart + runSeconds * 1000;
  let maxLagMs = 0;
  let nextFault = 0;
  const faultRuns: Promise<void>[] = [];
  log('placing calls');
  await new Promise<void>((resolveLoad) => {
    const tick = () => {
      const now = Date.now();
      const due = Math.min(Math.floor(((Math.min(now, loadEnd) - loadStart) / 1000) * rate), Math.floor(runSeconds * rate));
      while (calls.length < due) {
        const i = calls.length;
        const category = CATEGORIES[i % CATEGORIES.length]!;
        const list = dids.get(category)!;
        const did = list[Math.floor(random() * list.length)]!;
        const callerNumber = `+48601${String(1_000_000 + i).slice(1)}`;
        const planned = loadStart + (i / rate) * 1000;
        const rec: CallRecord = { i, at: now - t0, category, did, caller: callerNumber, lagMs: now - planned };
        maxLagMs = Math.max(maxLagMs, rec.lagMs);
        calls.push(rec);
        pending.push(caller.call(did, callerNumber).then((r) => (rec.result = r)));
      }
      while (nextFault < plan.length && (now - loadStart) / 1000 >= plan[nextFault]!.at) {
        const p = plan[nextFault++]!;
        faultRuns.push(
          inject(p.kind).catch((err: unknown) => {
            log(`${p.kind} failed: ${String(err)}`);
          }),
        );
      }
      if (now >= loadEnd) resolveLoad();
      else setTimeout(tick, 5);
    };
    tick();
  });
  log(`${calls.length} calls placed; waiting for the answers and the faults in progress`);
  await Promise.all(pending);
  await Promise.all(faultRuns);
  caller.close();

  // --- drain: the spool empty, then every stream entry handled by the workers
  log('draining: spool, then the CRM workers');
  const drainStart = Date.now();
  await until(async () => (await spooledNow()) === 0, 120_000, 500);
  const drained = await until(
    async () => {
      const groups = (await control.xinfo('GROUPS', `${prefix}events`)) as unknown[];
      const g = groups
        .map((row) => (Array.isArray(row) ? Object.fromEntries(chunk(row)) : (row as Record<string, unknown>)))
        .find((x) => x.name === 'crm');
      // Not XINFO's lag: after Redis restarts from its AOF the group's entries-read is stale and
      // the lag stays high although everything was read. Drained: the group has delivered the
      // stream's last entry and nothing is pending.
      const last = (await control.xrevrange(`${prefix}events`, '+', '-', 'COUNT', 1))[0]?.[0];
      return g !== undefined && Number(g.pending) === 0 && (last === undefined || g['last-delivered-id'] === last);
    },
    15 * 60_000,
    1000,
  );
  log(`drained ${drained ? '' : 'NOT '}in ${((Date.now() - drainStart) / 1000).toFixed(0)} s`);
  clearInterval(sampler);

  // --- what the daemon's metrics say (spool write failures etc., when the daemon has them)
  const metricsText = await fetch(`http://127.0.0.1:${metricsPort}/metrics`)
    .then((r) => r.text())
    .catch(() => '');
  const daemonAlive = daemon.proc.exitCode === null && daemon.proc.signalCode === null;

  // --- events on the stream
  const events = new Map<string, { caller: string; did: string; action: string; outcome: string; entries: number }>();
  let entries = 0;
  for (let from = '-'; ;) {
    const batch = (await control.xrange(`${prefix}events`, from, '+', 'COUNT', 5000)) as [string, string[]][];
    for (const [, fields] of batch) {
      entries++;
      const ev = JSON.parse(fields[fields.indexOf('event') + 1]!) as {
        id: string;
        caller: string;
        did: string;
        action: string;
        outcome: { kind: string };
      };
      const e = events.get(ev.id);
      if (e) e.entries++;
      else events.set(ev.id, { caller: ev.caller, did: ev.did, action: ev.action, outcome: ev.outcome.kind, entries: 1 });
    }
    if (batch.length < 5000) break;
    from = `(${batch[batch.length - 1]![0]}`;
  }
  const dead = await control.xlen(`${prefix}events:dead`);

  // --- CRM side effects per event id: a registration the fake made twice is a second call
  // activity (doubled); a notification sent twice carries the same TAG (Bitrix24 replaces it:
  // the user sees one) and is counted apart.
  const activities = new Map<string, number>();
  const finished = new Map<string, number>();
  for (const c of fake.calls.values()) {
    if (!c.externalCallId) continue;
    bump(activities, c.externalCallId);
    const n = finishedCalls.get(c.callId) ?? 0;
    if (n > 0) finished.set(c.externalCallId, (finished.get(c.externalCallId) ?? 0) + n);
  }
  const rateRefused = fake.requests.filter((r) => r.status === 503).length;
  const crmErrors = fake.requests.filter((r) => r.status !== 200).length;

  // --- verdicts
  const verdict = (c: CallRecord): Verdict => {
    const r = c.result;
    if (office.fromCount.has(c.caller)) return c.category === 'open' ? 'decided' : 'fallback';
    if (r && r.status === expectedStatus[c.category] && c.category !== 'open') return 'decided';
    return 'failed';
  };
  const byVerdict: Record<Verdict, number> = { decided: 0, fallback: 0, failed: 0 };
  const failedByStatus = new Map<string, number>();
  const eventByCaller = new Map<string, string>();
  for (const [id, e] of events) eventByCaller.set(e.caller, id);
  let closedDecided = 0;
  let closedDecidedWithoutEvent = 0;
  const verdicts = calls.map((c) => {
    const v = verdict(c);
    byVerdict[v]++;
    if (v === 'failed') {
      const key = `${c.category} ${c.result?.status ?? 'none'}${c.result?.error ? ` (${c.result.error})` : ''}`;
      failedByStatus.set(key, (failedByStatus.get(key) ?? 0) + 1);
    }
    if (v === 'decided' && c.category !== 'open') {
      closedDecided++;
      if (!eventByCaller.has(c.caller)) closedDecidedWithoutEvent++;
    }
    return v;
  });
  let delivered = 0;
  let doubled = 0;
  let undelivered = 0;
  let notifyRepeated = 0;
  let registeredEvents = 0;
  for (const [id, e] of events) {
    const wantsCall = e.did.length > 0 && categoryOfDid.get(e.did) === 'busy';
    const ok = (notified.get(id) ?? 0) > 0 && (!wantsCall || ((activities.get(id) ?? 0) > 0 && (finished.get(id) ?? 0) > 0));
    if (ok) delivered++;
    else undelivered++;
    if (wantsCall) registeredEvents++;
    if ((activities.get(id) ?? 0) > 1 || (finished.get(id) ?? 0) > 1) doubled++;
    if ((notified.get(id) ?? 0) > 1) notifyRepeated++;
  }

  // --- each call that was not decided belongs to the fault before its end (its final answer,
  // or its placing when it got none): a call still playing its announcement when Asterisk is
  // stopped belongs to that stop, not to the fault before. Recovery from the caller's side:
  // from the fault to the last such call placed.
  const endOf = (c: CallRecord): number => (c.at + (c.result && c.result.status > 0 ? c.result.latencyUs / 1000 : 0)) / 1000;
  const timedOut = (c: CallRecord) => !c.result || c.result.status === 0;
  const faultOf = (c: CallRecord): FaultRecord | undefined =>
    // a call that never got an answer belongs to the first fault while it waited, if any
    (timedOut(c) ? faults.find((g) => !g.skipped && c.at / 1000 <= g.at && g.at < c.at / 1000 + CALL_TIMEOUT_MS / 1000) : undefined) ??
    [...faults].reverse().find((g) => !g.skipped && g.at <= endOf(c) && endOf(c) < g.at + 120);
  const faultReport = faults.map((f) => {
    const wake = calls.filter((c, k) => verdicts[k] !== 'decided' && faultOf(c) === f);
    const last = wake.length ? Math.max(...wake.map((c) => c.at / 1000)) : f.at;
    return { ...f, callsNotDecided: wake.length, callerRecoveryS: +Math.max(0, last - f.at).toFixed(1) };
  });

  // --- which fault each call that was not decided fell into: placed between the fault and
  // the next one (or 120 s after it)
  const notDecidedBy = new Map<string, number>();
  const failedCalls: {
    at: number;
    category: Category;
    status: number;
    error?: string;
    provisional: number[];
    verdict: Verdict;
    fault: string;
  }[] = [];
  calls.forEach((c, k) => {
    if (verdicts[k] === 'decided') return;
    const t = c.at / 1000;
    const f = faultOf(c);
    const key = `${f?.kind ?? 'no fault'} ${verdicts[k]}`;
    bump(notDecidedBy, key);
    failedCalls.push({
      at: +t.toFixed(2),
      category: c.category,
      status: c.result?.status ?? 0,
      ...(c.result?.error ? { error: c.result.error } : {}),
      provisional: c.result?.provisional ?? [],
      verdict: verdicts[k]!,
      fault: f ? `${f.kind}@${f.at.toFixed(1)}` : 'none',
    });
  });

  // --- latency per 10 s and RSS
  // Set-up latency: calls answered at once by their decision; an announcement's call lasts as
  // long as the sound (4 s), so those are reported apart.
  const buckets = new Map<number, number[]>();
  calls.forEach((c, k) => {
    if (verdicts[k] !== 'decided' || !c.result || c.category === 'announce') return;
    const b = Math.floor(c.at / 10_000) * 10;
    (buckets.get(b) ?? buckets.set(b, []).get(b)!).push(c.result.latencyUs / 1000);
  });
  const pct = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
  const latency: LatencyBucket[] = [...buckets.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([t, xs]) => {
      xs.sort((a, b) => a - b);
      return { t, p50Ms: +pct(xs, 50).toFixed(2), p99Ms: +pct(xs, 99).toFixed(2) };
    });
  const latencyOf = (announce: boolean) =>
    calls
      .flatMap((c, k) =>
        verdicts[k] === 'decided' && c.result && (c.category === 'announce') === announce ? [c.result.latencyUs / 1000] : [],
      )
      .sort((a, b) => a - b);
  const all = latencyOf(false);
  const announced = latencyOf(true);
  // RSS under load: after the warm-up, until the last call was placed (the drain idles)
  const loadEndS = secs(loadEnd);
  const after = rss.filter((s) => s.t >= warmupSeconds && s.t <= loadEndS);
  const window = Math.max(1, Math.floor(after.length / 10));
  const mean = (xs: RssSample[]) => xs.reduce((a, s) => a + s.rssMb, 0) / Math.max(1, xs.length);
  const rssStart = mean(after.slice(0, window));
  const rssEnd = mean(after.slice(-window));
  const rssMax = Math.max(...after.map((s) => s.rssMb));
  const rssMin = Math.min(...after.map((s) => s.rssMb));

  // --- what went wrong, as the daemon logged it (level error and up), by message and cause
  const logErrors = new Map<string, number>();
  for (const line of readFileSync(join(runDir, 'daemon.log'), 'utf8').split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const l = JSON.parse(line) as { level: number; msg: string; err?: { message?: string } };
      if (l.level < 50) continue;
      const why = (l.err?.message ?? '')
        .replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, 'ID')
        .replace(/\d{6,}(\.\d+)?/g, 'N')
        .slice(0, 90);
      bump(logErrors, `${l.msg}: ${why}`);
    } catch {
      /* not a log line */
    }
  }
  const report = {
    seed: runSeed,
    minutes,
    rate,
    workers: workerCount,
    workerConcurrency,
    sentinel: useSentinel,
    spoolOnTmpfs,
    callerMaxLagMs: maxLagMs,
    callerLagP99Ms: calls.length ? [...calls.map((c) => c.lagMs)].sort((a, b) => a - b)[Math.floor(calls.length * 0.99)] : 0,
    callerUnreachable: caller.unreachable,
    calls: {
      placed: calls.length,
      ...byVerdict,
      failedBy: Object.fromEntries(failedByStatus),
      notDecidedByFault: Object.fromEntries([...notDecidedBy.entries()].sort()),
    },
    events: {
      streamEntries: entries,
      emitted: events.size,
      doubledOnStream: entries - events.size,
      closedCallsDecided: closedDecided,
      closedCallsDecidedWithoutEvent: closedDecidedWithoutEvent,
      delivered,
      doubled,
      dead,
      undelivered,
      withCallActivity: registeredEvents,
      notifyRepeatedSameTag: notifyRepeated,
      registerRequestsRepeated: [...registered.values()].filter((n) => n > 1).length,
      crmErrors,
      rateRefused,
      drained,
    },
    workerRestarts,
    daemonAlive,
    faults: faultReport,
    latencyMs: {
      p50: all.length ? +pct(all, 50).toFixed(2) : 0,
      p99: all.length ? +pct(all, 99).toFixed(2) : 0,
      max: +(all[all.length - 1] ?? 0).toFixed(2),
      announcementCallsP50: announced.length ? +pct(announced, 50).toFixed(2) : 0,
    },
    decidedWithoutEvent: calls
      .filter((c, k) => verdicts[k] === 'decided' && c.category !== 'open' && !eventByCaller.has(c.caller))
      .slice(0, 50)
      .map((c) => ({ at: +(c.at / 1000).toFixed(2), category: c.category, status: c.result?.status ?? 0 })),
    rssMb: {
      warmupSeconds,
      startAfterWarmup: +rssStart.toFixed(1),
      end: +rssEnd.toFixed(1),
      min: +rssMin.toFixed(1),
      max: +rssMax.toFixed(1),
      growthPercent: +(((rssEnd - rssStart) / rssStart) * 100).toFixed(1),
    },
    spoolDepthMax: Math.max(0, ...spoolDepth.map((s) => s.n)),
    asteriskChannelsMax: Math.max(0, ...channels.map((s) => s.n)),
    asteriskChannelsAtEnd: channels[channels.length - 1]?.n ?? 0,
    daemonLogErrors: Object.fromEntries([...logErrors.entries()].sort((a, b) => b[1] - a[1]).slice(0, 15)),
    daemonMetrics: metricsText
      .split('\n')
      .filter((l) => /^after_hours_(spool|events|ari|calls_total|media)/.test(l))
      .slice(0, 40),
  };
  mkdirSync(dirname(outBase), { recursive: true });
  // no paths of this machine in a file that may be committed
  const anonymous = (text: string) => text.split(stackEnv.AH_STACK_DIR!).join('<soak run dir>').split(ROOT).join('<repository>');
  writeFileSync(
    `${outBase}.json`,
    anonymous(JSON.stringify({ ...report, rss, latency, spoolDepth, channels, failedCalls }, null, 2)) + '\n',
  );
  const marks: FaultMark[] = faults.filter((f) => !f.skipped).map((f) => ({ t: f.at, kind: f.kind }));
  writeFileSync(
    `${outBase}.svg`,
    soakSvg({
      title: `after-hours soak: ${minutes} min at ${rate} calls/s, ${calls.length} calls, ${marks.length} faults (seed ${runSeed})`,
      seconds: Math.max(runSeconds, secs(loadEnd)),
      latency,
      rss,
      faults: marks,
      warmupSeconds,
    }),
  );
  process.stdout.write(`\n${anonymous(JSON.stringify(report, null, 2))}\n`);
  log(`wrote ${outBase}.json and ${outBase}.svg`);

  // --- clean up
  const messagesLog = join(stackEnv.AH_STACK_DIR!, 'asterisk', 'log', 'messages');
  if (existsSync(messagesLog)) writeFileSync(join(runDir, 'asterisk-messages-end.log'), readFileSync(messagesLog));
  stopping = true;
  for (const w of workers) w?.proc.kill('SIGTERM');
  daemon.proc.kill('SIGTERM');
  await until(() => children.size <= (redisProc && redisProc.proc.exitCode === null ? 1 : 0), 15_000);
  redisProc?.proc.kill('SIGTERM');
  await sentinel?.stop();
  control.disconnect();
  office.close();
  trunk.close();
  await proxy.close();
  await fake.stop();
  stack('down');
}

function chunk(row: unknown[]): [string, unknown][] {
  const out: [string, unknown][] = [];
  for (let i = 0; i + 1 < row.length; i += 2) out.push([String(row[i]), row[i + 1]]);
  return out;
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    try {
      stack('down');
    } catch (e) {
      console.error(e);
    }
    process.exit(1);
  },
);
