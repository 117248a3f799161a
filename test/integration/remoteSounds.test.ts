// An Asterisk on another host: a second stack whose Asterisk root does NOT contain the
// repository (scripts/stack with AH_STACK_MOUNT_REPO=0), on its own ports and run dir, so the
// shared stack is untouched. The daemon serves its sounds over HTTP (SOUNDS_BASE_URL) and
// Asterisk plays them through res_http_media_cache. The caller's media port is a UDP socket
// of the test's (rtpPeer): the greeting and the announcement must arrive there as RTP, for as
// long as the sound file lasts. Then the CRM worker stores the voicemail in (fake) Bitrix24
// and deletes it from Asterisk.
import { spawnSync } from 'node:child_process';
import * as dgram from 'node:dgram';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import pino from 'pino';
import { createAdapter } from '../../src/crm/adapterRegistry';
import { CrmWorker } from '../../src/crm/worker';
import { streamKeys } from '../../src/events/stream';
import { packageRoot } from '../../src/paths';
import { FakeBitrix24 } from '../support/fakeBitrix24';
import { scenarioWithMediaPort, startRtpPeer, wavSeconds } from '../support/rtpPeer';

jest.setTimeout(300_000);

const repoRoot = packageRoot();
const stackScript = join(repoRoot, 'scripts', 'stack');
const LOCK = '/tmp/after-hours-stack.lock';
const greeting = join(repoRoot, 'sounds', 'warsaw.wav');
const announcement = join(repoRoot, 'sounds', 'closed.wav');
/** Packetisation and scheduling slack: the sound's length within this much. */
const TOLERANCE_MS = 600;

const freeTcp = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
const freeUdp = (): Promise<number> =>
  new Promise((resolve) => {
    const s = dgram.createSocket('udp4');
    s.bind(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => resolve(p));
    });
  });

describe('Asterisk without the repository: sounds over HTTP, recordings deleted after the CRM', () => {
  const runDir = mkdtempSync(join(tmpdir(), 'ah-stack-remote-'));
  let stackEnv: NodeJS.ProcessEnv;
  let support: typeof import('../support/daemon');
  let sipp: typeof import('../support/sipp');
  let env: typeof import('../support/stackEnv');
  let daemon: import('../support/daemon').RunningDaemon | undefined;
  let asteriskPid = 0;
  const stack = (verb: string) => spawnSync('flock', [LOCK, stackScript, verb], { env: stackEnv, encoding: 'utf8', timeout: 600_000 });

  beforeAll(async () => {
    stackEnv = {
      ...process.env,
      AH_STACK_DIR: runDir,
      AH_STACK_BACKEND: 'chroot',
      AH_STACK_MOUNT_REPO: '0',
      AH_REDIS_PORT: String(await freeTcp()),
      AH_ARI_PORT: String(await freeTcp()),
      AH_ARI_TLS_PORT: String(await freeTcp()),
      AH_SIP_PORT: String(await freeUdp()),
      AH_TRUNK_PORT: String(await freeUdp()),
      AH_OFFICE_PORT: String(await freeUdp()),
      AH_RTP_START: '12000',
      AH_RTP_END: '12199',
    };
    delete stackEnv.AH_TLS_DIR;
    const up = stack('up');
    if (up.status !== 0) throw new Error(`second stack did not start:\n${up.stderr}${up.stdout}`);
    asteriskPid = Number(readFileSync(join(runDir, 'asterisk.pid'), 'utf8').trim());
    // The support modules read the stack's ports when loaded: point them at the second stack.
    for (const k of ['AH_STACK_DIR', 'AH_REDIS_PORT', 'AH_ARI_PORT', 'AH_ARI_TLS_PORT', 'AH_SIP_PORT', 'AH_TRUNK_PORT', 'AH_OFFICE_PORT'])
      process.env[k] = stackEnv[k];
    delete process.env.AH_TLS_DIR;
    env = await import('../support/stackEnv');
    support = await import('../support/daemon');
    sipp = await import('../support/sipp');
    // Loaded earlier (by another import), they would still point at the shared stack.
    if (env.sipPort !== Number(stackEnv.AH_SIP_PORT) || env.ariPort !== Number(stackEnv.AH_ARI_PORT)) {
      throw new Error(`test/support/stackEnv was loaded before the second stack's ports were set (SIP ${env.sipPort}, ARI ${env.ariPort})`);
    }
  });

  afterAll(async () => {
    await daemon?.stop();
    if (process.env.AH_KEEP_REMOTE_STACK === '1') return;
    const down = stack('down');
    if (down.status === 0) rmSync(runDir, { recursive: true, force: true, maxRetries: 2 });
    else console.error(`second stack down failed:\n${down.stderr}`);
  });

  test("the repository is not in that Asterisk's root: an absolute sound path cannot play there", () => {
    expect(existsSync(`/proc/${asteriskPid}/root${join(repoRoot, 'package.json')}`)).toBe(false);
    expect(existsSync(`/proc/${asteriskPid}/root/usr/sbin/asterisk`)).toBe(true);
  });

  test('greeting and announcement are heard (RTP for as long as the file lasts); the voicemail is stored, then gone from Asterisk', async () => {
    const voicemailDid = env.uniqueDid();
    const announcedDid = env.uniqueDid();
    const configFile = support.writeConfig(
      [
        // a queue user: an unknown caller becomes a lead, and the voicemail is attached to the call
        'defaults: { region: PL, timezone: Europe/Warsaw, crm: { queue: [7] } }',
        'numbers:',
        `  - { did: "${voicemailDid}", hours: {}, afterHours: { action: voicemail, voicemail: { greeting: "${greeting}", maxSeconds: 20, maxSilenceSeconds: 10 } } }`,
        `  - { did: "${announcedDid}", hours: {}, afterHours: { action: hangup, hangup: { cause: busy, announcement: "${announcement}" } } }`,
        '',
      ].join('\n'),
    );
    const prefix = env.uniquePrefix('remote');
    const metricsPort = await freeTcp();
    daemon = await support.startDaemon({
      configFile,
      prefix,
      port: metricsPort,
      env: { SOUNDS_BASE_URL: `http://127.0.0.1:${metricsPort}/sounds` },
    });
    await daemon.waitHealthy();

    // 1. The announcement as early media: 183, RTP for the file's length, then 486; never answered.
    const announced = await startRtpPeer();
    const heard: { announcementMs: number; greetingMs: number } = { announcementMs: 0, greetingMs: 0 };
    try {
      const r = await sipp.call({
        to: announcedDid,
        expect: 486,
        earlyMedia: true,
        scenario: scenarioWithMediaPort('caller-early-media-reject', announced.port),
        timeoutMs: 20_000,
      });
      expect(r.finalCode).toBe(486);
      expect(r.sent200).toBe(false);
      expect(r.codes).toContain(183);
      const spurts = announced.spurts();
      if (spurts.length === 0)
        console.log(
          `no RTP; SIP: ${r.messages
            .map((m) => m.raw)
            .join('\n----\n')
            .slice(0, 6000)}\ndaemon: ${daemon.logs().slice(-5000)}`,
        );
      expect(spurts.length).toBeGreaterThanOrEqual(1);
      heard.announcementMs = spurts[0]!.durationMs;
      expect(Math.abs(heard.announcementMs - wavSeconds(announcement) * 1000)).toBeLessThan(TOLERANCE_MS);
      expect(spurts[0]!.packets).toBeGreaterThan(wavSeconds(announcement) * 50 * 0.8);
    } finally {
      await announced.close();
    }

    // 2. Voicemail: answered, the greeting as RTP for its length, the beep, then the caller talks.
    const caller = await startRtpPeer({ talk: true });
    const fake = await new FakeBitrix24().start();
    const redis = new Redis(env.redisUrl);
    const reader = new Redis(env.redisUrl);
    const keys = streamKeys(prefix);
    const logger = pino({ level: process.env.AH_TEST_LOG ?? 'silent' });
    const worker = new CrmWorker({
      redis,
      reader,
      keys,
      logger,
      blockMs: 200,
      adapter: createAdapter({ ...fake.workerEnv, ARI_URL: env.ariUrl, ARI_USER: env.ariUser, ARI_PASSWORD: env.ariPassword }, logger, {
        redis,
        keys,
      }),
    });
    try {
      const r = await sipp.call({
        to: voicemailDid,
        expect: 200,
        talkMs: 10_000,
        scenario: scenarioWithMediaPort('caller-answered', caller.port),
        timeoutMs: 30_000,
      });
      expect(r.finalCode).toBe(200);
      const spurts = caller.spurts();
      expect(spurts.length).toBeGreaterThanOrEqual(1);
      // The first spurt is the greeting (the beep may follow without a gap: at most ~0.5 s more).
      heard.greetingMs = spurts[0]!.durationMs;
      const expected = wavSeconds(greeting) * 1000;
      expect(heard.greetingMs).toBeGreaterThan(expected - TOLERANCE_MS);
      expect(heard.greetingMs).toBeLessThan(expected + TOLERANCE_MS + 500);
      console.log(
        `RTP heard: announcement ${heard.announcementMs} ms (file ${Math.round(wavSeconds(announcement) * 1000)} ms), greeting ${heard.greetingMs} ms (file ${Math.round(expected)} ms), spurts ${JSON.stringify(spurts.map((s) => [s.durationMs, s.packets]))}`,
      );

      // The event names the recording; Asterisk has it until the worker stored it.
      let name = '';
      expect(
        await support.eventually(
          async () => {
            const entries = (await redis.xrange(keys.stream, '-', '+')) as [string, string[]][];
            for (const [, fields] of entries) {
              const i = fields.indexOf('event');
              const ev =
                i >= 0
                  ? (JSON.parse(fields[i + 1]!) as { did: string; outcome: { kind: string; recording?: { name: string } } })
                  : undefined;
              if (ev?.did === voicemailDid && ev.outcome.kind === 'recorded') name = ev.outcome.recording!.name;
            }
            return name !== '';
          },
          15_000,
          100,
        ),
      ).toBe(true);
      const stored = (n: string) =>
        fetch(`${env.ariUrl}/ari/recordings/stored/${encodeURIComponent(n)}`, {
          headers: { authorization: `Basic ${Buffer.from(`${env.ariUser}:${env.ariPassword}`).toString('base64')}` },
        });
      expect((await stored(name)).status).toBe(200);

      await worker.start();
      expect(await support.eventually(() => [...fake.calls.values()].some((c) => c.records.length > 0), 20_000, 100)).toBe(true);
      expect(await support.eventually(async () => (await stored(name)).status === 404, 10_000, 100)).toBe(true);
      const attached = [...fake.calls.values()].flatMap((c) => c.records);
      expect(attached[0]!.filename).toBe(`${name}.wav`);
      expect(attached[0]!.bytes).toBeGreaterThan(8000);
      // Both sounds came from the daemon's endpoint (the repository is not in Asterisk's root): no playback failed.
      expect(daemon.logs()).not.toMatch(/playback failed/);
      const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
      expect(metrics).not.toMatch(/after_hours_media_failures_total\{[^}]*\} [1-9]/);
    } finally {
      await worker.stop();
      redis.disconnect();
      reader.disconnect();
      await fake.stop();
      await caller.close();
    }
  });
});
