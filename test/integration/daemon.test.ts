// The daemon on real calls: real Asterisk, real Redis, sipp as caller and far end.
import { Redis } from 'ioredis';
import { join } from 'node:path';
import { eventually, runCli, startDaemon, writeConfig, type RunningDaemon } from '../support/daemon';
import { call, startUas } from '../support/sipp';
import { ariPassword, ariUrl, ariUser, officePort, redisUrl, repoRoot, uniqueDid, uniqueMobile, uniquePrefix } from '../support/stackEnv';
import { streamEvents } from '../support/streamEvents';

const fixtures = join(repoRoot, 'test', 'fixtures', 'sounds');

interface NumberSpec {
  did: string;
  open: boolean;
  afterHours: string; // YAML flow map
}

function configYaml(numbers: NumberSpec[]): string {
  return [
    'defaults: { region: PL, timezone: Europe/Warsaw }',
    'forwarding: { endpoint: "PJSIP/{number}@trunk", allowCountries: [PL] }',
    'numbers:',
    ...numbers.map((n) => `  - { did: "${n.did}", hours: ${n.open ? '"00:00-24:00"' : '{}'}, afterHours: ${n.afterHours} }`),
    '',
  ].join('\n');
}

async function ariBridges(): Promise<number> {
  const res = await fetch(`${ariUrl}/ari/bridges`, {
    headers: { authorization: `Basic ${Buffer.from(`${ariUser}:${ariPassword}`).toString('base64')}` },
  });
  return ((await res.json()) as unknown[]).length;
}

describe('after-hours daemon on real calls', () => {
  const prefix = uniquePrefix('daemon');
  let redis: Redis;
  const open = uniqueDid();
  const rejected = uniqueDid();
  const announced = uniqueDid();
  const voicemail = uniqueDid();
  const longGreeting = uniqueDid();
  const forwardTarget = uniqueMobile();
  const forwarded = uniqueDid();
  const forwardUnanswered = uniqueDid();
  let daemon: RunningDaemon;
  let configFile: string;

  beforeAll(async () => {
    redis = new Redis(redisUrl);
    configFile = writeConfig(
      configYaml([
        { did: open, open: true, afterHours: '{ action: hangup }' },
        { did: rejected, open: false, afterHours: '{ action: hangup, hangup: { cause: rejected } }' },
        {
          did: announced,
          open: false,
          afterHours: `{ action: hangup, hangup: { cause: busy, announcement: "${join(fixtures, 'short-announcement.wav')}" } }`,
        },
        {
          did: voicemail,
          open: false,
          afterHours: `{ action: voicemail, voicemail: { greeting: "${join(fixtures, 'short-greeting.wav')}", maxSeconds: 30, maxSilenceSeconds: 30 } }`,
        },
        {
          did: longGreeting,
          open: false,
          afterHours: `{ action: voicemail, voicemail: { greeting: "${join(fixtures, 'long-greeting.wav')}" } }`,
        },
        {
          did: forwarded,
          open: false,
          afterHours: `{ action: forward, forward: { to: "${forwardTarget}", timeoutSeconds: 10, fallback: hangup } }`,
        },
        {
          did: forwardUnanswered,
          open: false,
          afterHours: `{ action: forward, forward: { to: "${forwardTarget}", timeoutSeconds: 5, fallback: hangup }, hangup: { cause: no_answer } }`,
        },
      ]),
    );
    daemon = await startDaemon({ configFile, prefix });
    await daemon.waitHealthy();
  });

  afterAll(async () => {
    await daemon?.stop();
    redis?.disconnect();
  });

  test('an open number goes back to the dialplan and rings the office', async () => {
    const office = await startUas({ behaviour: 'answer', port: officePort });
    try {
      const r = await call({ to: open, expect: 200, talkMs: 500 });
      expect(r.finalCode).toBe(200);
      const invites = await office.waitForInvites(1);
      expect(invites[0]!.user).toBe(open);
    } finally {
      await office.stop();
    }
  });

  test('hangup rejects with the configured SIP code and never answers', async () => {
    const r = await call({ to: rejected, expect: 403 });
    expect(r.finalCode).toBe(403);
    expect(r.sent200).toBe(false);
    expect(await eventually(async () => (await streamEvents(redis, prefix)).some((e) => e.did === rejected), 10_000)).toBe(true);
    const event = (await streamEvents(redis, prefix)).find((e) => e.did === rejected)!;
    expect(event.action).toBe('hangup');
    expect(event.outcome).toEqual({ kind: 'rejected', cause: 'rejected' });
    expect(event.reason).toBe('day-off');
    expect(event.caller).toBe('+48600100200');
  });

  test('an announcement plays as early media (183), then the rejection, with no 200', async () => {
    const r = await call({ to: announced, expect: 486, earlyMedia: true });
    expect(r.codes).toContain(183);
    expect(r.finalCode).toBe(486);
    expect(r.sent200).toBe(false);
    const i183 = r.codes.indexOf(183);
    expect(i183).toBeLessThan(r.codes.indexOf(486));
  });

  test('voicemail answers, records what the caller said, and the event names the recording', async () => {
    const r = await call({ to: voicemail, expect: 200, talkMs: 4000 });
    expect(r.finalCode).toBe(200);
    expect(await eventually(async () => (await streamEvents(redis, prefix)).some((e) => e.did === voicemail), 8000)).toBe(true);
    const event = (await streamEvents(redis, prefix)).find((e) => e.did === voicemail)!;
    expect(event.outcome.kind).toBe('recorded');
    if (event.outcome.kind !== 'recorded') return;
    // 4 s on the line minus the 0.4 s greeting and the beep.
    expect(event.outcome.durationSeconds).toBeGreaterThanOrEqual(2);
    expect(event.outcome.durationSeconds).toBeLessThanOrEqual(4);
    const file = await fetch(`${ariUrl}/ari/recordings/stored/${event.outcome.recording.name}/file`, {
      headers: { authorization: `Basic ${Buffer.from(`${ariUser}:${ariPassword}`).toString('base64')}` },
    });
    expect(file.status).toBe(200);
    const wav = Buffer.from(await file.arrayBuffer());
    expect(wav.toString('ascii', 0, 4)).toBe('RIFF');
    // 8 kHz, 16-bit mono: bytes of audio say how long it is.
    expect((wav.length - 44) / 16000).toBeGreaterThanOrEqual(2);
  });

  test('a caller who hangs up during the greeting leaves an event saying so, and nothing behind', async () => {
    const bridgesBefore = await ariBridges();
    const before = (await daemon.health())!.resources;
    const r = await call({ to: longGreeting, expect: 200, talkMs: 800 });
    expect(r.finalCode).toBe(200);
    expect(await eventually(async () => (await streamEvents(redis, prefix)).some((e) => e.did === longGreeting), 10_000)).toBe(true);
    const event = (await streamEvents(redis, prefix)).find((e) => e.did === longGreeting)!;
    expect(event.outcome.kind).toBe('caller-hung-up');
    const after = (await daemon.health())!.resources;
    expect(after).toEqual({ ...before, calls: 0, peers: 0, playbacks: 0, recordings: 0 });
    expect(await ariBridges()).toBe(bridgesBefore);
  });

  test('forward: the trunk gets the E.164 number, the caller is bridged when it answers', async () => {
    const trunk = await startUas({ behaviour: 'answer' });
    const bridgesBefore = await ariBridges();
    try {
      const r = await call({ to: forwarded, expect: 200, talkMs: 1500 });
      expect(r.finalCode).toBe(200);
      const invites = await trunk.waitForInvites(1);
      expect(invites[0]!.user).toBe(forwardTarget);
    } finally {
      await trunk.stop();
    }
    expect(await eventually(async () => (await streamEvents(redis, prefix)).some((e) => e.did === forwarded), 10_000)).toBe(true);
    const event = (await streamEvents(redis, prefix)).find((e) => e.did === forwarded)!;
    expect(event.outcome).toMatchObject({ kind: 'forwarded', to: forwardTarget, answered: true });
    expect(await eventually(async () => (await ariBridges()) === bridgesBefore, 10_000)).toBe(true);
    expect((await daemon.health())!.resources).toMatchObject({ calls: 0, peers: 0 });
  });

  test('forward that nobody answers runs the fallback, and the caller was never answered', async () => {
    const trunk = await startUas({ behaviour: 'ring' });
    try {
      const r = await call({ to: forwardUnanswered, expect: 480, timeoutMs: 20000 });
      expect(r.codes).toContain(180);
      expect(r.finalCode).toBe(480);
      expect(r.sent200).toBe(false);
      expect((await trunk.waitForInvites(1))[0]!.user).toBe(forwardTarget);
    } finally {
      await trunk.stop();
    }
    expect(await eventually(async () => (await streamEvents(redis, prefix)).some((e) => e.did === forwardUnanswered), 10_000)).toBe(true);
    const event = (await streamEvents(redis, prefix)).find((e) => e.did === forwardUnanswered)!;
    expect(event.outcome).toMatchObject({ kind: 'forwarded', answered: false, fallback: { kind: 'rejected', cause: 'no_answer' } });
  });

  test('every closed-hours call so far wrote exactly one event', async () => {
    const closedCalls = [rejected, announced, voicemail, longGreeting, forwarded, forwardUnanswered];
    // Wait for the last call's event: an empty stream must fail this test, not pass it.
    expect(await eventually(async () => (await streamEvents(redis, prefix)).length >= closedCalls.length, 10_000)).toBe(true);
    const events = await streamEvents(redis, prefix);
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
    expect(closedCalls.map((did) => events.filter((e) => e.did === did).length)).toEqual(closedCalls.map(() => 1));
    expect(events.filter((e) => e.did === open)).toHaveLength(0);
    expect(events).toHaveLength(closedCalls.length);
  });

  test("push changes the next call's decision; a bad push changes nothing", async () => {
    const env = { REDIS_PREFIX: prefix };
    const good = writeConfig(configYaml([{ did: open, open: false, afterHours: '{ action: hangup, hangup: { cause: unallocated } }' }]));
    const pushed = runCli(['push', '--config', good], env);
    expect(pushed.status).toBe(0);
    expect(await eventually(async () => (await daemon.decision(open)).open === false, 10_000)).toBe(true);
    const r = await call({ to: open, expect: 404 });
    expect(r.finalCode).toBe(404);

    const versionBefore = await redis.get(`${prefix}config:version`);
    const bad = writeConfig(configYaml([{ did: open, open: true, afterHours: '{ action: teleport }' }]));
    const refused = runCli(['push', '--config', bad], env);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/after-hours\.yaml:\d+:\d+: .*action/);
    expect(await redis.get(`${prefix}config:version`)).toBe(versionBefore);
    expect((await daemon.decision(open)).open).toBe(false);
  });
});

describe('overrides', () => {
  test('an override closes an open number on two daemons at once, within a second', async () => {
    const prefix = uniquePrefix('override');
    const did = uniqueDid();
    const file = writeConfig(configYaml([{ did, open: true, afterHours: '{ action: hangup }' }]));
    const a = await startDaemon({ configFile: file, prefix, app: 'after-hours' });
    const b = await startDaemon({ configFile: file, prefix, app: 'after-hours-second' });
    try {
      await Promise.all([a.waitHealthy(), b.waitHealthy()]);
      expect((await a.decision(did)).open).toBe(true);
      expect((await b.decision(did)).open).toBe(true);
      const set = runCli(['override', 'set', '--did', did, '--state', 'closed', '--for', '2h', '--note', 'flood'], {
        REDIS_PREFIX: prefix,
      });
      expect(set.status).toBe(0);
      const both = async () => !(await a.decision(did)).open && !(await b.decision(did)).open;
      expect(await eventually(both, 10_000)).toBe(true);
      expect((await a.decision(did)).reason).toBe('override');
      const r = await call({ to: did, expect: 486 });
      expect(r.finalCode).toBe(486);
      expect(runCli(['override', 'list', '--json'], { REDIS_PREFIX: prefix }).stdout).toContain(did);
      expect(runCli(['override', 'clear', '--did', did], { REDIS_PREFIX: prefix }).status).toBe(0);
      expect(await eventually(async () => (await a.decision(did)).open && (await b.decision(did)).open, 10_000)).toBe(true);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });
});

describe('faults', () => {
  test('with the daemon killed, calls take the dialplan fallback; SIGTERM exits 0', async () => {
    const prefix = uniquePrefix('kill');
    const did = uniqueDid();
    const d = await startDaemon({ configFile: writeConfig(configYaml([{ did, open: false, afterHours: '{ action: hangup }' }])), prefix });
    await d.waitHealthy();
    expect((await call({ to: did, expect: 486 })).finalCode).toBe(486);
    const started = Date.now();
    expect(await d.stop('SIGTERM')).toBe(0);
    expect(Date.now() - started).toBeLessThan(8000);
    const office = await startUas({ behaviour: 'answer', port: officePort });
    try {
      const r = await call({ to: did, expect: 200, talkMs: 300 });
      expect(r.finalCode).toBe(200);
      expect((await office.waitForInvites(1))[0]!.user).toBe(did);
    } finally {
      await office.stop();
    }
  });
});

describe('Redis outage', () => {
  test('calls are still decided while Redis is down; every event arrives once after it is back, across a daemon restart', async () => {
    const { spawn } = await import('node:child_process');
    const { freeTcpPort } = await import('../support/daemon');
    const port = await freeTcpPort();
    const startRedis = async () => {
      const p = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      await new Promise<void>((resolve, reject) => {
        let out = '';
        p.stdout!.on('data', (d: Buffer) => {
          out += d.toString();
          if (out.includes('Ready to accept connections')) resolve();
        });
        p.once('exit', (c) => reject(new Error(`redis-server exited ${c}`)));
      });
      return p;
    };
    /** Events in the daemon's spool (on disk or held), from its metrics. */
    const spooled = async (daemon: RunningDaemon) =>
      Number(/^after_hours_spooled_events (\d+)/m.exec(await (await fetch(`http://127.0.0.1:${daemon.port}/metrics`)).text())?.[1]);
    const url = `redis://127.0.0.1:${port}`;
    const prefix = uniquePrefix('outage');
    const did = uniqueDid();
    const file = writeConfig(configYaml([{ did, open: false, afterHours: '{ action: hangup }' }]));
    let redisProc = await startRedis();
    const spoolDir = (await import('node:fs')).mkdtempSync(join((await import('node:os')).tmpdir(), 'ah-spool-'));
    let d = await startDaemon({ configFile: file, prefix, redis: url, spoolDir });
    const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
    try {
      await d.waitHealthy();
      expect((await call({ to: did, expect: 486 })).finalCode).toBe(486);
      await client.connect();
      expect(await eventually(async () => (await client.xlen(`${prefix}events`)) === 1, 10_000)).toBe(true);
      client.disconnect();

      redisProc.kill('SIGKILL');
      await new Promise((r) => redisProc.once('exit', r));
      expect((await call({ to: did, expect: 486 })).finalCode).toBe(486);
      expect((await call({ to: did, expect: 486 })).finalCode).toBe(486);

      // Crash the daemon during the outage: the spooled events survive it. Once they are spooled:
      // an event is written after its call ends (the caller's 486 does not wait for the disk), so a
      // crash in that moment loses it; a run with four workers once killed the daemon in between.
      expect(await eventually(async () => (await spooled(d)) === 2, 10000, 50)).toBe(true);
      await d.stop('SIGKILL');
      d = await startDaemon({ configFile: file, prefix, redis: url, spoolDir });
      await d.waitHealthy();
      expect((await call({ to: did, expect: 486 })).finalCode).toBe(486);

      redisProc = await startRedis();
      await client.connect();
      // A fresh Redis: the first event died with the old one; the three spooled ones arrive (the
      // daemon's reconnect backs off up to 5 s per attempt).
      const count = async () => (await client.xlen(`${prefix}events`)) >= 3;
      expect(await eventually(count, 15000, 200)).toBe(true);
      // Nothing more to come: the daemon's spool is empty (every spooled event acknowledged).
      expect(await eventually(async () => (await spooled(d)) === 0, 15000, 100)).toBe(true);
      const events = await streamEvents(client, prefix);
      expect(events).toHaveLength(3);
      expect(new Set(events.map((e) => e.id)).size).toBe(3);
    } finally {
      client.disconnect();
      await d.stop();
      redisProc.kill('SIGKILL');
    }
  }, 120_000);
});
