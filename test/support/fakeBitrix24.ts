// A local stand-in for a Bitrix24 portal's REST API, reached through an incoming webhook
// (/rest/1/secret-token/METHOD.json) or as a local application (/rest/METHOD.json with an
// OAuth access token in `auth`), and for Bitrix24's OAuth server (/oauth/token/,
// /oauth/authorize/). It keeps state the tests can inspect and can be told to misbehave
// (rate limit, expired tokens, dropped connections, a slow token server, inactive users, a
// method blocked by the operation time limit, lead or activity creation failing inside a
// successful answer). Parameters and their
// defaults follow the Bitrix24 REST reference (bitrix24/b24restdocs, api-reference/telephony,
// api-reference/chats/notifications, settings/oauth): ADD_TO_CHAT and SHOW default to 1, so a
// caller that leaves them out gets Bitrix24's own chat message and call card, which the tests
// count with what the user sees.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type EntityType = 'CONTACT' | 'COMPANY' | 'LEAD';
const OWNER_TYPE_ID: Record<EntityType, number> = { LEAD: 1, CONTACT: 3, COMPANY: 4 };

export interface FakeRecord {
  type: EntityType;
  id: number;
  phones: string[];
  assignedById: number;
  title?: string;
  /** A lead's SOURCE_ID: register's CRM_SOURCE, else the portal's default (CALL). */
  sourceId?: string;
}

export interface FakeCall {
  callId: string;
  externalCallId?: string;
  userId: number;
  phone: string;
  type: number;
  line?: string;
  startDate: string;
  crmSource?: string;
  callListId?: number;
  registeredAt: number;
  entity?: { type: EntityType; id: number };
  createdLeadId?: number;
  finished?: {
    durationSeconds: number;
    statusCode: string;
    activityId: number;
    cost: number;
    costCurrency: string;
    failedReason: string;
    vote: number;
    recordUrl?: string;
    /** The statistics' CALL_STATUS: 1 (a conversation) when DURATION > 0, else 0. */
    callStatus: 0 | 1;
  };
  records: { filename: string; bytes: number; content: Buffer }[];
}

export interface FakeActivity {
  id: number;
  ownerTypeId: number;
  ownerId: number;
  callId: string;
  responsibleId: number;
  statusCode: string;
  durationSeconds: number;
  /** The activity's missed-call flag: STATUS_CODE 304 on a call of TYPE 2 or 4 (not 3). */
  missed: boolean;
  /** What the activity says; "Call duration: N" once a duration was sent. */
  description: string;
}

export interface FakeNotification {
  id: number;
  userId: number;
  message: string;
  messageOut?: string;
  tag?: string;
  subTag?: string;
}

/** A message Bitrix24 itself posts to a user's chat about a call (ADD_TO_CHAT, default 1). */
export interface FakeChatMessage {
  userId: number;
  callId: string;
  /** Which method posted it. */
  by: 'telephony.externalcall.register' | 'telephony.externalcall.finish';
}

export interface FakeLine {
  id: number;
  number: string;
  name: string;
  crmAutoCreate: 'Y' | 'N';
}

export interface FakeRequest {
  method: string;
  status: number;
  /** How the request authenticated. */
  via: 'webhook' | 'application' | 'none';
  /** The Bitrix24 error code answered, if any. */
  error?: string;
}

type Grant = { refreshToken: string; memberId: string };

type Params = Record<string, unknown>;
class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly description: string,
  ) {
    super(error);
  }
}

const APP_ONLY_ALWAYS = new Set([
  'telephony.externalLine.add',
  'telephony.externalLine.get',
  'telephony.externalLine.update',
  'telephony.externalLine.delete',
]);
const TELEPHONY_CALL_METHODS = new Set([
  'telephony.externalcall.register',
  'telephony.externalcall.finish',
  'telephony.externalcall.attachRecord',
]);
const SCOPE = 'crm,telephony,im';
const MEMBER_ID = 'a223c6b3710f85df22e9377d6c4f7553';

export class FakeBitrix24 {
  readonly token = 'secret-token';
  /** The local application's credentials (what the portal shows when it is created). */
  readonly clientId = 'local.fake0app0001.00000001';
  readonly clientSecret = 'fake-client-secret';
  readonly records: FakeRecord[] = [];
  readonly calls = new Map<string, FakeCall>();
  readonly activities: FakeActivity[] = [];
  readonly notifications = new Map<string, FakeNotification>();
  /** Bitrix24's own chat messages about calls. */
  readonly chat: FakeChatMessage[] = [];
  /** Call cards shown to users (SHOW, default 1). */
  readonly callCards: { userId: number; callId: string }[] = [];
  readonly lines: FakeLine[] = [];
  /** Every REST request: method name, how it authenticated, the HTTP status answered. */
  readonly requests: FakeRequest[] = [];
  /** Every request to the OAuth server. */
  readonly tokenRequests: { grantType: string; status: number; error?: string }[] = [];
  /** Refresh-token grants carried out whose answer is then lost (the connection closes): the pair rotated, nobody has it. */
  loseTokenAnswers = 0;
  leadCreationDisabled = false;
  /** finish saves the call but its activity is not created: the answer carries ERRORS.ACTIVITY_CREATION. */
  activityCreationFails = false;
  /** Users fired or deactivated: register and finish refuse them ("User is not found or is not active"). */
  readonly inactiveUsers = new Set<number>();
  /** Methods blocked by the operation time limit, until (portal clock, ms) the block lifts. */
  readonly blockedUntil = new Map<string, number>();
  /**
   * Some portals allow telephony.externalcall.* only to an application: a webhook gets
   * WRONG_AUTH_TYPE. telephony.externalLine.* are application-only everywhere.
   */
  appOnlyTelephony = false;
  /** Lifetime of an access token (Bitrix24: one hour). */
  accessTokenTtlSeconds = 3600;
  /** The OAuth server answers this much later (to hold a refresh in flight). */
  tokenDelayMs = 0;
  /** REST methods answer this much later (a portal far away), so requests overlap. */
  responseDelayMs = 0;
  /** REST requests being answered now, and the most at once so far. */
  inFlight = 0;
  maxInFlight = 0;
  /** The portal's clock, for token expiry and the rate limit. */
  now: () => number = Date.now;
  /**
   * Bitrix24's request limit, a leaky bucket per portal (REST reference, "limits"): each request
   * adds one to a counter that drains at `perSecond`; a request that would take it past `bucket`
   * is refused with QUERY_LIMIT_EXCEEDED (HTTP 503) and not counted. Off until `limitRate()`.
   */
  rateLimit: { perSecond: number; bucket: number } | undefined;
  /** Called with every REST request the portal carried out (authenticated, within the rate limit, no error). */
  onRequest: ((method: string, params: Readonly<Record<string, unknown>>) => void) | undefined;
  private bucketLevel = 0;
  private bucketAt = 0;
  private server: Server | undefined;
  private nextId = 100;
  private failQueue: { error: string; status: number }[] = [];
  private alwaysError: { error: string; status: number; description: string } | undefined;
  private dropCount = 0;
  private readonly accessTokens = new Map<string, { expiresAt: number }>();
  /** Refresh tokens are single-use: using one replaces it with a new pair. */
  private readonly refreshTokens = new Map<string, Grant>();
  private readonly codes = new Map<string, { expiresAt: number }>();
  private readonly innerPhones = new Map<string, number>();
  port = 0;

  get origin(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get webhookUrl(): string {
    return `${this.origin}/rest/1/${this.token}/`;
  }

  /** Plays oauth.bitrix.info too. */
  get oauthTokenUrl(): string {
    return `${this.origin}/oauth/token/`;
  }

  /** Environment for a worker process pointed at this fake: plain HTTP on loopback, allowed explicitly. */
  get workerEnv(): Record<string, string> {
    return { CRM_ADAPTER: 'bitrix24', BITRIX24_WEBHOOK_URL: this.webhookUrl, BITRIX24_ALLOW_INSECURE_HTTP: '1' };
  }

  /** The same as a local application (after `crm-worker bitrix24-auth`). */
  get appWorkerEnv(): Record<string, string> {
    return {
      CRM_ADAPTER: 'bitrix24',
      BITRIX24_PORTAL_URL: this.origin,
      BITRIX24_CLIENT_ID: this.clientId,
      BITRIX24_CLIENT_SECRET: this.clientSecret,
      BITRIX24_OAUTH_URL: this.oauthTokenUrl,
      BITRIX24_ALLOW_INSECURE_HTTP: '1',
    };
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', () => resolve()));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  addRecord(type: EntityType, phones: string[], assignedById: number, id?: number): FakeRecord {
    const record = { type, id: id ?? this.nextId++, phones, assignedById };
    this.records.push(record);
    return record;
  }

  /** A user's internal number (USER_PHONE_INNER). */
  addInnerPhone(inner: string, userId: number): void {
    this.innerPhones.set(inner, userId);
  }

  /** The documented limit of a standard portal: 2 requests/s, a bucket of 50 (Enterprise: 5/s, 250). */
  static readonly DOCUMENTED_RATE_LIMIT = { perSecond: 2, bucket: 50 } as const;

  /** Refuses requests past the leaky bucket, as a real portal does (default: the documented limit). */
  limitRate(limit: { perSecond: number; bucket: number } = FakeBitrix24.DOCUMENTED_RATE_LIMIT): this {
    this.rateLimit = { ...limit };
    this.bucketLevel = 0;
    this.bucketAt = this.now();
    return this;
  }

  /** Users who left: register/finish refuse them with ERROR_CORE "User is not found or is not active". */
  deactivateUser(...ids: number[]): void {
    for (const id of ids) this.inactiveUsers.add(id);
  }

  /**
   * OPERATION_TIME_LIMIT: `method` is blocked for `ms` of the portal's clock (Bitrix24: up to 10
   * minutes); each refusal says until when in `operating_reset_at` (Unix seconds).
   */
  blockMethod(method: string, ms: number): void {
    this.blockedUntil.set(method, this.now() + ms);
  }

  /** Finished calls whose activity is flagged missed: what Bitrix24's missed-calls list shows. */
  missedCalls(): FakeActivity[] {
    return this.activities.filter((a) => a.missed);
  }

  /** The next `n` requests get `QUERY_LIMIT_EXCEEDED` (HTTP 503). */
  rateLimitNext(n: number): void {
    for (let i = 0; i < n; i++) this.failQueue.push({ error: 'QUERY_LIMIT_EXCEEDED', status: 503 });
  }

  /** Every request from now on gets `expired_token` (HTTP 401): a webhook that will not come back. */
  expireToken(): void {
    this.alwaysError = { error: 'expired_token', status: 401, description: 'The access token provided has expired.' };
  }

  /** Every access token issued so far expires now (the application has to refresh). */
  expireAccessTokens(): void {
    for (const t of this.accessTokens.values()) t.expiresAt = Math.min(t.expiresAt, this.now() - 1);
  }

  /** The next `n` requests have their connection destroyed without an answer. */
  dropNext(n: number): void {
    this.dropCount += n;
  }

  /** What /oauth/authorize/ hands the application's handler when an administrator allows it: valid 30 s, once. */
  issueAuthorizationCode(): string {
    const code = `code${this.nextId++}${Math.random().toString(36).slice(2, 10)}`;
    this.codes.set(code, { expiresAt: this.now() + 30_000 });
    return code;
  }

  leads(): FakeRecord[] {
    return this.records.filter((r) => r.type === 'LEAD');
  }

  notificationsFor(userId: number): FakeNotification[] {
    return [...this.notifications.values()].filter((n) => n.userId === userId);
  }

  /** Everything a user is shown about calls: notifications and Bitrix24's own chat messages. */
  seenBy(userId: number): (FakeNotification | FakeChatMessage)[] {
    return [...this.notificationsFor(userId), ...this.chat.filter((m) => m.userId === userId)];
  }

  /** Users shown anything, once per thing shown. */
  seen(): number[] {
    return [...[...this.notifications.values()].map((n) => n.userId), ...this.chat.map((m) => m.userId)].sort((a, b) => a - b);
  }

  requestsFor(method: string): FakeRequest[] {
    return this.requests.filter((r) => r.method === method);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = req.url ?? '';
    if (url.startsWith('/oauth/')) return this.handleOAuth(req, res, url, Buffer.concat(chunks).toString('utf8'));
    const webhook = /^\/rest\/(\d+)\/([^/]+)\/([A-Za-z0-9_.]+?)(?:\.json)?\/?(?:\?.*)?$/.exec(url);
    const app = webhook ? null : /^\/rest\/([A-Za-z0-9_.]+?)(?:\.json)?\/?(?:\?.*)?$/.exec(url);
    const method = webhook?.[3] ?? app?.[1] ?? '?';
    if (this.dropCount > 0) {
      this.dropCount--;
      this.requests.push({ method, status: 0, via: 'none' });
      req.socket.destroy();
      return;
    }
    let via: FakeRequest['via'] = webhook ? 'webhook' : app ? 'application' : 'none';
    const send = (status: number, body: unknown): void => {
      const error = typeof (body as { error?: unknown }).error === 'string' ? (body as { error: string }).error : undefined;
      this.requests.push({ method, status, via, ...(error !== undefined ? { error } : {}) });
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const fail = (status: number, error: string, description: string): void => send(status, { error, error_description: description });
    let params: Params;
    try {
      params = parseBody(req.headers['content-type'] ?? '', Buffer.concat(chunks).toString('utf8'), url);
    } catch {
      return fail(400, 'INVALID_REQUEST', 'Body is not parseable');
    }
    if (webhook) {
      if (webhook[2] !== this.token) return fail(401, 'NO_AUTH_FOUND', 'Wrong authorization data');
      if (this.alwaysError) return fail(this.alwaysError.status, this.alwaysError.error, this.alwaysError.description);
      if (APP_ONLY_ALWAYS.has(method) || (this.appOnlyTelephony && TELEPHONY_CALL_METHODS.has(method))) {
        return fail(403, 'WRONG_AUTH_TYPE', 'Current authorization type is denied for this method');
      }
    } else if (app) {
      const auth = params.auth;
      delete params.auth;
      if (typeof auth !== 'string' || auth === '') {
        via = 'none';
        return fail(401, 'NO_AUTH_FOUND', 'Wrong authorization data');
      }
      const token = this.accessTokens.get(auth);
      if (!token) return fail(401, 'invalid_token', 'The access token provided is invalid.');
      if (token.expiresAt <= this.now()) return fail(401, 'expired_token', 'The access token provided has expired.');
    } else {
      return fail(404, 'ERROR_METHOD_NOT_FOUND', 'Method not found!');
    }
    if (this.rateLimit) {
      const now = this.now();
      this.bucketLevel = Math.max(0, this.bucketLevel - ((now - this.bucketAt) / 1000) * this.rateLimit.perSecond);
      this.bucketAt = now;
      if (this.bucketLevel + 1 > this.rateLimit.bucket) return fail(503, 'QUERY_LIMIT_EXCEEDED', 'Too many requests');
      this.bucketLevel += 1;
    }
    const queued = this.failQueue.shift();
    if (queued) return fail(queued.status, queued.error, 'Too many requests');
    const until = this.blockedUntil.get(method);
    if (until !== undefined && until > this.now()) {
      return send(429, {
        error: 'OPERATION_TIME_LIMIT',
        error_description: 'Method is blocked due to operation time limit.',
        time: { operating_reset_at: Math.ceil(until / 1000) },
      });
    }
    try {
      const result = this.run(method, params, via);
      this.onRequest?.(method, params);
      if (this.responseDelayMs > 0) {
        this.maxInFlight = Math.max(this.maxInFlight, ++this.inFlight);
        await new Promise((r) => setTimeout(r, this.responseDelayMs));
        this.inFlight--;
      }
      send(200, { result, time: { start: Date.now() / 1000 } });
    } catch (err) {
      if (err instanceof ApiError) return fail(err.status, err.error, err.description);
      fail(500, 'INTERNAL_SERVER_ERROR', String(err));
    }
  }

  /** oauth.bitrix.info's /oauth/token/ (grant_type authorization_code or refresh_token) and the portal's /oauth/authorize/. */
  private async handleOAuth(req: IncomingMessage, res: ServerResponse, url: string, body: string): Promise<void> {
    const p = parseBody(req.headers['content-type'] ?? '', body, url);
    if (url.startsWith('/oauth/authorize/')) {
      if (p.client_id !== this.clientId) {
        res.writeHead(400, { 'content-type': 'text/plain' });
        res.end('application not installed');
        return;
      }
      const to = new URL('https://localhost/after-hours');
      to.search = new URLSearchParams({
        code: this.issueAuthorizationCode(),
        state: String(p.state ?? ''),
        domain: `127.0.0.1:${this.port}`,
        member_id: MEMBER_ID,
        scope: SCOPE,
        server_domain: 'oauth.bitrix.info',
      }).toString();
      res.writeHead(302, { location: to.href });
      res.end();
      return;
    }
    const grantType = String(p.grant_type ?? '');
    const answer = (status: number, out: Record<string, unknown>): void => {
      this.tokenRequests.push({ grantType, status, ...(typeof out.error === 'string' ? { error: out.error } : {}) });
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(out));
    };
    if (this.tokenDelayMs > 0) await new Promise((r) => setTimeout(r, this.tokenDelayMs));
    if (!url.startsWith('/oauth/token/')) return answer(404, { error: 'invalid_request', error_description: 'Unknown OAuth endpoint' });
    if (p.client_id !== this.clientId || p.client_secret !== this.clientSecret)
      return answer(401, { error: 'invalid_client', error_description: 'Invalid client' });
    let grant: Grant;
    if (grantType === 'authorization_code') {
      const code = this.codes.get(String(p.code ?? ''));
      this.codes.delete(String(p.code ?? ''));
      if (!code || code.expiresAt <= this.now())
        return answer(400, { error: 'invalid_grant', error_description: 'Invalid authorization code' });
      grant = { refreshToken: '', memberId: MEMBER_ID };
    } else if (grantType === 'refresh_token') {
      const given = String(p.refresh_token ?? '');
      const known = this.refreshTokens.get(given);
      if (!known) return answer(400, { error: 'invalid_grant', error_description: 'Invalid refresh token' });
      this.refreshTokens.delete(given);
      grant = known;
    } else {
      return answer(400, { error: 'invalid_request', error_description: 'Unknown grant_type' });
    }
    const access = `access${this.nextId++}${Math.random().toString(36).slice(2, 10)}`;
    const refresh = `refresh${this.nextId++}${Math.random().toString(36).slice(2, 10)}`;
    this.accessTokens.set(access, { expiresAt: this.now() + this.accessTokenTtlSeconds * 1000 });
    this.refreshTokens.set(refresh, { ...grant, refreshToken: refresh });
    if (grantType === 'refresh_token' && this.loseTokenAnswers > 0) {
      this.loseTokenAnswers--;
      this.tokenRequests.push({ grantType, status: 0 });
      req.socket.destroy();
      return;
    }
    answer(200, {
      access_token: access,
      client_endpoint: `${this.origin}/rest/`,
      domain: 'oauth.bitrix.info',
      expires_in: this.accessTokenTtlSeconds,
      member_id: grant.memberId,
      refresh_token: refresh,
      scope: SCOPE,
      server_endpoint: 'https://oauth.bitrix.info/rest/',
      status: 'L',
    });
  }

  private run(method: string, p: Params, via: FakeRequest['via']): unknown {
    switch (method) {
      case 'batch':
        return this.batch(p, via);
      case 'crm.duplicate.findbycomm':
        return this.findByComm(p);
      case 'crm.contact.get':
        return this.get('CONTACT', p);
      case 'crm.company.get':
        return this.get('COMPANY', p);
      case 'crm.lead.get':
        return this.get('LEAD', p);
      case 'telephony.externalcall.register':
        return this.register(p);
      case 'telephony.externalcall.finish':
        return this.finish(p);
      case 'telephony.externalcall.attachRecord':
        return this.attachRecord(p);
      case 'telephony.externalLine.add':
        return this.lineAdd(p);
      case 'telephony.externalLine.get':
        return this.lines.map((l) => ({ NUMBER: l.number, NAME: l.name, CRM_AUTO_CREATE: l.crmAutoCreate }));
      case 'telephony.externalLine.update':
        return this.lineUpdate(p);
      case 'telephony.externalLine.delete':
        return this.lineDelete(p);
      case 'im.notify.system.add':
      case 'im.notify.personal.add':
        return this.notify(p, via);
      default:
        throw new ApiError(404, 'ERROR_METHOD_NOT_FOUND', 'Method not found!');
    }
  }

  private batch(p: Params, via: FakeRequest['via']): unknown {
    const cmd = (p.cmd ?? {}) as Record<string, string>;
    const result: Record<string, unknown> = {};
    const resultError: Record<string, unknown> = {};
    for (const [key, command] of Object.entries(cmd)) {
      const [method, query = ''] = String(command).split('?', 2) as [string, string?];
      try {
        result[key] = this.run(method, parsePhpQuery(query), via);
      } catch (err) {
        if (!(err instanceof ApiError)) throw err;
        resultError[key] = { error: err.error, error_description: err.description };
        if (String(p.halt) === '1') break;
      }
    }
    return { result, result_error: resultError, result_total: {}, result_next: {}, result_time: {} };
  }

  private findByComm(p: Params): unknown {
    if (String(p.type).toUpperCase() !== 'PHONE') throw new ApiError(400, '', 'Parameter type is invalid');
    const values = toArray(p.values).map((v) => digits(String(v)));
    const out: Partial<Record<EntityType, number[]>> = {};
    for (const r of this.records) {
      if (p.entity_type !== undefined && p.entity_type !== r.type) continue;
      if (r.phones.some((ph) => values.includes(digits(ph)))) (out[r.type] ??= []).push(r.id);
    }
    return Object.keys(out).length === 0 ? [] : out; // PHP's empty array
  }

  private get(type: EntityType, p: Params): unknown {
    const r = this.records.find((x) => x.type === type && x.id === Number(p.id ?? p.ID));
    if (!r) throw new ApiError(400, '', 'Not found');
    return { ID: String(r.id), ASSIGNED_BY_ID: String(r.assignedById), TITLE: r.title ?? '', HAS_PHONE: 'Y' };
  }

  private user(p: Params): number {
    const active = (id: number | undefined): number => {
      if (id === undefined || !Number.isInteger(id) || id <= 0 || this.inactiveUsers.has(id))
        throw new ApiError(400, 'ERROR_CORE', 'User is not found or is not active');
      return id;
    };
    if (p.USER_ID !== undefined && p.USER_ID !== '') return active(Number(p.USER_ID));
    if (p.USER_PHONE_INNER !== undefined && p.USER_PHONE_INNER !== '') return active(this.innerPhones.get(String(p.USER_PHONE_INNER)));
    throw new ApiError(400, 'ERROR_CORE', 'USER_ID or USER_PHONE_INNER should be set');
  }

  /**
   * telephony.externalcall.register: USER_ID | USER_PHONE_INNER, PHONE_NUMBER, TYPE (1-5) required;
   * CALL_START_DATE (ISO 8601 with zone; default now), CRM_CREATE (default 0), CRM_SOURCE,
   * CRM_ENTITY_TYPE/ID, SHOW (default 1), ADD_TO_CHAT (default 1), CALL_LIST_ID, LINE_NUMBER,
   * EXTERNAL_CALL_ID. An unfinished registration of the same phone, type, user, line and
   * external id is returned again while its DATE_CREATE (the CALL_START_DATE it was given) is
   * less than 30 minutes old: a call retried later than that is registered a second time.
   * The reused call is returned as it is (no second attempt at a lead).
   */
  private register(p: Params): unknown {
    const userId = this.user(p);
    const type = Number(p.TYPE);
    if (![1, 2, 3, 4, 5].includes(type)) throw new ApiError(400, 'ERROR_CORE', 'Unknown TYPE');
    const phone = p.PHONE_NUMBER === undefined ? '' : String(p.PHONE_NUMBER);
    if (digits(phone) === '') throw new ApiError(400, 'ERROR_CORE', 'Unsupported phone number format');
    const startDate = p.CALL_START_DATE === undefined ? new Date(this.now()).toISOString() : String(p.CALL_START_DATE);
    if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/.test(startDate))
      throw new ApiError(400, 'ERROR_CORE', 'CALL_START_DATE should be in the ISO-8601 format');
    const line = p.LINE_NUMBER === undefined ? undefined : String(p.LINE_NUMBER);
    const ext = p.EXTERNAL_CALL_ID === undefined ? undefined : String(p.EXTERNAL_CALL_ID);
    const earlier = [...this.calls.values()].find(
      (c) =>
        !c.finished &&
        c.phone === phone &&
        c.type === type &&
        c.userId === userId &&
        c.line === line &&
        c.externalCallId === ext &&
        this.now() - Date.parse(c.startDate) < 30 * 60_000,
    );
    if (earlier) return this.registerAnswer(earlier);
    const call: FakeCall = {
      callId: `externalCall.${this.nextId++}`,
      externalCallId: ext,
      userId,
      phone,
      type,
      line,
      startDate,
      registeredAt: this.now(),
      ...(p.CRM_SOURCE !== undefined ? { crmSource: String(p.CRM_SOURCE) } : {}),
      ...(p.CALL_LIST_ID !== undefined ? { callListId: Number(p.CALL_LIST_ID) } : {}),
      records: [],
    };
    let leadError: string | undefined;
    if (p.CRM_ENTITY_TYPE !== undefined && p.CRM_ENTITY_ID !== undefined) {
      const entityType = String(p.CRM_ENTITY_TYPE) as EntityType;
      const id = Number(p.CRM_ENTITY_ID);
      if (!this.records.some((r) => r.type === entityType && r.id === id)) throw new ApiError(400, 'ERROR_CORE', 'CRM entity not found');
      call.entity = { type: entityType, id };
    } else {
      const known = this.records.find((r) => r.phones.some((ph) => digits(ph) === digits(call.phone)));
      if (known) call.entity = { type: known.type, id: known.id };
      else if (String(p.CRM_CREATE ?? '0') === '1') {
        if (this.leadCreationDisabled) leadError = 'Lead creation is disabled';
        else {
          const lead = this.addRecord('LEAD', [call.phone], call.userId);
          lead.sourceId = call.crmSource ?? 'CALL';
          call.entity = { type: 'LEAD', id: lead.id };
          call.createdLeadId = lead.id;
        }
      }
    }
    this.calls.set(call.callId, call);
    if (String(p.SHOW ?? '1') !== '0') this.callCards.push({ userId, callId: call.callId });
    if (String(p.ADD_TO_CHAT ?? '1') !== '0') this.chat.push({ userId, callId: call.callId, by: 'telephony.externalcall.register' });
    return this.registerAnswer(call, leadError);
  }

  private registerAnswer(call: FakeCall, leadError?: string): unknown {
    return {
      CALL_ID: call.callId,
      CRM_CREATED_LEAD: call.createdLeadId ?? null,
      CRM_CREATED_ENTITIES: call.createdLeadId ? [{ ENTITY_TYPE: 'LEAD', ENTITY_ID: call.createdLeadId }] : [],
      CRM_ENTITY_TYPE: call.entity?.type ?? '',
      CRM_ENTITY_ID: call.entity?.id ?? 0,
      ...(leadError ? { LEAD_CREATION_ERROR: leadError } : {}),
    };
  }

  /**
   * telephony.externalcall.finish: CALL_ID and USER_ID | USER_PHONE_INNER required; DURATION
   * (default 0), COST (0), COST_CURRENCY (''), STATUS_CODE (200 if DURATION > 0, else 304),
   * FAILED_REASON (''), RECORD_URL (deprecated), VOTE (1-5), ADD_TO_CHAT (default 1). The
   * finishing user becomes responsible for a lead the registration created.
   */
  private finish(p: Params): unknown {
    if (typeof p.CALL_ID !== 'string') throw new ApiError(400, 'INVALID_ARGUMENT', 'CALL_ID must be a string');
    const userId = this.user(p);
    const call = this.calls.get(p.CALL_ID);
    // A finished call leaves the "current calls" table, so finishing it again is an error.
    if (!call || call.finished) throw new ApiError(400, 'ERROR_CORE', 'Call is not found (call should be registered prior to finishing)');
    const duration = Number(p.DURATION ?? 0);
    const statusCode = p.STATUS_CODE === undefined ? (duration > 0 ? '200' : '304') : String(p.STATUS_CODE);
    const vote = Number(p.VOTE ?? 0);
    const activityId = this.nextId++;
    if (call.createdLeadId !== undefined) {
      const lead = this.records.find((r) => r.type === 'LEAD' && r.id === call.createdLeadId);
      if (lead) lead.assignedById = userId;
    }
    const errors: Record<string, string> = {};
    if (call.entity && this.activityCreationFails) errors.ACTIVITY_CREATION = 'Could not create the CRM activity';
    else if (call.entity) {
      this.activities.push({
        id: activityId,
        ownerTypeId: OWNER_TYPE_ID[call.entity.type],
        ownerId: call.entity.id,
        callId: call.callId,
        responsibleId: userId,
        statusCode,
        durationSeconds: duration,
        missed: statusCode === '304' && (call.type === 2 || call.type === 4),
        description: duration > 0 ? `Call duration: ${duration}` : '',
      });
    }
    call.finished = {
      durationSeconds: duration,
      statusCode,
      activityId,
      cost: Number(p.COST ?? 0),
      costCurrency: String(p.COST_CURRENCY ?? ''),
      failedReason: String(p.FAILED_REASON ?? ''),
      vote: [1, 2, 3, 4, 5].includes(vote) ? vote : 0,
      ...(p.RECORD_URL !== undefined ? { recordUrl: String(p.RECORD_URL) } : {}),
      callStatus: duration > 0 ? 1 : 0,
    };
    if (String(p.ADD_TO_CHAT ?? '1') !== '0') this.chat.push({ userId, callId: call.callId, by: 'telephony.externalcall.finish' });
    return {
      ID: activityId,
      CALL_ID: call.callId,
      EXTERNAL_CALL_ID: call.externalCallId ?? null,
      PORTAL_USER_ID: userId,
      PHONE_NUMBER: call.phone,
      PORTAL_NUMBER: call.line ?? '',
      INCOMING: String(call.type),
      CALL_DURATION: duration,
      CALL_START_DATE: call.startDate,
      CALL_STATUS: call.finished.callStatus,
      CALL_VOTE: call.finished.vote,
      COST: call.finished.cost,
      COST_CURRENCY: call.finished.costCurrency,
      CALL_FAILED_CODE: statusCode,
      CALL_FAILED_REASON: call.finished.failedReason,
      CRM_ACTIVITY_ID: call.entity && Object.keys(errors).length === 0 ? activityId : null,
      CRM_ENTITY_TYPE: call.entity?.type ?? '',
      CRM_ENTITY_ID: call.entity?.id ?? 0,
      ...(Object.keys(errors).length > 0 ? { ERRORS: errors } : {}),
    };
  }

  private attachRecord(p: Params): unknown {
    const call = this.calls.get(String(p.CALL_ID));
    if (!call) throw new ApiError(400, 'ERROR_CORE', 'Call is not found');
    if (!call.finished) throw new ApiError(400, 'ERROR_WRONG_STATE', 'Call is not finished');
    const filename = String(p.FILENAME ?? '');
    if (!/\.(wav|mp3)$/i.test(filename) || typeof p.FILE_CONTENT !== 'string')
      throw new ApiError(400, 'ERROR_ARGUMENT', 'FILENAME (wav or mp3) and FILE_CONTENT are required');
    const content = Buffer.from(p.FILE_CONTENT, 'base64');
    call.records.push({ filename, bytes: content.length, content });
    return { FILE_ID: this.nextId++ };
  }

  /** telephony.externalLine.add: NUMBER required, NAME optional, CRM_AUTO_CREATE Y|N (default Y). */
  private lineAdd(p: Params): unknown {
    const number = p.NUMBER === undefined ? '' : String(p.NUMBER);
    if (number === '') throw new ApiError(400, 'ERROR_CORE', 'NUMBER should not be empty');
    if (this.lines.some((l) => l.number === number)) throw new ApiError(400, 'ERROR_CORE', 'Line already exists');
    const line: FakeLine = {
      id: this.nextId++,
      number,
      name: p.NAME === undefined ? '' : String(p.NAME),
      crmAutoCreate: String(p.CRM_AUTO_CREATE ?? 'Y') === 'N' ? 'N' : 'Y',
    };
    this.lines.push(line);
    return { ID: line.id };
  }

  /** telephony.externalLine.update: NUMBER, NAME, CRM_AUTO_CREATE (default Y). */
  private lineUpdate(p: Params): unknown {
    const line = this.lines.find((l) => l.number === String(p.NUMBER ?? ''));
    if (!line) throw new ApiError(400, 'ERROR_CORE', 'Line not found');
    if (p.NAME !== undefined) line.name = String(p.NAME);
    line.crmAutoCreate = String(p.CRM_AUTO_CREATE ?? 'Y') === 'N' ? 'N' : 'Y';
    return { ID: line.id };
  }

  private lineDelete(p: Params): unknown {
    const i = this.lines.findIndex((l) => l.number === String(p.NUMBER ?? ''));
    if (i >= 0) this.lines.splice(i, 1);
    return null;
  }

  /**
   * im.notify.system.add: USER_ID and MESSAGE required; MESSAGE_OUT, TAG, SUB_TAG, ATTACH. A tag is
   * unique in the whole portal: a notification with a tag deletes every other one with it. The
   * tag is applied only when the request carries a client id (an application); through an
   * incoming webhook it is dropped, so a repeat is a second notification.
   */
  private notify(p: Params, via: FakeRequest['via']): unknown {
    const userId = Number(p.USER_ID);
    if (!Number.isInteger(userId) || userId <= 0 || typeof p.MESSAGE !== 'string')
      throw new ApiError(400, 'ERROR_ARGUMENT', 'USER_ID and MESSAGE are required');
    const tag = p.TAG === undefined || via !== 'application' ? undefined : String(p.TAG);
    const id = this.nextId++;
    if (tag !== undefined) for (const [key, n] of this.notifications) if (n.tag === tag) this.notifications.delete(key);
    this.notifications.set(tag === undefined ? `id:${id}` : `tag:${tag}`, {
      id,
      userId,
      message: p.MESSAGE,
      ...(p.MESSAGE_OUT !== undefined ? { messageOut: String(p.MESSAGE_OUT) } : {}),
      ...(tag !== undefined ? { tag } : {}),
      ...(p.SUB_TAG !== undefined ? { subTag: String(p.SUB_TAG) } : {}),
    });
    return id;
  }
}

function digits(s: string): string {
  return s.replace(/\D/g, '');
}

function toArray(v: unknown): unknown[] {
  if (Array.isArray(v)) return v;
  if (v && typeof v === 'object') return Object.values(v);
  return v === undefined ? [] : [v];
}

function parseBody(contentType: string, body: string, url: string): Params {
  const query = url.includes('?') ? parsePhpQuery(url.slice(url.indexOf('?') + 1)) : {};
  if (body.trim() === '') return query;
  if (contentType.includes('application/json')) return { ...query, ...(JSON.parse(body) as Params) };
  return { ...query, ...parsePhpQuery(body) };
}

/** `a[b][0]=1&c=2` as PHP reads it: nested objects; all-numeric keys become arrays. */
export function parsePhpQuery(query: string): Params {
  const root: Params = {};
  for (const [rawKey, value] of new URLSearchParams(query)) {
    const path = rawKey.replace(/\]/g, '').split('[');
    let node: Params = root;
    path.forEach((part, i) => {
      const key = part === '' ? String(Object.keys(node).length) : part;
      if (i === path.length - 1) node[key] = value;
      else node = (node[key] ??= {}) as Params;
    });
  }
  return arrayify(root) as Params;
}

function arrayify(v: unknown): unknown {
  if (!v || typeof v !== 'object') return v;
  const entries = Object.entries(v as Params).map(([k, x]) => [k, arrayify(x)] as const);
  if (entries.length > 0 && entries.every(([k], i) => k === String(i))) return entries.map(([, x]) => x);
  return Object.fromEntries(entries);
}
