// Voicemail by e-mail: the worker's mail step against a real SMTP server (smtp-server on
// loopback), the message read back with mailparser; the worker itself against a real
// redis-server: once per event, retried on a transient SMTP error, dead-lettered on a
// permanent one, and the recording deleted from Asterisk only after the mail went.
import { PermanentCrmError, TransientCrmError, type CrmAdapter, type RecordingFetcher, type StepJournal } from '../../../src/crm/adapter';
import { withRecordingCleanup } from '../../../src/crm/ariRecordings';
import { createAdapter } from '../../../src/crm/adapterRegistry';
import { listDead } from '../../../src/crm/deadLetters';
import { createMp3Encoder } from '../../../src/crm/mp3Encoder';
import { createSmtpSender } from '../../../src/crm/smtpMailer';
import { smtpSettings } from '../../../src/settings/smtp';
import { VOICEMAIL_MAILED_STEP, withVoicemailMail, type VoicemailMailOptions } from '../../../src/crm/voicemailMail';
import { EventStream } from '../../../src/store/eventStream';
import type { AfterHoursEvent } from '../../../src/events/types';
import { startRedisServer, type RedisServer } from '../../support/redisServer';
import { startSmtpServer, type TestSmtpServer } from '../../support/smtpServer';
import { toneWav, wavInfo } from '../../support/wav';
import { makeEvent } from './fixtures';
import { freshKeys, silent, startWorker, waitFor, type Running } from './harness';
import { workerSettings } from '../../../src/settings/processes';

jest.setTimeout(30_000);

const WAV = toneWav(3.5);
const fetchRecording: RecordingFetcher = async (rec) => (rec.name === 'gone' ? null : { filename: `${rec.name}.wav`, content: WAV });
const NO_CRM: CrmAdapter = { name: 'none', lookupCaller: async () => ({ kind: 'skipped' }), apply: async () => undefined };
const signal = new AbortController().signal;

function memoryJournal(): StepJournal & { steps: Map<string, string> } {
  const steps = new Map<string, string>();
  return { steps, get: async (k) => steps.get(k), set: async (k, v) => void steps.set(k, v) };
}

function voicemailEvent(patch: Partial<Record<keyof AfterHoursEvent, unknown>> = {}, mailTo = ['office@example.com', 'boss@example.com']) {
  return makeEvent({ outcome: { kind: 'recorded', recording: { name: 'vm-1', format: 'wav' }, durationSeconds: 3.5, mailTo }, ...patch });
}

let smtp: TestSmtpServer;
beforeEach(async () => {
  smtp = await startSmtpServer();
});
afterEach(async () => {
  await smtp.stop();
});

function mailer(extra: Partial<VoicemailMailOptions> = {}, inner: CrmAdapter = NO_CRM): CrmAdapter {
  return withVoicemailMail(inner, {
    sender: createSmtpSender(smtpSettings(smtp.env)!),
    fetchRecording,
    encodeMp3: createMp3Encoder(),
    logger: silent,
    backoffBaseMs: 5,
    backoffMaxMs: 20,
    ...extra,
  });
}

describe('the voicemail e-mail', () => {
  it('English: subject and body, the WAV (its length as recorded) and an MP3, a stable Message-ID', async () => {
    const event = voicemailEvent({ language: 'en' });
    await mailer().apply(event, [], { journal: memoryJournal(), signal });
    expect(smtp.mails).toHaveLength(1);
    const m = smtp.mails[0]!;
    expect(m.to).toEqual(['office@example.com', 'boss@example.com']);
    expect(m.from).toBe('after-hours@example.com');
    expect(m.parsed.subject).toBe('Voicemail from +48600100200 to Sales (4 s)');
    expect(m.parsed.text).toContain('When: 2025-01-06 19:42 (Europe/Warsaw)');
    expect(m.parsed.text).toContain('Length: 4 s');
    expect(m.parsed.messageId).toBe(`<${event.id}@after-hours>`);
    const [wav, mp3] = m.parsed.attachments;
    expect(wav!.contentType).toBe('audio/wav');
    expect(wav!.filename).toBe('voicemail-2025-01-06-19-42-00.wav');
    expect(wavInfo(wav!.content)).toEqual({ channels: 1, rate: 8000, bits: 16, seconds: 3.5 });
    expect(mp3!.contentType).toBe('audio/mpeg');
    expect(mp3!.filename).toBe('voicemail-2025-01-06-19-42-00.mp3');
    // An MPEG audio frame (sync bits) or an ID3 tag: lame or sox made it, not a copy of the WAV.
    expect(mp3!.content.length).toBeGreaterThan(1000);
    expect(mp3!.content[0] === 0xff || mp3!.content.toString('ascii', 0, 3) === 'ID3').toBe(true);
  });

  it('Polish, in the language of the number', async () => {
    await mailer().apply(voicemailEvent({ language: 'pl' }), [], { journal: memoryJournal(), signal });
    const m = smtp.mails[0]!;
    expect(m.parsed.subject).toBe('Wiadomość głosowa od +48600100200 na numer Sales (4 s)');
    expect(m.parsed.text).toContain('Kiedy: 06.01.2025 19:42 (Europe/Warsaw)');
    expect(m.parsed.text).toContain('Nagranie jest w załączniku (voicemail-2025-01-06-19-42-00.wav, voicemail-2025-01-06-19-42-00.mp3).');
  });

  it('WAV only when no MP3 encoder is installed', async () => {
    const encodeMp3 = createMp3Encoder({ candidates: [{ command: 'no-such-encoder-ah', args: [] }] });
    await mailer({ encodeMp3 }).apply(voicemailEvent(), [], { journal: memoryJournal(), signal });
    expect(smtp.mails[0]!.parsed.attachments.map((a) => a.contentType)).toEqual(['audio/wav']);
  });

  it('once per event: a redelivery with the same journal sends nothing', async () => {
    const a = mailer();
    const journal = memoryJournal();
    const event = voicemailEvent();
    await a.apply(event, [], { journal, signal });
    await a.apply(event, [], { journal, signal });
    expect(smtp.mails).toHaveLength(1);
    expect(journal.steps.get(VOICEMAIL_MAILED_STEP)).toBe('sent');
  });

  it('nothing without recipients, or without a recording', async () => {
    await mailer().apply(makeEvent(), [], { journal: memoryJournal(), signal });
    await mailer().apply(makeEvent({ action: 'hangup', outcome: { kind: 'rejected', cause: 'busy' } }), [], {
      journal: memoryJournal(),
      signal,
    });
    const journal = memoryJournal();
    await mailer().apply(
      makeEvent({
        outcome: { kind: 'recorded', recording: { name: 'gone', format: 'wav' }, durationSeconds: 3, mailTo: ['a@example.com'] },
      }),
      [],
      { journal, signal },
    );
    expect(smtp.attempts).toBe(0);
    expect(journal.steps.get(VOICEMAIL_MAILED_STEP)).toBe('recording gone');
  });

  it('a transient SMTP answer (451) is retried; a permanent one (550) is a PermanentCrmError', async () => {
    smtp.refuse = (n) => (n === 1 ? { code: 451, message: 'try again later' } : undefined);
    await mailer().apply(voicemailEvent(), [], { journal: memoryJournal(), signal });
    expect(smtp.attempts).toBe(2);
    expect(smtp.mails).toHaveLength(1);

    smtp.refuse = () => ({ code: 550, message: 'mailbox unavailable' });
    await expect(mailer().apply(voicemailEvent(), [], { journal: memoryJournal(), signal })).rejects.toThrow(PermanentCrmError);
  });

  it('an SMTP server that is not there is a transient error, after the retries', async () => {
    await smtp.stop();
    const p = mailer({ retries: 1 }).apply(voicemailEvent(), [], { journal: memoryJournal(), signal });
    await expect(p).rejects.toThrow(TransientCrmError);
    await expect(p).rejects.toThrow(/smtp 127\.0\.0\.1:\d+: .*ECONNECTION|ECONNREFUSED/);
    smtp = await startSmtpServer();
  });

  it("close() ends the recording download's connections and closes the CRM inside", async () => {
    const closeDownload = jest.fn();
    const closeInner = jest.fn(async () => undefined);
    const a = mailer({ fetchRecording: Object.assign(async () => null, { close: closeDownload }) }, { ...NO_CRM, close: closeInner });
    await a.close?.();
    expect(closeDownload).toHaveBeenCalledTimes(1);
    expect(closeInner).toHaveBeenCalledTimes(1);
  });

  it('the recording leaves Asterisk only after the mail went, and at once (the mail holds it)', async () => {
    const deleted: string[] = [];
    const cleanup = (a: CrmAdapter) =>
      withRecordingCleanup(a, { deleteRecording: async (n) => (deleted.push(n), true), retentionMs: 0, redis: {} as never, dueKey: 'k' });
    smtp.refuse = () => ({ code: 451, message: 'later' });
    const journal = memoryJournal();
    await expect(cleanup(mailer({ retries: 0 })).apply(voicemailEvent(), [], { journal, signal })).rejects.toThrow(TransientCrmError);
    expect(deleted).toEqual([]);
    smtp.refuse = undefined;
    await cleanup(mailer()).apply(voicemailEvent(), [], { journal, signal });
    expect(smtp.mails).toHaveLength(1);
    expect(deleted).toEqual(['vm-1']);
  });
});

describe('the worker with SMTP and no CRM', () => {
  let server: RedisServer;
  const running: Running[] = [];
  beforeAll(async () => {
    server = await startRedisServer();
  });
  afterAll(async () => {
    await Promise.all(running.splice(0).map((r) => r.worker.stop()));
    await server.stop();
  });

  it('CRM_ADAPTER defaults to none: each event mailed once, also when it is on the stream twice; a refusal dead-letters it', async () => {
    const keys = freshKeys();
    const redis = server.client();
    // createAdapter as the CLI calls it; its ARI fetcher is swapped for the fixture's WAV below.
    expect(() => createAdapter(workerSettings({ ...smtp.env }), silent, { redis, keys })).toThrow(/needs ARI_URL/);
    const adapter = mailer();
    const r = await startWorker(server, keys, { adapter, maxDeliveries: 2, claimIdleMs: 200 });
    running.push(r);
    const stream = new EventStream(redis, keys);
    const first = voicemailEvent();
    await stream.append(first);
    await redis.xadd(keys.stream, '*', 'id', first.id, 'event', JSON.stringify(first)); // the same event again
    await waitFor(() => smtp.mails.length === 1, 'the mail');
    smtp.refuse = () => ({ code: 554, message: 'rejected as spam' });
    await stream.append(voicemailEvent());
    await waitFor(async () => (await listDead(redis, keys)).length === 1, 'the dead letter');
    expect((await listDead(redis, keys))[0]!.error).toMatch(/554 rejected as spam/);
    await new Promise((res) => setTimeout(res, 300));
    expect(smtp.mails).toHaveLength(1);
  });
});
