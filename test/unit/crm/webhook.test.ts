import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PermanentCrmError, type StepJournal } from '../../../src/crm/adapter';
import {
  EVENT_ID_HEADER,
  signWebhook,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  verifyWebhookSignature,
  WebhookAdapter,
} from '../../../src/crm/webhook';
import { validateEvent } from '../../../src/events/validate';
import { makeEvent } from './fixtures';
import { silent } from './harness';

const SECRET = 'a-shared-secret-of-some-length';

interface Received {
  body: string;
  verified: boolean;
  eventId: string | undefined;
}

function memoryJournal(): StepJournal & { steps: Map<string, string> } {
  const steps = new Map<string, string>();
  return { steps, get: async (s) => steps.get(s), set: async (s, v) => void steps.set(s, v) };
}

describe('webhook adapter', () => {
  let server: Server;
  let url: string;
  const received: Received[] = [];
  let answers: number[] = [];

  beforeAll(async () => {
    server = createServer(async (req: IncomingMessage, res) => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const body = Buffer.concat(chunks).toString('utf8');
      const header = (name: string): string | undefined => {
        const v = req.headers[name];
        return Array.isArray(v) ? v[0] : v;
      };
      received.push({
        body,
        verified: verifyWebhookSignature(
          SECRET,
          { timestamp: header(TIMESTAMP_HEADER), signature: header(SIGNATURE_HEADER), eventId: header(EVENT_ID_HEADER) },
          body,
        ),
        eventId: header(EVENT_ID_HEADER),
      });
      res.writeHead(answers.shift() ?? 204);
      res.end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/after-hours`;
  });
  afterAll(async () => {
    await new Promise<void>((r) => server.close(() => r()));
  });
  beforeEach(() => {
    received.length = 0;
    answers = [];
  });

  const adapter = (): WebhookAdapter => new WebhookAdapter({ url, secret: SECRET, logger: silent, backoffBaseMs: 1, backoffMaxMs: 5 });

  it('POSTs the event as schema-valid JSON with a signature the receiver verifies', async () => {
    const event = makeEvent();
    await adapter().apply(event, [], { journal: memoryJournal(), signal: new AbortController().signal });
    expect(received).toHaveLength(1);
    expect(received[0]?.verified).toBe(true);
    expect(received[0]?.eventId).toBe(event.id);
    const body: unknown = JSON.parse(received[0]?.body ?? '');
    expect(body).toEqual(event);
    expect(validateEvent(body).ok).toBe(true);
  });

  it('retries on 500 and 429, then succeeds', async () => {
    answers = [500, 429, 500, 200];
    await adapter().apply(makeEvent(), [], { journal: memoryJournal(), signal: new AbortController().signal });
    expect(received).toHaveLength(4);
    expect(received.every((r) => r.verified)).toBe(true);
  });

  it('a 4xx is permanent: no retry', async () => {
    answers = [400];
    await expect(
      adapter().apply(makeEvent(), [], { journal: memoryJournal(), signal: new AbortController().signal }),
    ).rejects.toBeInstanceOf(PermanentCrmError);
    expect(received).toHaveLength(1);
  });

  it('does not POST again once the journal says it was delivered', async () => {
    const journal = memoryJournal();
    const event = makeEvent();
    await adapter().apply(event, [], { journal, signal: new AbortController().signal });
    await adapter().apply(event, [], { journal, signal: new AbortController().signal });
    expect(received).toHaveLength(1);
  });

  it('does not look callers up itself', async () => {
    await expect(adapter().lookupCaller()).resolves.toEqual({ kind: 'skipped' });
  });

  it('keeps its URL and secret out of JSON logs', () => {
    expect(JSON.stringify({ adapter: adapter() })).not.toContain(SECRET);
  });
});

describe('verifyWebhookSignature', () => {
  const body = '{"a":1}';
  const ts = 1_700_000_000;
  const id = 'evt-1';
  const signature = signWebhook(SECRET, ts, id, body);

  it.each<[string, { timestamp: string | undefined; signature: string | undefined; eventId: string | undefined }, string, number, boolean]>(
    [
      ['valid', { timestamp: String(ts), signature, eventId: id }, body, ts, true],
      ['body changed', { timestamp: String(ts), signature, eventId: id }, '{"a":2}', ts, false],
      ['timestamp changed', { timestamp: String(ts + 1), signature, eventId: id }, body, ts, false],
      [
        'event id changed (a replay cannot pick its own idempotency key)',
        { timestamp: String(ts), signature, eventId: 'evt-2' },
        body,
        ts,
        false,
      ],
      ['event id missing', { timestamp: String(ts), signature, eventId: undefined }, body, ts, false],
      [
        'a newline moves part of the body into the event id',
        { timestamp: String(ts), signature: signWebhook(SECRET, ts, 'evt', `x\n${body}`), eventId: 'evt\nx' },
        body,
        ts,
        false,
      ],
      ['too old', { timestamp: String(ts), signature, eventId: id }, body, ts + 301, false],
      [
        'wrong secret',
        { timestamp: String(ts), signature: signWebhook('another-secret-entirely', ts, id, body), eventId: id },
        body,
        ts,
        false,
      ],
      ['missing', { timestamp: undefined, signature: undefined, eventId: undefined }, body, ts, false],
    ],
  )('%s', (_name, headers, b, now, expected) => {
    expect(verifyWebhookSignature(SECRET, headers, b, { nowSeconds: now })).toBe(expected);
  });

  it('refuses an empty secret instead of checking against it', () => {
    const forged = signWebhook('', ts, id, body);
    expect(() => verifyWebhookSignature('', { timestamp: String(ts), signature: forged, eventId: id }, body, { nowSeconds: ts })).toThrow(
      /secret is empty/,
    );
  });

  it('is HMAC-SHA256 in hex over "timestamp\\nevent id\\nbody", as the README documents', () => {
    expect(signature).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(signature).toBe(`sha256=${createHmac('sha256', SECRET).update(`${ts}\n${id}\n${body}`).digest('hex')}`);
  });
});
