// Redis Sentinel on the real stack: a daemon that finds Redis through three sentinels keeps
// deciding calls at about 50 calls/s while the primary is SIGKILLed and the replica promoted;
// the pushed configuration and an override are there on the new primary, and every call's
// event is on the stream exactly once. Then the CLI and a CRM worker through the sentinels.
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { Redis } from 'ioredis';
import { SipCaller, type CallResult } from '../../bench/sipCaller';
import { EventStream, streamKeys } from '../../src/store/eventStream';
import { readConfig } from '../../src/store/configStore';
import { listOverrides } from '../../src/store/overrideStore';
import { createRedisClient } from '../../src/store/redisClient';
import { redisSettings } from '../../src/settings/redis';
import { makeEvent } from '../unit/crm/fixtures';
import { cli, eventually, freeTcpPort, runCli, startDaemon, writeConfig, type RunningDaemon } from '../support/daemon';
import { startSentinelSet, type SentinelSet } from '../support/redisSentinel';
import { startUas } from '../support/sipp';
import { ariPassword, ariUrl, ariUser, host, officePort, sipPort, uniqueDid, uniquePrefix } from '../support/stackEnv';
import { loadSize } from '../support/loadShaped';
import { streamEvents } from '../support/streamEvents';

// Full size (npm run test:load): 700 calls at 50/s, the primary killed after 4 s. npm test
// runs the same failover small: 60 calls at 10/s, killed after 2 s (test/support/loadShaped).
const RATE = loadSize(10, 50); // calls/s
const SECONDS = loadSize(6, 14);
const KILL_AFTER_MS = loadSize(2000, 4000);

function configYaml(closed: string[], cause: string, openDids: string[] = []): string {
  return [
    'defaults: { region: PL, timezone: Europe/Warsaw }',
    'numbers:',
    ...closed.map((did) => `  - { did: "${did}", hours: {}, afterHours: { action: hangup, hangup: { cause: ${cause} } } }`),
    ...openDids.map((did) => `  - { did: "${did}", hours: "00:00-24:00", afterHours: { action: hangup, hangup: { cause: ${cause} } } }`),
    '',
  ].join('\n');
}

async function spooledNow(metricsPort: number): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  const m = /^after_hours_spooled_events (\d+)/m.exec(text);
  if (!m) throw new Error('no after_hours_spooled_events on /metrics');
  return Number(m[1]);
}

async function ourChannels(dids: Set<string>): Promise<number> {
  const res = await fetch(`${ariUrl}/ari/channels`, {
    headers: { authorization: `Basic ${Buffer.from(`${ariUser}:${ariPassword}`).toString('base64')}` },
  });
  const channels = (await res.json()) as Array<{ dialplan: { exten: string } }>;
  return channels.filter((c) => dids.has(c.dialplan.exten)).length;
}

describe('Redis Sentinel', () => {
  let set: SentinelSet;
  /** after-hours' own settings for this set: REDIS_URL cleared (the stack's), the sentinels set. */
  let redisEnv: Record<string, string>;
  let client: Redis;

  beforeAll(async () => {
    set = await startSentinelSet();
    redisEnv = { REDIS_URL: '', ...set.env };
    client = createRedisClient(redisSettings(set.env), 'worker', 'test-reader');
    client.on('error', () => undefined); // reconnecting through the failover
  });

  afterAll(async () => {
    client?.disconnect();
    await set?.stop();
  });

  test(`the primary killed at ${RATE} calls/s: every call decided, config and override kept, every event once`, async () => {
    const prefix = uniquePrefix('sentinel');
    const count = RATE * SECONDS;
    const dids = Array.from({ length: count }, () => uniqueDid());
    const overridden = uniqueDid();
    const all = new Set([...dids, overridden]);
    // Start-up file: busy (486). Pushed version: rejected (403), so each 403 is also a call
    // decided by the pushed configuration, before and after the failover.
    const daemon: RunningDaemon = await startDaemon({
      configFile: writeConfig(configYaml(dids, 'busy', [overridden])),
      prefix,
      env: { ...redisEnv, LOG_LEVEL: 'info' },
    });
    const office = await startUas({ behaviour: 'answer', port: officePort });
    const caller = new SipCaller({ host, port: sipPort, timeoutMs: 10_000 });
    try {
      await daemon.waitHealthy();
      const cliEnv = { ...redisEnv, REDIS_PREFIX: prefix };
      const pushed = runCli(['push', '--config', writeConfig(configYaml(dids, 'rejected', [overridden]))], cliEnv);
      expect(pushed.stderr).toBe('');
      expect(pushed.status).toBe(0);
      const version = Number(/pushed as version (\d+)/.exec(pushed.stdout)?.[1]);
      const set1 = runCli(['override', 'set', '--did', overridden, '--state', 'closed', '--for', '2h', '--note', 'failover test'], cliEnv);
      expect(set1.status).toBe(0);
      expect(
        await eventually(
          async () =>
            (await daemon.decision(overridden)).reason === 'override' && (await daemon.decision(dids[0]!)).configVersion === version,
          3000,
        ),
      ).toBe(true);

      await caller.start();
      // The spool's depth (events not yet acknowledged by Redis), sampled through the run.
      let maxSpooled = 0;
      const sampler = setInterval(() => {
        void spooledNow(daemon.port).then(
          (n) => (maxSpooled = Math.max(maxSpooled, n)),
          () => undefined,
        );
      }, 100);
      const started = Date.now();
      const calls: Array<Promise<CallResult>> = [];
      let killedPort = 0;
      let killedAt = 0;
      let promotedAt = 0;
      const kill = (async () => {
        await new Promise((r) => setTimeout(r, KILL_AFTER_MS));
        killedAt = Date.now();
        killedPort = await set.killPrimary();
        const port = await set.waitForPromotion(killedPort);
        promotedAt = Date.now();
        return port;
      })();
      // One call every 20 ms on a fixed timetable (not after each other), each to its own number.
      for (let i = 0; i < count; i++) {
        const due = started + (i * 1000) / RATE;
        const wait = due - Date.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        calls.push(caller.call(dids[i]!));
      }
      const placedMs = Date.now() - started;
      const results = await Promise.all(calls);
      clearInterval(sampler);
      const promoted = await kill;
      const failoverMs = promotedAt - killedAt;
      const setupMs = results.map((r) => r.latencyUs / 1000).sort((a, b) => a - b);

      // Every call decided by the daemon from the pushed configuration: 403, never the
      // dialplan's no-daemon path (the office) or a time-out.
      const byStatus = new Map<number, number>();
      for (const r of results) byStatus.set(r.status, (byStatus.get(r.status) ?? 0) + 1);
      expect(Object.fromEntries(byStatus)).toEqual({ 403: count });
      expect((await office.stop()).invites).toHaveLength(0);

      // The new primary has the pushed configuration and the override; the daemon reloaded them.
      expect(promoted).not.toBe(killedPort);
      const direct = set.client(promoted);
      expect((await readConfig(direct, prefix))?.version).toBe(version);
      expect((await listOverrides(direct, prefix, Date.now())).map((o) => [o.did, o.state])).toEqual([[overridden, 'closed']]);
      const decision = await daemon.decision(overridden);
      expect(decision).toMatchObject({ open: false, reason: 'override', configVersion: version });
      const after = caller.call(overridden);
      expect((await after).status).toBe(403);

      // Every call's event on the stream exactly once (the dialled number is unique per call).
      const expected = count + 1;
      const drained = await eventually(
        async () => (await direct.xlen(`${prefix}events`)) >= expected && (await daemon.health())?.activeCalls === 0,
        20_000,
        200,
      );
      const spoolLeft = await eventually(async () => (await spooledNow(daemon.port)) === 0, 10_000, 200);
      const events = await streamEvents(direct, prefix);
      const eventDids = events.map((e) => e.did);
      const missing = [...all].filter((d) => !eventDids.includes(d));
      const doubled = eventDids.filter((d, i) => eventDids.indexOf(d) !== i);
      process.stderr.write(
        `sentinel failover: ${count} calls placed in ${placedMs} ms (${((count * 1000) / placedMs).toFixed(1)}/s), ` +
          `statuses ${JSON.stringify(Object.fromEntries(byStatus))}, primary ${killedPort} killed at +${killedAt - started} ms, ` +
          `${promoted} promoted ${failoverMs} ms later (all sentinels agree, ROLE master); ` +
          `call set-up p50 ${setupMs[Math.floor(count / 2)]!.toFixed(1)} ms, max ${setupMs[count - 1]!.toFixed(1)} ms; ` +
          `spool depth max ${maxSpooled}; events on the stream ${events.length} for ${expected} calls, missing ${missing.length}, doubled ${doubled.length}\n`,
      );
      expect(drained).toBe(true);
      expect(spoolLeft).toBe(true);
      expect(missing).toEqual([]);
      expect(doubled).toEqual([]);
      expect(events).toHaveLength(expected);
      expect(new Set(events.map((e) => e.id)).size).toBe(expected);
      expect(events.every((e) => e.action === 'hangup' && e.outcome.kind === 'rejected' && e.outcome.cause === 'rejected')).toBe(true);
      // No call left in Stasis.
      expect(await ourChannels(all)).toBe(0);
      expect(daemon.logs()).toMatch(/no replica connected/);
    } finally {
      caller.close();
      await office.stop().catch(() => undefined);
      await daemon.stop();
    }
  }, 90_000);

  test('the CLI and a CRM worker through the sentinels (the URL form, passwords set)', async () => {
    const prefix = uniquePrefix('sentinel-cli');
    const did = uniqueDid();
    const urlEnv = { ...set.urlEnv, REDIS_PREFIX: prefix };
    expect(runCli(['push', '--config', writeConfig(configYaml([did], 'busy'))], urlEnv).status).toBe(0);
    expect(runCli(['override', 'set', '--did', did, '--state', 'open', '--for', '1h'], urlEnv).status).toBe(0);
    const listed = runCli(['override', 'list', '--json'], urlEnv);
    expect(listed.status).toBe(0);
    expect(listed.stdout).toContain(did);
    // A refused setting is said in words, with the CONFIG exit code.
    const refused = runCli(['override', 'list'], { ...set.env, REDIS_URL: 'redis://127.0.0.1:1' });
    expect(refused.status).toBe(78);
    expect(refused.stderr).toMatch(/REDIS_URL and REDIS_SENTINELS are both set/);
    const wrong = runCli(['override', 'list'], { ...urlEnv, REDIS_SENTINEL_PASSWORD: 'wrong' });
    expect(wrong.status).toBe(1);
    expect(wrong.stderr).toMatch(/Redis at master "ah-master" via sentinels/);

    // A webhook worker through the sentinels delivers each event once and acknowledges it.
    const received: string[] = [];
    const server: Server = createServer((req, res) => {
      received.push(String(req.headers['x-after-hours-event-id']));
      req.resume();
      req.on('end', () => res.writeHead(200).end('{}'));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const hookPort = (server.address() as { port: number }).port;
    const worker = spawn(process.execPath, [cli, 'crm-worker'], {
      env: {
        ...process.env,
        ...urlEnv,
        CRM_ADAPTER: 'webhook',
        WEBHOOK_URL: `http://127.0.0.1:${hookPort}/hook`,
        WEBHOOK_SECRET: 'sentinel-test-webhook-secret',
        METRICS_PORT: String(await freeTcpPort()),
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    worker.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    worker.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    try {
      const stream = new EventStream(client, streamKeys(prefix));
      const ids = [1, 2, 3].map((i) => `sentinel-worker-${i}-${Date.now()}`);
      for (const id of ids) await stream.append(makeEvent({ id }));
      const delivered = await eventually(() => ids.every((id) => received.includes(id)), 15_000, 100);
      if (!delivered) throw new Error(`worker did not deliver: ${received.join(',')}\n${out}`);
      expect(
        await eventually(async () => Number(((await client.xpending(`${prefix}events`, 'crm')) as unknown[])[0]) === 0, 10_000, 100),
      ).toBe(true);
      expect(received.filter((id) => ids.includes(id))).toHaveLength(3);
    } finally {
      if (worker.exitCode === null && worker.signalCode === null) {
        const exited = new Promise((r) => worker.once('exit', r));
        worker.kill('SIGTERM');
        await exited;
      }
      server.close();
    }
  });
});
