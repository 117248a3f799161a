// Any other CRM: POST the event (exactly the schema'd JSON) to WEBHOOK_URL, signed so the
// receiver can trust it. The receiver does its own look-up and policy; X-After-Hours-Event-Id
// is its idempotency key, and is signed with the timestamp and the body.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { AfterHoursEvent } from '../events/types';
import type { CrmAction, LookupResult } from '../policy/crmPolicy';
import { retry } from '../shared/backoff';
import { crmFetch, retryAfterMs } from './crmFetch';
import {
  crmRetryOptions,
  once,
  type CrmRetrySettings,
  PermanentCrmError,
  TransientCrmError,
  type ApplyContext,
  type CrmAdapter,
} from './adapter';

export const TIMESTAMP_HEADER = 'x-after-hours-timestamp';
export const SIGNATURE_HEADER = 'x-after-hours-signature';
export const EVENT_ID_HEADER = 'x-after-hours-event-id';

/**
 * The string that is signed: `<timestamp>\n<event id>\n<body>`. Everything a receiver is
 * told to trust is in it (the event id is its idempotency key), so a replay inside the time
 * window cannot change any of them. Neither a timestamp (digits) nor an event id (the schema's
 * pattern) contains a newline, so the three parts cannot be shifted into one another.
 */
export function signedPayload(timestamp: number, eventId: string, body: string): string {
  return `${timestamp}\n${eventId}\n${body}`;
}

/** `sha256=<hex>` of HMAC-SHA256(secret, signedPayload(timestamp, eventId, body)). */
export function signWebhook(secret: string, timestamp: number, eventId: string, body: string): string {
  return `sha256=${createHmac('sha256', secret)
    .update(signedPayload(timestamp, eventId, body))
    .digest('hex')}`;
}

/**
 * For receivers (and tests): checks the signature over timestamp, event id and body, and that
 * the timestamp is recent. An empty secret is a configuration error, not a key: it throws.
 */
export function verifyWebhookSignature(
  secret: string,
  headers: { timestamp: string | undefined; signature: string | undefined; eventId: string | undefined },
  body: string,
  opts: { toleranceSeconds?: number; nowSeconds?: number } = {},
): boolean {
  if (typeof secret !== 'string' || secret === '')
    throw new TypeError('verifyWebhookSignature: the secret is empty; set the shared WEBHOOK_SECRET');
  const ts = Number(headers.timestamp);
  if (!Number.isInteger(ts) || headers.signature === undefined) return false;
  if (headers.eventId === undefined || headers.eventId === '' || /[\r\n]/.test(headers.eventId)) return false;
  const now = opts.nowSeconds ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - ts) > (opts.toleranceSeconds ?? 300)) return false;
  const expected = Buffer.from(signWebhook(secret, ts, headers.eventId, body));
  const given = Buffer.from(headers.signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

export interface WebhookOptions extends CrmRetrySettings {
  url: string; // may carry credentials: never logged
  secret: string;
  requestTimeoutMs?: number;
  nowSeconds?: () => number;
  fetch?: typeof fetch;
}

export class WebhookAdapter implements CrmAdapter {
  readonly name = 'webhook';
  readonly #opts: WebhookOptions;

  constructor(opts: WebhookOptions) {
    const url = new URL(opts.url);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error('WEBHOOK_URL must be http(s)');
    if (opts.secret.length < 16) throw new Error('WEBHOOK_SECRET must be at least 16 characters');
    this.#opts = opts;
  }

  toJSON(): object {
    return { name: this.name };
  }

  /** The receiver looks callers up itself. */
  async lookupCaller(): Promise<LookupResult> {
    return { kind: 'skipped' };
  }

  async apply(event: AfterHoursEvent, _actions: CrmAction[], { journal, signal }: ApplyContext): Promise<void> {
    const o = this.#opts;
    const body = JSON.stringify(event);
    await once(journal, 'webhook', async () => {
      await retry(() => this.post(event.id, body, signal), crmRetryOptions(o, signal, 'webhook POST'));
      return 'done';
    });
  }

  private async post(eventId: string, body: string, signal: AbortSignal): Promise<void> {
    const o = this.#opts;
    const ts = o.nowSeconds?.() ?? Math.floor(Date.now() / 1000);
    const res = await crmFetch(
      o.fetch ?? fetch,
      o.url,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          [TIMESTAMP_HEADER]: String(ts),
          [SIGNATURE_HEADER]: signWebhook(o.secret, ts, eventId, body),
          [EVENT_ID_HEADER]: eventId,
        },
        body,
      },
      { what: 'webhook', where: receiverAddress(o.url), signal, timeoutMs: o.requestTimeoutMs ?? 30_000 },
    );
    await res.arrayBuffer().catch(() => undefined); // drain so the connection is reused
    if (res.ok) return;
    if (res.status === 429 || res.status >= 500 || res.status === 408) {
      throw new TransientCrmError(`webhook: HTTP ${res.status}`, retryAfterMs(res.headers.get('retry-after')));
    }
    throw new PermanentCrmError(`webhook: HTTP ${res.status}; the receiver refused the event`, {
      auth: res.status === 401 || res.status === 403,
    });
  }
}

/** The receiver's address for error texts: scheme, host and path, never credentials or a query. */
function receiverAddress(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return 'the webhook URL';
  }
}
