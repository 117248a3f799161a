// Bitrix24 through an incoming webhook (https://PORTAL/rest/USER_ID/TOKEN/). The URL is a
// secret: it is kept in a private field, never put in an error message, and toJSON() hides
// it from loggers.
import type { AfterHoursEvent } from '../events/types';
import { pickRecord, type CrmAction, type CrmEntityType, type CrmRecord, type LookupResult } from '../policy/crmPolicy';
import { retry } from '../util/backoff';
import {
  crmRetryOptions,
  type CrmRetrySettings,
  once,
  PermanentCrmError,
  TransientCrmError,
  type ApplyContext,
  type CrmAdapter,
  type RecordingFetcher,
} from './adapter';
import { TokenBucket } from './tokenBucket';

/** Errors that mean the webhook itself is unusable; retrying cannot help. */
const AUTH_ERRORS = new Set(['expired_token', 'insufficient_scope', 'NO_AUTH_FOUND', 'invalid_token', 'INVALID_CREDENTIALS', 'ACCESS_DENIED', 'authorization_error']);
const TRANSIENT_ERRORS = new Set(['QUERY_LIMIT_EXCEEDED', 'OPERATION_TIME_LIMIT', 'INTERNAL_SERVER_ERROR']);
const STATUS_CODE = { missed: 304, answered: 200 } as const;
const ATTACHABLE_FORMATS = new Set(['wav', 'mp3']);
/** Most commands one `batch` request may carry. */
const BATCH_LIMIT = 50;
const GET_METHOD: Record<CrmEntityType, string> = { CONTACT: 'crm.contact.get', COMPANY: 'crm.company.get', LEAD: 'crm.lead.get' };

export interface Bitrix24Options extends CrmRetrySettings {
  /** Incoming webhook URL, e.g. https://portal.bitrix24.pl/rest/1/abc123/ (secret). */
  webhookUrl: string;
  /**
   * Accept an http:// webhook URL. The URL carries the portal's token, so plain HTTP sends it
   * in clear: only for a local test server (BITRIX24_ALLOW_INSECURE_HTTP=1).
   */
  allowInsecureHttp?: boolean;
  /** Gets voicemail bytes for attachRecord; without it recordings are not uploaded. */
  fetchRecording?: RecordingFetcher;
  /** The portal allows about 2 requests/s with a small burst; split it between workers. */
  ratePerSecond?: number;
  burst?: number;
  requestTimeoutMs?: number;
  now?: () => number;
  fetch?: typeof fetch;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

export class Bitrix24Adapter implements CrmAdapter {
  readonly name = 'bitrix24';
  readonly #base: string;
  readonly #bucket: TokenBucket;
  readonly #opts: Bitrix24Options;
  readonly #fetch: typeof fetch;

  constructor(opts: Bitrix24Options) {
    this.#base = normaliseWebhookUrl(opts.webhookUrl, { allowInsecureHttp: opts.allowInsecureHttp });
    this.#opts = opts;
    this.#fetch = opts.fetch ?? fetch;
    this.#bucket = new TokenBucket({ ratePerSecond: opts.ratePerSecond ?? 2, burst: opts.burst ?? 2, now: opts.now, sleep: opts.sleep });
  }

  toJSON(): object {
    return { name: this.name };
  }

  async lookupCaller(phone: string, signal: AbortSignal): Promise<LookupResult> {
    const values = [...new Set([phone, phone.replace(/^\+/, '')])];
    const found = await this.call('crm.duplicate.findbycomm', { type: 'PHONE', values }, signal);
    const candidates: { type: CrmEntityType; id: number }[] = [];
    if (isObject(found)) {
      for (const type of ['CONTACT', 'COMPANY', 'LEAD'] as const) {
        const ids = found[type];
        if (Array.isArray(ids)) for (const id of ids) if (toId(id) !== undefined) candidates.push({ type, id: toId(id) as number });
      }
    }
    if (candidates.length === 0) return { kind: 'not-found' };
    // Fetch responsible users in one batch, best candidates first in case there are more than fit.
    candidates.sort((a, b) => (pickRecord([a, b]) === a ? -1 : 1));
    const chosen = candidates.slice(0, BATCH_LIMIT);
    const cmd: Record<string, string> = {};
    chosen.forEach((c, i) => (cmd[`r${i}`] = `${GET_METHOD[c.type]}?id=${c.id}`));
    const batch = await this.call('batch', { halt: 0, cmd }, signal);
    const results = isObject(batch) && isObject(batch.result) ? batch.result : {};
    const matches: CrmRecord[] = [];
    chosen.forEach((c, i) => {
      const record = results[`r${i}`];
      if (!isObject(record)) return; // deleted since, or not visible to the webhook's user
      const responsible = toId(record.ASSIGNED_BY_ID);
      matches.push({ type: c.type, id: c.id, ...(responsible !== undefined ? { responsibleUserId: responsible } : {}) });
    });
    return matches.length > 0 ? { kind: 'found', matches } : { kind: 'not-found' };
  }

  async apply(event: AfterHoursEvent, actions: CrmAction[], { journal, signal }: ApplyContext): Promise<void> {
    let callId: string | undefined;
    let callUser: number | undefined;
    for (const action of actions) {
      switch (action.kind) {
        case 'register-call': {
          callUser = action.userId;
          callId = await once(journal, 'register', async () => {
            const result = await this.call(
              'telephony.externalcall.register',
              {
                USER_ID: action.userId,
                PHONE_NUMBER: action.phone,
                TYPE: 2,
                CALL_START_DATE: action.startTime,
                CRM_CREATE: action.createLead ? 1 : 0,
                ...(action.attachTo ? { CRM_ENTITY_TYPE: action.attachTo.type, CRM_ENTITY_ID: action.attachTo.id } : {}),
                SHOW: 0,
                LINE_NUMBER: action.line,
                EXTERNAL_CALL_ID: event.id,
              },
              signal,
            );
            if (!isObject(result) || typeof result.CALL_ID !== 'string' || result.CALL_ID === '') {
              throw new PermanentCrmError('bitrix24 telephony.externalcall.register: no CALL_ID in the answer');
            }
            if (result.LEAD_CREATION_ERROR) {
              this.#opts.logger?.warn({ eventId: event.id, leadCreationError: result.LEAD_CREATION_ERROR }, 'bitrix24 did not create a lead for the caller');
            }
            return result.CALL_ID;
          });
          await once(journal, 'finish', async () => {
            const result = await this.call(
              'telephony.externalcall.finish',
              { CALL_ID: callId, USER_ID: action.userId, DURATION: action.durationSeconds, STATUS_CODE: STATUS_CODE[action.status] },
              signal,
            );
            return isObject(result) && result.CRM_ACTIVITY_ID !== undefined ? String(result.CRM_ACTIVITY_ID) : 'done';
          });
          break;
        }
        case 'attach-recording': {
          if (callId === undefined || callUser === undefined) break; // nothing registered to attach to
          const id = callId;
          await once(journal, 'record', async () => {
            // A recording that cannot be attached must not cost the notification: warn and go on.
            const skip = (why: string, extra: object = {}): string => {
              this.#opts.logger?.warn({ eventId: event.id, recording: action.recording.name, ...extra }, `voicemail not attached: ${why}`);
              return `skipped: ${why}`;
            };
            if (!this.#opts.fetchRecording) return skip('no recording source configured (ARI_URL)');
            if (!ATTACHABLE_FORMATS.has(action.recording.format)) return skip(`Bitrix24 takes wav or mp3, not ${action.recording.format}`);
            const file = await this.#opts.fetchRecording(action.recording, signal);
            if (file === null) return skip('recording not found');
            try {
              await this.call(
                'telephony.externalcall.attachRecord',
                { CALL_ID: id, FILENAME: file.filename, FILE_CONTENT: file.content.toString('base64') },
                signal,
              );
            } catch (err) {
              if (!(err instanceof PermanentCrmError) || err.auth) throw err;
              return skip('refused by Bitrix24', { err: err.message });
            }
            return 'done';
          });
          break;
        }
        case 'notify':
          await once(journal, `notify:${action.userId}`, async () => {
            await this.call('im.notify.system.add', { USER_ID: action.userId, MESSAGE: action.text, TAG: action.tag }, signal);
            return 'done';
          });
          break;
      }
    }
  }

  /** One REST call under the rate limit, retried on transient failures. */
  async call(method: string, params: JsonObject | Record<string, unknown>, signal: AbortSignal): Promise<Json> {
    const o = this.#opts;
    return retry(
      async () => {
        await this.#bucket.take(signal);
        return this.callOnce(method, params, signal);
      },
      crmRetryOptions(o, signal, 'bitrix24 request', { method }),
    );
  }

  private async callOnce(method: string, params: unknown, signal: AbortSignal): Promise<Json> {
    const timeout = AbortSignal.timeout(this.#opts.requestTimeoutMs ?? 30_000);
    let res: Response;
    try {
      res = await this.#fetch(`${this.#base}${method}.json`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(params),
        signal: AbortSignal.any([signal, timeout]),
      });
    } catch (err) {
      if (signal.aborted) throw err;
      // Only the cause's code: undici's messages can contain the URL, which holds the token.
      throw new TransientCrmError(`bitrix24 ${method}: network error (${networkCode(err)})`);
    }
    let body: unknown;
    try {
      body = await res.json();
    } catch {
      body = undefined;
    }
    const retryAfterMs = parseRetryAfter(res.headers.get('retry-after'));
    const error = isObject(body) && typeof body.error === 'string' ? body.error : undefined;
    const description = isObject(body) && typeof body.error_description === 'string' ? body.error_description : '';
    if (error !== undefined || !res.ok) {
      const what = `bitrix24 ${method}: ${error ?? `HTTP ${res.status}`}${description ? ` (${description})` : ''}`;
      if ((error !== undefined && AUTH_ERRORS.has(error)) || res.status === 401 || res.status === 403) {
        throw new PermanentCrmError(`${what}; the webhook is refused, check BITRIX24_WEBHOOK_URL and its scopes`, { auth: true });
      }
      if ((error !== undefined && TRANSIENT_ERRORS.has(error)) || res.status >= 500 || res.status === 429) {
        throw new TransientCrmError(what, retryAfterMs ?? (error === 'QUERY_LIMIT_EXCEEDED' ? 1000 : undefined));
      }
      throw new PermanentCrmError(what);
    }
    if (!isObject(body) || !('result' in body)) throw new TransientCrmError(`bitrix24 ${method}: answer without result`);
    return body.result;
  }
}

export function normaliseWebhookUrl(raw: string, opts: { allowInsecureHttp?: boolean } = {}): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error('BITRIX24_WEBHOOK_URL is not a URL');
  }
  if (url.protocol === 'http:' && !opts.allowInsecureHttp) {
    throw new Error('BITRIX24_WEBHOOK_URL must be https://: over http:// the token in it travels in clear (set BITRIX24_ALLOW_INSECURE_HTTP=1 only for a local test server)');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error('BITRIX24_WEBHOOK_URL must be https://');
  if (!/\/rest\/\d+\/[^/]+/.test(url.pathname)) throw new Error('BITRIX24_WEBHOOK_URL must look like https://PORTAL/rest/USER_ID/TOKEN/');
  return url.href.replace(/\/?$/, '/').replace(/\/[^/]+\.json\/$/, '/');
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function toId(value: unknown): number | undefined {
  const n = typeof value === 'string' ? Number(value) : value;
  return typeof n === 'number' && Number.isInteger(n) && n > 0 ? n : undefined;
}

function networkCode(err: unknown): string {
  const cause = err instanceof Error ? (err.cause as { code?: unknown } | undefined) : undefined;
  if (cause && typeof cause.code === 'string') return cause.code;
  if (err instanceof Error && err.name === 'TimeoutError') return 'timeout';
  return err instanceof Error ? err.name : 'unknown';
}

function parseRetryAfter(header: string | null): number | undefined {
  if (header === null) return undefined;
  const seconds = Number(header);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : undefined;
}
