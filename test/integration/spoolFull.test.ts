// A full spool disk is a refused write, not a crash (issue 13). The daemon runs in a mount
// namespace of its own (unshare -m) with its spool on a real 64 KiB tmpfs filled to the last
// block, so every spool write fails with ENOSPC. With Redis up the event reaches the stream
// directly; with Redis down too it is held in memory and reaches the stream once Redis is back
// (lost, logged with AH_ERR_EVENT_LOST and counted, only if the daemon stops first). Either
// way the caller gets the number's 486 and the daemon keeps taking calls. Mounting needs root
// (CI runs as root); elsewhere the tests are skipped with the reason.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { eventually, freeTcpPort, startDaemon, writeConfig, type RunningDaemon } from '../support/daemon';
import { startRedisServer, type RedisServer } from '../support/redisServer';
import { call } from '../support/sipp';
import { redisUrl, uniqueDid, uniquePrefix } from '../support/stackEnv';

/** Mounts a 64 KiB tmpfs on $0, makes $0/spool, fills the rest with zeros, then execs the daemon ("$@"). */
const FULL_TMPFS =
  'set -e; mount -t tmpfs -o size=64k tmpfs "$0"; mkdir "$0/spool"; dd if=/dev/zero of="$0/fill" bs=4096 2>/dev/null || true; exec "$@"';

function whyNoTmpfs(): string | undefined {
  if (process.getuid?.() !== 0) return 'not root: mounting a tmpfs needs root (CI runs as root)';
  const dir = mkdtempSync(join(tmpdir(), 'ah-tmpfs-probe-'));
  const r = spawnSync('unshare', ['-m', '--propagation', 'private', 'sh', '-c', FULL_TMPFS, dir, 'true'], { encoding: 'utf8' });
  return r.status === 0 ? undefined : `cannot mount a tmpfs in a private mount namespace (unshare -m): ${r.stderr || r.error?.message}`;
}

function metric(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

const skip = whyNoTmpfs();
if (skip) console.warn(`spoolFull.test.ts skipped: ${skip}`);
const maybe = skip ? describe.skip : describe;

maybe('a full spool disk (ENOSPC on a real tmpfs)', () => {
  const did = uniqueDid();
  const prefix = uniquePrefix('spoolfull');
  let configFile: string;
  let redis: Redis;
  let daemon: RunningDaemon | undefined;

  /** The daemon with its spool on a full tmpfs of its own; REDIS_URL as given. */
  async function daemonOnFullDisk(redisAt: string): Promise<{ daemon: RunningDaemon; spool: string }> {
    const mountPoint = mkdtempSync(join(tmpdir(), 'ah-spool-full-'));
    const d = await startDaemon({
      configFile,
      prefix,
      redis: redisAt,
      spoolDir: join(mountPoint, 'spool'),
      wrapper: ['unshare', '-m', '--propagation', 'private', 'sh', '-c', FULL_TMPFS, mountPoint],
    });
    await d.waitHealthy();
    // The tmpfs is only in the daemon's namespace: look at it through /proc/<pid>/root.
    const spool = `/proc/${d.proc.pid}/root${mountPoint}/spool`;
    const fsStats = statfsSync(spool);
    expect([fsStats.bavail, fsStats.blocks * fsStats.bsize]).toEqual([0, 64 * 1024]); // that tmpfs, and full
    return { daemon: d, spool };
  }

  beforeAll(() => {
    configFile = writeConfig(
      [
        'defaults: { region: PL, timezone: Europe/Warsaw, hours: {} }',
        'numbers:',
        `  - { did: "${did}", name: Full disk, afterHours: { action: hangup, hangup: { cause: busy } } }`,
        '',
      ].join('\n'),
    );
    redis = new Redis(redisUrl);
  });

  afterEach(async () => {
    await daemon?.stop();
    daemon = undefined;
  });

  afterAll(() => redis?.disconnect());

  test('Redis up: the call is rejected as configured and its event reaches the stream directly; nothing is left on the disk', async () => {
    const started = await daemonOnFullDisk(redisUrl);
    daemon = started.daemon;
    const r = await call({ to: did, expect: 486 });
    expect(r.finalCode).toBe(486);
    const onStream = async () => (await redis.xrange(`${prefix}events`, '-', '+')).filter(([, f]) => f.join(' ').includes(did)).length;
    expect(await eventually(async () => (await onStream()) === 1, 10_000)).toBe(true);
    const text = await (await fetch(`http://127.0.0.1:${daemon.port}/metrics`)).text();
    expect(metric(text, 'after_hours_spool_write_failures_total{code="ENOSPC"}')).toBe(1);
    expect(metric(text, 'after_hours_events_lost_total')).toBe(0);
    expect(daemon.logs()).toContain('"code":"AH_ERR_SPOOL_WRITE"');
    expect(readdirSync(started.spool)).toEqual([]); // no half-written .tmp file holds the space
    expect(daemon.proc.exitCode).toBeNull();
  });

  test('Redis down too: the calls are still rejected as configured, their events wait in memory and reach the stream once Redis is up; nothing lost', async () => {
    const port = await freeTcpPort();
    const started = await daemonOnFullDisk(`redis://127.0.0.1:${port}`);
    daemon = started.daemon;
    const d = daemon;
    const metrics = async () => (await fetch(`http://127.0.0.1:${d.port}/metrics`)).text();
    for (let i = 1; i <= 2; i++) {
      const r = await call({ to: did, expect: 486 });
      expect(r.finalCode).toBe(486);
      expect(await eventually(async () => metric(await metrics(), 'after_hours_spooled_events') === i, 10_000)).toBe(true);
    }
    let text = await metrics();
    expect(metric(text, 'after_hours_spool_write_failures_total{code="ENOSPC"}')).toBe(2);
    expect(metric(text, 'after_hours_events_lost_total')).toBe(0);
    expect(d.logs()).toContain('held in memory');
    let late: RedisServer | undefined;
    try {
      late = await startRedisServer({ port });
      const client = late.client();
      const onStream = async () => (await client.xrange(`${prefix}events`, '-', '+')).filter(([, f]) => f.join(' ').includes(did)).length;
      expect(await eventually(async () => (await onStream()) === 2, 20_000, 100)).toBe(true);
      // The spool is empty: nothing is left to be written again.
      expect(await eventually(async () => metric(await metrics(), 'after_hours_spooled_events') === 0, 10_000)).toBe(true);
      expect(await onStream()).toBe(2); // once each
    } finally {
      await late?.stop();
    }
    text = await metrics();
    expect(metric(text, 'after_hours_events_lost_total')).toBe(0);
    expect(d.logs()).not.toContain('"code":"AH_ERR_EVENT_LOST"');
    expect(readdirSync(started.spool)).toEqual([]);
    expect(d.proc.exitCode).toBeNull();
    expect((await d.health())?.ready).toBe(true);
  });

  test('Redis down and the daemon stopped before it is back: the held event is logged as lost with AH_ERR_EVENT_LOST', async () => {
    const started = await daemonOnFullDisk(`redis://127.0.0.1:${await freeTcpPort()}`);
    daemon = started.daemon;
    expect((await call({ to: did, expect: 486 })).finalCode).toBe(486);
    const d = daemon;
    expect(await eventually(() => d.logs().includes('held in memory'), 10_000)).toBe(true);
    expect(await d.stop()).toBe(0);
    const lost = d
      .logs()
      .split('\n')
      .filter((l) => l.includes('"code":"AH_ERR_EVENT_LOST"'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lost).toHaveLength(1);
    expect(lost[0]).toMatchObject({ level: 50, did, action: 'hangup', outcome: 'rejected', err: { errno: 'ENOSPC' } });
  });
});
