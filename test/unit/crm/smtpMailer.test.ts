// The SMTP adapter against a real SMTP server (smtp-server): STARTTLS with a private CA,
// credentials, and each kind of failure sorted into retry or dead letter.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PermanentCrmError, TransientCrmError } from '../../../src/crm/adapter';
import { createSmtpSender, type OutgoingMail } from '../../../src/crm/smtpMailer';
import { smtpSettings } from '../../../src/settings/smtp';
import { makePki, type TestPki } from '../../support/pki';
import { startSmtpServer, type TestSmtpServer } from '../../support/smtpServer';

jest.setTimeout(30_000);

const mail: OutgoingMail = {
  to: ['office@example.com'],
  subject: 'Voicemail',
  text: 'hello\n',
  messageId: '<ev-1@after-hours>',
  date: new Date('2026-01-05T18:42:00Z'),
  attachments: [{ filename: 'v.wav', content: Buffer.from('RIFF'), contentType: 'audio/wav' }],
};
const signal = new AbortController().signal;

let pki: TestPki;
let other: TestPki;
const servers: TestSmtpServer[] = [];
beforeAll(() => {
  const dir = mkdtempSync(join(tmpdir(), 'ah-smtp-tls-'));
  pki = makePki(dir, 'mail');
  other = makePki(dir, 'other');
});
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});
async function server(opts: Parameters<typeof startSmtpServer>[0]): Promise<TestSmtpServer> {
  const s = await startSmtpServer(opts);
  servers.push(s);
  return s;
}
const send = (env: Record<string, string>) => {
  const sender = createSmtpSender(smtpSettings(env)!);
  return sender.send(mail, signal).finally(() => sender.close());
};

describe('sending over SMTP', () => {
  it('STARTTLS with the private CA of SMTP_CA_FILE, and AUTH inside it', async () => {
    const s = await server({ tls: pki, user: 'vm', password: 's3cret' });
    await send({ ...s.env, SMTP_CA_FILE: pki.ca });
    expect(s.mails).toHaveLength(1);
    expect(s.mails[0]).toMatchObject({ secure: true, user: 'vm', to: ['office@example.com'] });
    expect(s.mails[0]!.parsed.messageId).toBe('<ev-1@after-hours>');
  });

  it('a certificate another CA signed is refused for good: no mail goes out in clear', async () => {
    const s = await server({ tls: pki });
    const p = send({ ...s.env, SMTP_CA_FILE: other.ca });
    await expect(p).rejects.toThrow(PermanentCrmError);
    expect(s.mails).toHaveLength(0);
  });

  it('starttls (the default) with a server that does not offer it: refused, not sent in clear', async () => {
    const s = await server({});
    await expect(send({ ...s.env, SMTP_SECURITY: 'starttls' })).rejects.toThrow(PermanentCrmError);
    expect(s.attempts).toBe(0);
  });

  it('wrong credentials: a permanent error marked as auth', async () => {
    const s = await server({ tls: pki, user: 'vm', password: 's3cret' });
    const err = await send({ ...s.env, SMTP_PASSWORD: 'wrong', SMTP_CA_FILE: pki.ca }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PermanentCrmError);
    expect((err as PermanentCrmError).auth).toBe(true);
    expect((err as Error).message).toMatch(/^smtp 127\.0\.0\.1:\d+: .*535/);
  });

  it('a 4xx answer is transient, a 5xx one permanent', async () => {
    const s = await server({});
    s.refuse = () => ({ code: 452, message: 'mailbox full for now' });
    await expect(send(s.env)).rejects.toThrow(TransientCrmError);
    s.refuse = () => ({ code: 552, message: 'message too big' });
    await expect(send(s.env)).rejects.toThrow(PermanentCrmError);
  });
});
