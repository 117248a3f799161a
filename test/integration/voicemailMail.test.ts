// Voicemail by e-mail on the real stack: a sipp call to a closed voicemail number whose
// number names a recipient leaves a message (the caller's RTP after the beep); the CRM worker
// (no CRM, only SMTP: CRM_ADAPTER defaults to none) fetches the recording from Asterisk over
// ARI and mails it to a real SMTP server the test runs. The mail is in the number's language,
// carries the WAV (and an MP3), and the WAV lasts as long as the caller spoke after the beep;
// then the recording is gone from Asterisk (a mailed voicemail counts as stored).
import { join } from 'node:path';
import { Redis } from 'ioredis';
import pino from 'pino';
import { createAdapter } from '../../src/crm/adapterRegistry';
import { CrmWorker } from '../../src/crm/worker';
import { streamKeys } from '../../src/store/eventStream';
import type { AfterHoursEvent } from '../../src/events/types';
import { parseEvent } from '../../src/events/validate';
import { eventually, startDaemon, writeConfig, type RunningDaemon } from '../support/daemon';
import { scenarioWithMediaPort, startRtpPeer } from '../support/rtpPeer';
import { call } from '../support/sipp';
import { startSmtpServer, type TestSmtpServer } from '../support/smtpServer';
import { ariPassword, ariUrl, ariUser, redisUrl, repoRoot, uniqueDid, uniquePrefix } from '../support/stackEnv';
import { wavInfo } from '../support/wav';
import { workerSettings } from '../../src/settings/processes';

jest.setTimeout(120_000);

const shortGreeting = join(repoRoot, 'test', 'fixtures', 'sounds', 'short-greeting.wav');

describe('voicemail by e-mail, on a real call', () => {
  const did = uniqueDid();
  const prefix = uniquePrefix('vmmail');
  const keys = streamKeys(prefix);
  let daemon: RunningDaemon;
  let smtp: TestSmtpServer;
  let redis: Redis;

  beforeAll(async () => {
    smtp = await startSmtpServer();
    redis = new Redis(redisUrl);
    const configFile = writeConfig(
      [
        'defaults: { region: PL, timezone: Europe/Warsaw }',
        'numbers:',
        `  - did: "${did}"`,
        '    name: Biuro Warszawa',
        '    language: pl',
        '    hours: {}',
        // a 0.4 s greeting (the shipped Polish one lasts seconds the test would only wait out)
        `    afterHours: { action: voicemail, voicemail: { greeting: "${shortGreeting}", maxSeconds: 30, maxSilenceSeconds: 10, email: [biuro@example.com] } }`,
        '',
      ].join('\n'),
    );
    daemon = await startDaemon({ configFile, prefix });
    await daemon.waitHealthy();
  });

  afterAll(async () => {
    await daemon?.stop();
    redis?.disconnect();
    await smtp?.stop();
  });

  it('the e-mail arrives in Polish with the recording, as long as the caller spoke after the beep', async () => {
    const caller = await startRtpPeer({ talk: true });
    let r;
    try {
      r = await call({
        to: did,
        from: '48600100200',
        expect: 200,
        talkMs: 6_000,
        scenario: scenarioWithMediaPort('caller-answered', caller.port),
        timeoutMs: 40_000,
      });
    } finally {
      await caller.close();
    }
    expect(r.finalCode).toBe(200);
    // What the caller sent into the recording: from the end of the greeting and beep (the last
    // RTP it heard) to its BYE, both measured on the caller's side.
    const ok = r.messages.find((m) => m.direction === 'received' && m.code === 200 && m.method === 'INVITE');
    const bye = r.messages.find((m) => m.direction === 'sent' && m.method === 'BYE' && m.code === null);
    expect(ok && bye).toBeTruthy();
    const heard = caller.packets[caller.packets.length - 1]!.at - caller.packets[0]!.at;
    const spokeSeconds = (bye!.at - ok!.at - heard) / 1000;
    expect(spokeSeconds).toBeGreaterThan(3);

    let event: AfterHoursEvent | undefined;
    expect(
      await eventually(
        async () => {
          for (const [, fields] of await redis.xrange(keys.stream, '-', '+')) {
            const parsed = parseEvent(fields[fields.indexOf('event') + 1]!);
            if (parsed.ok && parsed.event.did === did) event = parsed.event;
          }
          return event !== undefined;
        },
        15_000,
        100,
      ),
    ).toBe(true);
    expect(event!.language).toBe('pl');
    expect(event!.outcome).toMatchObject({ kind: 'recorded', mailTo: ['biuro@example.com'] });
    const recorded = event!.outcome as { recording: { name: string }; durationSeconds: number };

    const logger = pino({ level: process.env.AH_TEST_LOG ?? 'silent' });
    const workerRedis = new Redis(redisUrl);
    const reader = new Redis(redisUrl);
    const adapter = createAdapter(workerSettings({ ...smtp.env, ARI_URL: ariUrl, ARI_USER: ariUser, ARI_PASSWORD: ariPassword }), logger, {
      redis: workerRedis,
      keys,
    });
    expect(adapter.name).toBe('none');
    const worker = new CrmWorker({ redis: workerRedis, reader, keys, logger, blockMs: 200, adapter });
    try {
      await worker.start();
      expect(await eventually(() => smtp.mails.length === 1, 20_000, 100)).toBe(true);
    } finally {
      await worker.stop();
      await adapter.close?.();
      workerRedis.disconnect();
      reader.disconnect();
    }
    const mail = smtp.mails[0]!;
    expect(mail.to).toEqual(['biuro@example.com']);
    expect(mail.parsed.subject).toMatch(/^Wiadomość głosowa od \+48600100200 na numer Biuro Warszawa \(\d+ s\)$/);
    expect(mail.parsed.text).toContain(`Na numer: Biuro Warszawa (${did})`);
    expect(mail.parsed.text).toMatch(/Kiedy: \d\d\.\d\d\.\d{4} \d\d:\d\d \(Europe\/Warsaw\)/);
    const wav = mail.parsed.attachments.find((a) => a.contentType === 'audio/wav')!;
    expect(mail.parsed.attachments.map((a) => a.contentType)).toEqual(['audio/wav', 'audio/mpeg']);
    const info = wavInfo(wav.content);
    console.log(
      `voicemail: caller spoke ${spokeSeconds.toFixed(2)} s after the beep; Asterisk reported ${recorded.durationSeconds} s; the mailed WAV lasts ${info.seconds.toFixed(2)} s (${info.rate} Hz, ${info.bits}-bit, ${info.channels} ch); MP3 ${mail.parsed.attachments[1]!.size} bytes`,
    );
    expect(info).toMatchObject({ channels: 1, rate: 8000, bits: 16 });
    expect(Math.abs(info.seconds - spokeSeconds)).toBeLessThan(1);
    // Asterisk reports whole seconds, cut down (RecordingFinished's duration): 4.98 s is 4.
    expect(info.seconds - recorded.durationSeconds).toBeGreaterThanOrEqual(0);
    expect(info.seconds - recorded.durationSeconds).toBeLessThan(1);

    // Mailed counts as stored: the recording leaves Asterisk at once.
    const stored = await fetch(`${ariUrl}/ari/recordings/stored/${encodeURIComponent(recorded.recording.name)}`, {
      headers: { authorization: `Basic ${Buffer.from(`${ariUser}:${ariPassword}`).toString('base64')}` },
    });
    expect(stored.status).toBe(404);
  });
});
