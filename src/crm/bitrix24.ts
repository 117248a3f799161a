// Bitrix24 through an incoming webhook (https://PORTAL/rest/USER_ID/TOKEN/) or a local
// application (OAuth, bitrix24Auth.ts). Secrets (the webhook URL, tokens) are kept in private
// fields, never put in an error message, and toJSON() hides them from loggers.
import type { Redis } from 'ioredis';
import type { AfterHoursEvent } from '../events/types';
import type { StreamKeys } from '../store/eventStream';
import { pickRecord, type CrmAction, type CrmEntityType, type CrmRecord, type LookupResult } from '../policy/crmPolicy';
import { retry } from '../shared/backoff';
import {
  crmRetryOptions,
  type CrmRetrySettings,
  once,
  PermanentCrmError,
  TransientCrmError,
  type ApplyContext,
  type CrmAdapter,
  type RecordingFetcher,
  RECORDING_STORED,
  RECORDING_STORED_STEP,
} from './adapter';
import { WebhookAuth, type Bitrix24Auth, type Bitrix24Target } from './bitrix24Auth';
import { ExternalLines } from './bitrix24Lines';
import { bitrix24Keys } from './keys';
import { crmFetch, retryAfterMs } from './crmFetch';
import { RedisRateLimiter, type RateLimiter } from './rateLimiter';
import { TokenBucket } from './tokenBucket';

export { normaliseWebhookUrl } from './bitrix24Auth';

/** Errors that mean our credentials are unusable; retrying cannot help. */
const AUTH_ERRORS = new Set([
  'expired_token',
  'insufficient_scope',
  'NO_AUTH_FOUND',
  'invalid_token',
  'INVALID_CREDENTIALS',
  'ACCESS_DENIED',
  'authorization_error',
  'WRONG_AUTH_TYPE',
]);
const TRANSIENT_ERRORS = new Set(['QUERY_LIMIT_EXCEEDED', 'OPERATION_TIME_LIMIT', 'INTERNAL_SERVER_ERROR']);
const STATUS_CODE = { missed: '304', answered: '200' } as const;
const ATTACHABLE_FORMATS = new Set(['wav', 'mp3']);
/** Most commands one `batch` request may carry. */
const BATCH_LIMIT = 50;
const GET_METHOD: Record<CrmEntityType, string> = { CONTACT: 'crm.contact.get', COMPANY: 'crm.company.get', LEAD: 'crm.lead.get' };
/**
 * register and finish post their own message about the call to the user's chat unless told not
 * to (ADD_TO_CHAT defaults to 1). after-hours sends one notification of its own instead, in
 * every rule: it says why the number was closed and what happened, in the number's language,
 * it reaches every queue user with `notify: all`, and its tag makes a redelivery replace it.
 */
const ADD_TO_CHAT = 0;

export interface Bitrix24Options extends CrmRetrySettings {
  /** Incoming webhook URL, e.g. https://portal.bitrix24.pl/rest/1/abc123/ (secret); or give `auth`. */
  webhookUrl?: string;
  /**
   * Accept an http:// webhook URL. The URL carries the portal's token, so plain HTTP sends it
   * in clear: only for a local test server (BITRIX24_ALLOW_INSECURE_HTTP=1).
   */
  allowInsecureHttp?: boolean;
  /** How requests authenticate; default: the webhook. */
  auth?: Bitrix24Auth;
  /**
   * Shared state of all workers: the request budget, and which lines are registered. Without
   * it the budget is this process' own and lines are not registered (tests of one adapter).
   */
  redis?: Redis;
  keys?: StreamKeys;
  /** Register the DIDs as external lines; default on for an application (a webhook may not). */
  registerLines?: boolean;
  /** Gets voicemail bytes for attachRecord; without it recordings are not uploaded. */
  fetchRecording?: RecordingFetcher;
  /** The portal allows about 2 requests/s with a small burst, for all workers together. */
  ratePerSecond?: number;
  burst?: number;
  requestTimeoutMs?: number;
  now?: () => number;
  fetch?: typeof fetch;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

/** The portal says the access token expired: the application renews it and tries once more. */
class ExpiredTokenError extends PermanentCrmError {}

/** The portal refused a request for what it asked (not credentials, not rate): its error and description. */
class Bitrix24Refusal extends PermanentCrmError {
  constructor(
    message: string,
    readonly error: string,
    readonly description: string,
  ) {
    super(message);
  }
}

/**
 * `finish` of a call the portal no longer knows, although register gave its CALL_ID: it was
 * finished already (a worker stopped after finish, before its journal kept it) and nothing is
 * left to do. Bitrix24: "Call is not found (call should be registered prior to finishing)".
 */
function isFinishedAlready(err: unknown): boolean {
  return err instanceof Bitrix24Refusal && /call is not found/i.test(err.description);
}

export class Bitrix24Adapter implements CrmAdapter {
  readonly name = 'bitrix24';
  readonly #auth: Bitrix24Auth;
  readonly #limiter: RateLimiter;
  readonly #lines: ExternalLines | undefined;
  readonly #opts: Bitrix24Options;
  readonly #fetch: typeof fetch;

  constructor(opts: Bitrix24Options) {
    if (opts.auth === undefined && opts.webhookUrl === undefined) throw new Error('BITRIX24_WEBHOOK_URL is not set');
    this.#auth = opts.auth ?? new WebhookAuth(opts.webhookUrl as string, { allowInsecureHttp: opts.allowInsecureHttp });
    this.#opts = opts;
    this.#fetch = opts.fetch ?? fetch;
    const ratePerSecond = opts.ratePerSecond ?? 2;
    const burst = opts.burst ?? 2;
    const shared = opts.redis && opts.keys ? { redis: opts.redis, keys: bitrix24Keys(opts.keys) } : undefined;
    this.#limiter = shared
      ? new RedisRateLimiter({ redis: shared.redis, key: shared.keys.rate, ratePerSecond, burst, sleep: opts.sleep })
      : new TokenBucket({ ratePerSecond, burst, now: opts.now, sleep: opts.sleep });
    const registerLines = opts.registerLines ?? this.#auth.kind === 'application';
    if (registerLines && shared === undefined) throw new Error('registering external lines needs the shared Redis (redis and keys)');
    this.#lines =
      registerLines && shared
        ? new ExternalLines({
            redis: shared.redis,
            lineKey: shared.keys.line,
            lockKey: shared.keys.lineLock,
            call: (method, params, signal) => this.call(method, params, signal),
            logger: opts.logger,
          })
        : undefined;
  }

  toJSON(): object {
    return { name: this.name, auth: this.#auth.kind };
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
          if (this.#lines) await this.#lines.ensure(action.line, action.lineName, signal);
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
                ADD_TO_CHAT,
                LINE_NUMBER: action.line,
                EXTERNAL_CALL_ID: event.id,
              },
              signal,
            );
            if (!isObject(result) || typeof result.CALL_ID !== 'string' || result.CALL_ID === '') {
              throw new PermanentCrmError('bitrix24 telephony.externalcall.register: no CALL_ID in the answer');
            }
            if (result.LEAD_CREATION_ERROR) {
              this.#opts.logger?.warn(
                { eventId: event.id, leadCreationError: result.LEAD_CREATION_ERROR },
                'bitrix24 did not create a lead for the caller',
              );
            }
            return result.CALL_ID;
          });
          const registered = callId;
          await once(journal, 'finish', async () => {
            let result: Json;
            try {
              result = await this.call(
                'telephony.externalcall.finish',
                {
                  CALL_ID: registered,
                  USER_ID: action.userId,
                  DURATION: action.durationSeconds,
                  STATUS_CODE: STATUS_CODE[action.status],
                  ADD_TO_CHAT,
                },
                signal,
              );
            } catch (err) {
              if (!isFinishedAlready(err)) throw err;
              this.#opts.logger?.warn({ eventId: event.id, callId: registered, err }, 'bitrix24 call was finished already; not again');
              return 'finished already';
            }
            return isObject(result) && result.CRM_ACTIVITY_ID !== undefined ? String(result.CRM_ACTIVITY_ID) : 'done';
          });
          break;
        }
        case 'attach-recording': {
          if (callId === undefined || callUser === undefined) break; // nothing registered to attach to
          const id = callId;
          await once(journal, RECORDING_STORED_STEP, async () => {
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
            return RECORDING_STORED;
          });
          break;
        }
        case 'notify':
          await once(journal, `notify:${action.userId}`, async () => {
            // A tag is unique in the whole portal (a new notification with it deletes the others),
            // so each user's copy gets its own: a redelivery replaces it, the other users keep theirs.
            await this.call(
              'im.notify.system.add',
              { USER_ID: action.userId, MESSAGE: action.text, TAG: `${action.tag}:${action.userId}` },
              signal,
            );
            return 'done';
          });
          break;
      }
    }
  }

  /** One REST call under the rate limit, retried on transient failures; an expired application token is renewed once. */
  async call(method: string, params: JsonObject | Record<string, unknown>, signal: AbortSignal): Promise<Json> {
    const o = this.#opts;
    return retry(
      async () => {
        for (let renewed = false; ; renewed = true) {
          await this.#limiter.take(signal);
          const target = await this.#auth.target(method, signal);
          try {
            return await this.callOnce(method, params, target, signal);
          } catch (err) {
            if (renewed || !(err instanceof ExpiredTokenError) || !(await this.#auth.renew(target.accessToken, signal))) throw err;
          }
        }
      },
      crmRetryOptions(o, signal, 'bitrix24 request', { method }),
    );
  }

  private async callOnce(method: string, params: unknown, target: Bitrix24Target, signal: AbortSignal): Promise<Json> {
    const body = target.accessToken === undefined ? params : { ...(params as object), auth: target.accessToken };
    // The network error is not kept as the cause: undici's messages may hold the full URL (a webhook's token).
    const res = await crmFetch(
      this.#fetch,
      target.url,
      { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify(body) },
      { what: `bitrix24 ${method}`, where: this.#auth.where(method), signal, timeoutMs: this.#opts.requestTimeoutMs ?? 30_000 },
    );
    let answer: unknown;
    try {
      answer = await res.json();
    } catch {
      answer = undefined;
    }
    const retryAfter = retryAfterMs(res.headers.get('retry-after'));
    const error = isObject(answer) && typeof answer.error === 'string' ? answer.error : undefined;
    const description = isObject(answer) && typeof answer.error_description === 'string' ? answer.error_description : '';
    if (error !== undefined || !res.ok) {
      const what = `bitrix24 ${method}: ${error ?? `HTTP ${res.status}`}${description ? ` (${description})` : ''}`;
      if (error === 'WRONG_AUTH_TYPE') {
        throw new PermanentCrmError(
          this.#auth.kind === 'webhook'
            ? `${what}; this portal allows ${method} only to an application, not to a webhook: set up the local application (BITRIX24_CLIENT_ID, README "Bitrix24: webhook or application")`
            : what,
          { auth: true },
        );
      }
      if (error === 'expired_token' && this.#auth.kind === 'application')
        throw new ExpiredTokenError(`${what}; the application token was refused after a refresh`, { auth: true });
      if ((error !== undefined && AUTH_ERRORS.has(error)) || res.status === 401 || res.status === 403) {
        throw new PermanentCrmError(
          this.#auth.kind === 'webhook'
            ? `${what}; the webhook is refused, check BITRIX24_WEBHOOK_URL and its scopes`
            : `${what}; the application is refused, check its scopes or authorise it again: after-hours crm-worker bitrix24-auth`,
          { auth: true },
        );
      }
      if ((error !== undefined && TRANSIENT_ERRORS.has(error)) || res.status >= 500 || res.status === 429) {
        throw new TransientCrmError(what, retryAfter ?? (error === 'QUERY_LIMIT_EXCEEDED' ? 1000 : undefined));
      }
      throw new Bitrix24Refusal(what, error ?? `HTTP ${res.status}`, description);
    }
    if (!isObject(answer) || !('result' in answer)) throw new TransientCrmError(`bitrix24 ${method}: answer without result`);
    return answer.result;
  }
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function toId(value: unknown): number | undefined {
  const n = typeof value === 'string' ? Number(value) : value;
  return typeof n === 'number' && Number.isInteger(n) && n > 0 ? n : undefined;
}
