// Bitrix24 through an incoming webhook (https://PORTAL/rest/USER_ID/TOKEN/) or a local
// application (OAuth, bitrix24Auth.ts). Secrets (the webhook URL, tokens) are kept in private
// fields, never put in an error message, and toJSON() hides them from loggers.
import type { Redis } from 'ioredis';
import type { AfterHoursEvent } from '../events/types';
import type { StreamKeys } from '../store/eventStream';
import {
  pickRecord,
  type CrmAction,
  type CrmEntityType,
  type CrmRecord,
  type LookupResult,
  type RegisterCallAction,
} from '../policy/crmPolicy';
import { retry } from '../shared/backoff';
import {
  CrmBlockedError,
  crmRetryOptions,
  type CrmRetrySettings,
  CrmStepError,
  once,
  PermanentCrmError,
  TransientCrmError,
  type ApplyContext,
  type CrmAdapter,
  type CrmHealth,
  type RecordingFetcher,
  type StepJournal,
  RECORDING_STORED,
  RECORDING_STORED_STEP,
} from './adapter';
import { WebhookAuth, type Bitrix24Auth, type Bitrix24Target } from './bitrix24Auth';
import { ExternalLines } from './bitrix24Lines';
import { bitrix24Keys } from './keys';
import { crmFetch, retryAfterMs } from './crmFetch';
import { traceCrmStep } from './crmTiming';
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
/** Journal steps of a call: its registration ({callId, userId}), its finish, and errors a finish was answered with. */
const REGISTER_STEP = 'register';
const FINISH_STEP = 'finish';
const FINISH_ERRORS_STEP = 'finish:errors';
const ATTACHABLE_FORMATS = new Set(['wav', 'mp3']);
/** Most commands one `batch` request may carry. */
const BATCH_LIMIT = 50;
const GET_METHOD: Record<CrmEntityType, string> = { CONTACT: 'crm.contact.get', COMPANY: 'crm.company.get', LEAD: 'crm.lead.get' };
/**
 * register and finish post their own message about the call to the user's chat unless told not
 * to (ADD_TO_CHAT defaults to 1). after-hours sends one notification of its own instead, in
 * every rule: it says why the number was closed and what happened, in the number's language,
 * it reaches every queue user with `notify: all`, and it is one journal step per user (with an
 * application its tag also makes a repeat replace it).
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
  readonly #now: () => number;

  constructor(opts: Bitrix24Options) {
    if (opts.auth === undefined && opts.webhookUrl === undefined) throw new Error('BITRIX24_WEBHOOK_URL is not set');
    this.#auth = opts.auth ?? new WebhookAuth(opts.webhookUrl as string, { allowInsecureHttp: opts.allowInsecureHttp });
    this.#opts = opts;
    this.#fetch = opts.fetch ?? fetch;
    this.#now = opts.now ?? Date.now;
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

  /** Not ready while the application needs a new authorisation (bitrix24Auth.ts). */
  health(): CrmHealth {
    return this.#auth.health?.() ?? { ready: true };
  }

  /** The worker stopping: the recording download's connections to Asterisk close with it. */
  async close(): Promise<void> {
    this.#opts.fetchRecording?.close?.();
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
    let call: Registration | undefined;
    for (const action of actions) {
      switch (action.kind) {
        case 'register-call': {
          if (this.#lines) await this.#lines.ensure(action.line, action.lineName, signal);
          call = await this.register(event, action, journal, signal);
          await this.finish(event, action, call, journal, signal);
          break;
        }
        case 'attach-recording': {
          if (call === undefined) break; // nothing registered to attach to
          const id = call.callId;
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
        case 'notify': {
          // The responsible user's notification goes to whoever took the call in their place.
          const userId = action.followsCall && call !== undefined ? call.userId : action.userId;
          // Each user's notification is a journal step of its own, written as soon as the portal
          // answers: a redelivery repeats at most the one whose answer was lost. A tag is unique in
          // the whole portal (a new notification with it deletes the others), so each user's copy
          // gets its own; Bitrix24 applies it only to an application, where a repeat replaces the
          // earlier copy. Through a webhook the tag is dropped (docs/crm.md "Bitrix24: webhook or application").
          await once(journal, `notify:${userId}`, async () => {
            await this.call('im.notify.system.add', { USER_ID: userId, MESSAGE: action.text, TAG: `${action.tag}:${userId}` }, signal);
            return 'done';
          });
          break;
        }
      }
    }
  }

  /**
   * telephony.externalcall.register, journalled with the CALL_ID and the user who took the call.
   * A call the journal holds is never registered again: Bitrix24 hands back an earlier
   * registration only while its CALL_START_DATE is less than 30 minutes old, so a later retry
   * would be a second call. A refused user ("not found or not active": fired or deactivated)
   * hands the call to the next of the number's queue users, as Bitrix24's own telephony does.
   */
  private async register(
    event: AfterHoursEvent,
    action: RegisterCallAction,
    journal: StepJournal,
    signal: AbortSignal,
  ): Promise<Registration> {
    const journalled = await journal.get(REGISTER_STEP);
    if (journalled !== undefined) return readRegistration(journalled, action.userId);
    const log = this.#opts.logger;
    const users = [action.userId, ...action.fallbackUserIds.filter((u) => u !== action.userId)];
    const refused: number[] = [];
    for (const userId of users) {
      let result: Json;
      try {
        result = await traceCrmStep(REGISTER_STEP, () =>
          this.call(
            'telephony.externalcall.register',
            {
              USER_ID: userId,
              PHONE_NUMBER: action.phone,
              TYPE: 2,
              CALL_START_DATE: action.startTime,
              CRM_CREATE: action.createLead ? 1 : 0,
              ...(action.source !== undefined ? { CRM_SOURCE: action.source } : {}),
              ...(action.attachTo ? { CRM_ENTITY_TYPE: action.attachTo.type, CRM_ENTITY_ID: action.attachTo.id } : {}),
              SHOW: 0,
              ADD_TO_CHAT,
              LINE_NUMBER: action.line,
              EXTERNAL_CALL_ID: event.id,
            },
            signal,
          ),
        );
      } catch (err) {
        if (!isInactiveUser(err)) throw err;
        refused.push(userId);
        const next = users[users.indexOf(userId) + 1];
        log?.warn(
          { eventId: event.id, userId, next, err },
          next === undefined
            ? 'bitrix24 user is not found or not active; no queue user left to take the call'
            : `bitrix24 user ${userId} is not found or not active (left or deactivated); handing the call to queue user ${next}`,
        );
        continue;
      }
      if (!isObject(result) || typeof result.CALL_ID !== 'string' || result.CALL_ID === '') {
        throw new PermanentCrmError('bitrix24 telephony.externalcall.register: no CALL_ID in the answer');
      }
      const leadError = typeof result.LEAD_CREATION_ERROR === 'string' ? result.LEAD_CREATION_ERROR : undefined;
      const hasRecord = toId(result.CRM_ENTITY_ID) !== undefined || toId(result.CRM_CREATED_LEAD) !== undefined;
      if (action.createLead && (leadError || !hasRecord)) {
        // Not journalled: this registration is never finished (no activity, no statistics), so a
        // retry registers again and gets a lead once the portal makes one.
        throw new CrmStepError(
          `bitrix24 telephony.externalcall.register: the call was registered but no lead was created for ${action.phone}` +
            `${leadError ? `: ${leadError}` : ' (the answer names no CRM record)'}; allow lead creation for calls in the portal's CRM settings, or set crm.unknownCaller: offer for ${action.line}`,
        );
      }
      const registration: Registration = { callId: result.CALL_ID, userId };
      await journal.set(REGISTER_STEP, JSON.stringify(registration));
      return registration;
    }
    throw new PermanentCrmError(
      `bitrix24 telephony.externalcall.register: no user can take the call: ${refused.join(', ')} ${refused.length === 1 ? 'is' : 'are'} not found or not active in Bitrix24 (the record's responsible user and the number's crm.queue); update crm.queue or reassign the record`,
    );
  }

  /**
   * telephony.externalcall.finish as a missed call (STATUS_CODE 304 with the policy's duration,
   * 0 for a voicemail: Bitrix24 counts any duration as a conversation) or an answered one. ERRORS in a successful answer (ACTIVITY_CREATION)
   * fail the step; the portal keeps the call finished, so the reason is journalled and a retry,
   * told "Call is not found", fails with it again rather than registering a second call.
   */
  private async finish(
    event: AfterHoursEvent,
    action: RegisterCallAction,
    call: Registration,
    journal: StepJournal,
    signal: AbortSignal,
  ): Promise<void> {
    await once(journal, FINISH_STEP, async () => {
      let result: Json;
      try {
        result = await this.call(
          'telephony.externalcall.finish',
          {
            CALL_ID: call.callId,
            USER_ID: call.userId,
            DURATION: action.durationSeconds,
            STATUS_CODE: STATUS_CODE[action.status],
            ADD_TO_CHAT,
          },
          signal,
        );
      } catch (err) {
        if (!isFinishedAlready(err)) throw err;
        const errors = await journal.get(FINISH_ERRORS_STEP);
        if (errors !== undefined) throw new CrmStepError(errors);
        this.#opts.logger?.warn({ eventId: event.id, callId: call.callId, err }, 'bitrix24 call was finished already; not again');
        return 'finished already';
      }
      const errors = isObject(result) ? describeErrors(result.ERRORS) : undefined;
      if (errors !== undefined) {
        const message = `bitrix24 telephony.externalcall.finish: the call ${call.callId} was saved with errors: ${errors}`;
        await journal.set(FINISH_ERRORS_STEP, message);
        throw new CrmStepError(message);
      }
      return isObject(result) && result.CRM_ACTIVITY_ID !== undefined && result.CRM_ACTIVITY_ID !== null
        ? String(result.CRM_ACTIVITY_ID)
        : 'done';
    });
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
            ? `${what}; this portal allows ${method} only to an application, not to a webhook: set up the local application (BITRIX24_CLIENT_ID, docs/crm.md "Bitrix24: webhook or application")`
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
      if (error === 'OPERATION_TIME_LIMIT') {
        const resetAt = operatingResetAt(answer);
        if (resetAt !== undefined && resetAt > this.#now()) {
          throw new CrmBlockedError(`${what}; blocked until ${new Date(resetAt).toISOString()} (operating_reset_at)`, resetAt);
        }
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

/** operating_reset_at (Unix seconds) of a Bitrix24 answer, in ms; in its `time` block or at the top. */
function operatingResetAt(answer: unknown): number | undefined {
  if (!isObject(answer)) return undefined;
  const raw =
    isObject(answer.time) && answer.time.operating_reset_at !== undefined ? answer.time.operating_reset_at : answer.operating_reset_at;
  const seconds = typeof raw === 'string' ? Number(raw) : raw;
  return typeof seconds === 'number' && Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : undefined;
}

/** register/finish refuse a user who left or was deactivated: ERROR_CORE "User is not found or is not active". */
function isInactiveUser(err: unknown): boolean {
  return err instanceof Bitrix24Refusal && /user is not found or is not active/i.test(err.description);
}

/** finish's ERRORS (an object of code → message, or a list): "ACTIVITY_CREATION: …"; undefined when there are none. */
function describeErrors(errors: Json | undefined): string | undefined {
  if (errors === undefined || errors === null || errors === '' || errors === false) return undefined;
  const parts: string[] = [];
  const text = (v: Json): string =>
    typeof v === 'string' ? v : isObject(v) && typeof v.message === 'string' ? v.message : JSON.stringify(v);
  if (Array.isArray(errors)) {
    for (const e of errors) parts.push(isObject(e) && typeof e.code === 'string' ? `${e.code}: ${text(e)}` : text(e));
  } else if (isObject(errors)) {
    for (const [code, v] of Object.entries(errors)) parts.push(`${code}: ${text(v)}`);
  } else parts.push(String(errors));
  return parts.length > 0 ? parts.join('; ') : undefined;
}

/** The registered call as the journal keeps it; older journals hold the bare CALL_ID. */
interface Registration {
  callId: string;
  userId: number;
}

function readRegistration(value: string, userId: number): Registration {
  if (value.startsWith('{')) {
    const parsed = JSON.parse(value) as Partial<Registration>;
    if (typeof parsed.callId === 'string' && typeof parsed.userId === 'number') return { callId: parsed.callId, userId: parsed.userId };
  }
  return { callId: value, userId };
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function toId(value: unknown): number | undefined {
  const n = typeof value === 'string' ? Number(value) : value;
  return typeof n === 'number' && Number.isInteger(n) && n > 0 ? n : undefined;
}
