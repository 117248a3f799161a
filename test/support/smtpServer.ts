// A real SMTP server for tests (the smtp-server package, on loopback, plain or STARTTLS),
// keeping every message it accepted, parsed with mailparser. `refuse` answers a delivery
// with an SMTP error instead (e.g. 451 for a transient failure, 550 for a permanent one).
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  from: string;
  to: string[];
  /** The session was encrypted (STARTTLS) when the message came. */
  secure: boolean;
  /** The authenticated user, if any. */
  user?: string;
  raw: Buffer;
  parsed: ParsedMail;
}

export interface TestSmtpServer {
  port: number;
  mails: ReceivedMail[];
  /** Deliveries attempted (accepted or refused). */
  attempts: number;
  /** Called per delivery; an { code, message } refuses it. */
  refuse?: (attempt: number) => { code: number; message: string } | undefined;
  /** The worker's SMTP_* settings for this server (plain SMTP, no auth). */
  env: Record<string, string>;
  stop(): Promise<void>;
}

/** `tls`: offer STARTTLS with this key and certificate (PEM files); `user`/`password`: require AUTH. */
export async function startSmtpServer(
  opts: { user?: string; password?: string; tls?: { key: string; cert: string } } = {},
): Promise<TestSmtpServer> {
  const state: TestSmtpServer = {
    port: 0,
    mails: [],
    attempts: 0,
    env: {},
    stop: async () => undefined,
  };
  const server = new SMTPServer({
    secure: false,
    ...(opts.tls ? { key: readFileSync(opts.tls.key), cert: readFileSync(opts.tls.cert) } : {}),
    disabledCommands: [...(opts.tls ? [] : ['STARTTLS']), ...(opts.user ? [] : ['AUTH'])],
    allowInsecureAuth: true,
    authOptional: !opts.user,
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === opts.user && auth.password === opts.password) callback(null, { user: auth.username });
      else callback(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        state.attempts += 1;
        const refusal = state.refuse?.(state.attempts);
        if (refusal) {
          callback(Object.assign(new Error(refusal.message), { responseCode: refusal.code }));
          return;
        }
        const raw = Buffer.concat(chunks);
        simpleParser(raw).then(
          (parsed) => {
            state.mails.push({
              from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
              to: session.envelope.rcptTo.map((r) => r.address),
              secure: session.secure,
              ...(typeof session.user === 'string' ? { user: session.user } : {}),
              raw,
              parsed,
            });
            callback();
          },
          (err: Error) => callback(err),
        );
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  state.port = (server.server.address() as AddressInfo).port;
  state.env = {
    SMTP_HOST: '127.0.0.1',
    SMTP_PORT: String(state.port),
    SMTP_SECURITY: opts.tls ? 'starttls' : 'none',
    SMTP_FROM: 'after-hours <after-hours@example.com>',
    ...(opts.user ? { SMTP_USER: opts.user, SMTP_PASSWORD: opts.password ?? '' } : {}),
  };
  state.stop = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return state;
}
