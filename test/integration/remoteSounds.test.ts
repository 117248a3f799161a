// An Asterisk on another host: a second stack whose Asterisk root does NOT contain the
// repository (test/support/remoteStack.ts), on its own ports and run dir, so the shared stack
// is untouched. The daemon serves its sounds over HTTP (SOUNDS_BASE_URL) and
// Asterisk plays them through res_http_media_cache. The caller's media port is a UDP socket
// of the test's (rtpPeer): the greeting and the announcement must arrive there as RTP, for as
// long as the sound file lasts. Then the CRM worker stores the voicemail in (fake) Bitrix24
// and deletes it from Asterisk.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Redis from 'ioredis';
import pino from 'pino';
import { createAdapter } from '../../src/crm/adapterRegistry';
import { CrmWorker } from '../../src/crm/worker';
import { streamKeys } from '../../src/store/eventStream';
import { packageRoot } from '../../src/shared/paths';
import { FakeBitrix24 } from '../support/fakeBitrix24';
import { useRemoteStack, type RemoteStack } from '../support/remoteStack';
import { wavSeconds } from '../support/rtpPeer';
import { workerSettings } from '../../src/settings/processes';

jest.setTimeout(300_000);

const repoRoot = packageRoot();
const greeting = join(repoRoot, 'sounds', 'warsaw.wav');
const announcement = join(repoRoot, 'sounds', 'closed.wav');
/** Packetisation and scheduling slack: the sound's length within this much. */
const TOLERANCE_MS = 600;

describe('Asterisk without the repository: sounds over HTTP, recordings deleted after the CRM', () => {
  let stack: RemoteStack;
  let support: RemoteStack['support'];
  let env: RemoteStack['env'];
  let daemon: import('../support/daemon').RunningDaemon | undefined;
  let asteriskPid = 0;

  beforeAll(async () => {
    stack = await useRemoteStack();
    ({ support, env, asteriskPid } = stack);
  });

  afterAll(async () => {
    await daemon?.stop();
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
    const started = await stack.startSoundsDaemon(configFile, prefix);
    daemon = started.daemon;
    const metricsPort = started.metricsPort;

    // 1. The announcement as early media: 183, RTP for the file's length, then 486; never answered.
    const heard: { announcementMs: number; greetingMs: number } = { announcementMs: 0, greetingMs: 0 };
    const announced = await stack.callHearing({ to: announcedDid, expect: 486 });
    expect(announced.result.finalCode).toBe(486);
    expect(announced.result.sent200).toBe(false);
    expect(announced.result.codes).toContain(183);
    if (announced.spurts.length === 0)
      console.log(
        `no RTP; SIP: ${announced.result.messages
          .map((m) => m.raw)
          .join('\n----\n')
          .slice(0, 6000)}\ndaemon: ${daemon.logs().slice(-5000)}`,
      );
    expect(announced.spurts.length).toBeGreaterThanOrEqual(1);
    heard.announcementMs = announced.spurts[0]!.durationMs;
    // Played in full; a loaded machine may stretch what the caller hears, never shorten it.
    expect(heard.announcementMs).toBeGreaterThan(wavSeconds(announcement) * 1000 - TOLERANCE_MS);
    expect(heard.announcementMs).toBeLessThan(wavSeconds(announcement) * 1000 + 3 * TOLERANCE_MS);
    expect(announced.spurts[0]!.packets).toBeGreaterThan(wavSeconds(announcement) * 50 * 0.8);

    // 2. Voicemail: answered, the greeting as RTP for its length, the beep, then the caller talks.
    const fake = await new FakeBitrix24().start();
    const redis = new Redis(env.redisUrl);
    const reader = new Redis(env.redisUrl);
    const keys = streamKeys(prefix);
    const logger = pino({ level: process.env.AH_TEST_LOG ?? 'silent' });
    const adapter = createAdapter(
      workerSettings({ ...fake.workerEnv, ARI_URL: env.ariUrl, ARI_USER: env.ariUser, ARI_PASSWORD: env.ariPassword }),
      logger,
      { redis, keys },
    );
    const worker = new CrmWorker({ redis, reader, keys, logger, blockMs: 200, adapter });
    try {
      const { result: r, spurts } = await stack.callHearing({ to: voicemailDid, expect: 200, talkMs: 10_000 });
      expect(r.finalCode).toBe(200);
      expect(spurts.length).toBeGreaterThanOrEqual(1);
      // The first spurt is the greeting (the beep may follow without a gap: at most ~0.5 s more).
      heard.greetingMs = spurts[0]!.durationMs;
      const expected = wavSeconds(greeting) * 1000;
      expect(heard.greetingMs).toBeGreaterThan(expected - TOLERANCE_MS);
      expect(heard.greetingMs).toBeLessThan(expected + 3 * TOLERANCE_MS + 500);
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
      // Its ARI connections (the recording's download and deletion), as crm-worker's stop does.
      await adapter.close?.();
      redis.disconnect();
      reader.disconnect();
      await fake.stop();
    }
  });
});
