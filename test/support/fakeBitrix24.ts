// A local stand-in for a Bitrix24 portal's REST API behind an incoming webhook
// (/rest/1/secret-token/METHOD.json). It keeps state the tests can inspect and can be told to
// misbehave (rate limit, expired token, dropped connections). Behaviour follows
// the project's shared notes on the Bitrix24 REST API (bitrix24-rest.md).
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
}

export interface FakeCall {
  callId: string;
  externalCallId?: string;
  userId: number;
  phone: string;
  line?: string;
  startDate?: string;
  entity?: { type: EntityType; id: number };
  createdLeadId?: number;
  finished?: { durationSeconds: number; statusCode: number; activityId: number };
  records: { filename: string; bytes: number; content: Buffer }[];
}

export interface FakeActivity {
  id: number;
  ownerTypeId: number;
  ownerId: number;
  callId: string;
  responsibleId: number;
  statusCode: number;
  durationSeconds: number;
}

export interface FakeNotification {
  id: number;
  userId: number;
  message: string;
  tag?: string;
}

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

export class FakeBitrix24 {
  readonly token = 'secret-token';
  readonly records: FakeRecord[] = [];
  readonly calls = new Map<string, FakeCall>();
  readonly activities: FakeActivity[] = [];
  readonly notifications = new Map<string, FakeNotification>();
  /** Every request: method name and the HTTP status answered. */
  readonly requests: { method: string; status: number }[] = [];
  leadCreationDisabled = false;
  private server: Server | undefined;
  private nextId = 100;
  private failQueue: { error: string; status: number }[] = [];
  private alwaysError: { error: string; status: number; description: string } | undefined;
  private dropCount = 0;
  port = 0;

  get webhookUrl(): string {
    return `http://127.0.0.1:${this.port}/rest/1/${this.token}/`;
  }

  /** Environment for a worker process pointed at this fake: plain HTTP on loopback, allowed explicitly. */
  get workerEnv(): Record<string, string> {
    return { CRM_ADAPTER: 'bitrix24', BITRIX24_WEBHOOK_URL: this.webhookUrl, BITRIX24_ALLOW_INSECURE_HTTP: '1' };
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

  /** The next `n` requests get `QUERY_LIMIT_EXCEEDED` (HTTP 503). */
  rateLimitNext(n: number): void {
    for (let i = 0; i < n; i++) this.failQueue.push({ error: 'QUERY_LIMIT_EXCEEDED', status: 503 });
  }

  /** Every request from now on gets `expired_token` (HTTP 401). */
  expireToken(): void {
    this.alwaysError = { error: 'expired_token', status: 401, description: 'The access token provided has expired.' };
  }

  /** The next `n` requests have their connection destroyed without an answer. */
  dropNext(n: number): void {
    this.dropCount += n;
  }

  leads(): FakeRecord[] {
    return this.records.filter((r) => r.type === 'LEAD');
  }

  notificationsFor(userId: number): FakeNotification[] {
    return [...this.notifications.values()].filter((n) => n.userId === userId);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const match = /^\/rest\/(\d+)\/([^/]+)\/([A-Za-z0-9_.]+?)(?:\.json)?\/?(?:\?.*)?$/.exec(req.url ?? '');
    const method = match?.[3] ?? '?';
    if (this.dropCount > 0) {
      this.dropCount--;
      this.requests.push({ method, status: 0 });
      req.socket.destroy();
      return;
    }
    const send = (status: number, body: unknown): void => {
      this.requests.push({ method, status });
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (!match || match[2] !== this.token) return send(401, { error: 'NO_AUTH_FOUND', error_description: 'Wrong authorization data' });
    if (this.alwaysError) return send(this.alwaysError.status, { error: this.alwaysError.error, error_description: this.alwaysError.description });
    const fail = this.failQueue.shift();
    if (fail) return send(fail.status, { error: fail.error, error_description: 'Too many requests' });
    let params: Params;
    try {
      params = parseBody(req.headers['content-type'] ?? '', Buffer.concat(chunks).toString('utf8'), req.url ?? '');
    } catch {
      return send(400, { error: 'INVALID_REQUEST', error_description: 'Body is not parseable' });
    }
    try {
      send(200, { result: this.run(method, params), time: { start: Date.now() / 1000 } });
    } catch (err) {
      if (err instanceof ApiError) return send(err.status, { error: err.error, error_description: err.description });
      send(500, { error: 'INTERNAL_SERVER_ERROR', error_description: String(err) });
    }
  }

  private run(method: string, p: Params): unknown {
    switch (method) {
      case 'batch':
        return this.batch(p);
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
      case 'im.notify.system.add':
      case 'im.notify.personal.add':
        return this.notify(p);
      default:
        throw new ApiError(404, 'ERROR_METHOD_NOT_FOUND', 'Method not found!');
    }
  }

  private batch(p: Params): unknown {
    const cmd = (p.cmd ?? {}) as Record<string, string>;
    const result: Record<string, unknown> = {};
    const resultError: Record<string, unknown> = {};
    for (const [key, command] of Object.entries(cmd)) {
      const [method, query = ''] = String(command).split('?', 2) as [string, string?];
      try {
        result[key] = this.run(method, parsePhpQuery(query));
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

  private register(p: Params): unknown {
    for (const f of ['USER_ID', 'PHONE_NUMBER', 'TYPE']) if (p[f] === undefined || p[f] === '') throw new ApiError(400, 'ERROR_ARGUMENT', `${f} is required`);
    const ext = p.EXTERNAL_CALL_ID === undefined ? undefined : String(p.EXTERNAL_CALL_ID);
    if (ext !== undefined) {
      const earlier = [...this.calls.values()].find((c) => c.externalCallId === ext);
      if (earlier) return this.registerAnswer(earlier);
    }
    const call: FakeCall = {
      callId: `externalCall.${this.nextId++}`,
      externalCallId: ext,
      userId: Number(p.USER_ID),
      phone: String(p.PHONE_NUMBER),
      line: p.LINE_NUMBER === undefined ? undefined : String(p.LINE_NUMBER),
      startDate: p.CALL_START_DATE === undefined ? undefined : String(p.CALL_START_DATE),
      records: [],
    };
    let leadError: string | undefined;
    if (p.CRM_ENTITY_TYPE !== undefined && p.CRM_ENTITY_ID !== undefined) {
      const type = String(p.CRM_ENTITY_TYPE) as EntityType;
      const id = Number(p.CRM_ENTITY_ID);
      if (!this.records.some((r) => r.type === type && r.id === id)) throw new ApiError(400, 'ERROR_ARGUMENT', 'CRM entity not found');
      call.entity = { type, id };
    } else {
      const known = this.records.find((r) => r.phones.some((ph) => digits(ph) === digits(call.phone)));
      if (known) call.entity = { type: known.type, id: known.id };
      else if (String(p.CRM_CREATE) === '1') {
        if (this.leadCreationDisabled) leadError = 'Lead creation is disabled';
        else {
          const lead = this.addRecord('LEAD', [call.phone], call.userId);
          call.entity = { type: 'LEAD', id: lead.id };
          call.createdLeadId = lead.id;
        }
      }
    }
    this.calls.set(call.callId, call);
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

  private finish(p: Params): unknown {
    const call = this.calls.get(String(p.CALL_ID));
    // A finished call leaves the "current calls" table, so finishing it again is an error.
    if (!call || call.finished) throw new ApiError(400, 'ERROR_NOT_FOUND', 'Call is not found');
    const duration = Number(p.DURATION ?? 0);
    const statusCode = p.STATUS_CODE === undefined ? (duration > 0 ? 200 : 304) : Number(p.STATUS_CODE);
    const activityId = this.nextId++;
    if (call.entity) {
      this.activities.push({ id: activityId, ownerTypeId: OWNER_TYPE_ID[call.entity.type], ownerId: call.entity.id, callId: call.callId, responsibleId: Number(p.USER_ID ?? call.userId), statusCode, durationSeconds: duration });
    }
    call.finished = { durationSeconds: duration, statusCode, activityId };
    return { CALL_ID: call.callId, CRM_ACTIVITY_ID: call.entity ? activityId : null, STATUS_CODE: String(statusCode) };
  }

  private attachRecord(p: Params): unknown {
    const call = this.calls.get(String(p.CALL_ID));
    if (!call) throw new ApiError(400, 'ERROR_NOT_FOUND', 'Call is not found');
    if (!call.finished) throw new ApiError(400, 'ERROR_WRONG_STATE', 'Call is not finished');
    const filename = String(p.FILENAME ?? '');
    if (!/\.(wav|mp3)$/i.test(filename) || typeof p.FILE_CONTENT !== 'string') throw new ApiError(400, 'ERROR_ARGUMENT', 'FILENAME (wav or mp3) and FILE_CONTENT are required');
    const content = Buffer.from(p.FILE_CONTENT, 'base64');
    call.records.push({ filename, bytes: content.length, content });
    return { FILE_ID: this.nextId++ };
  }

  private notify(p: Params): unknown {
    const userId = Number(p.USER_ID);
    if (!Number.isInteger(userId) || userId <= 0 || typeof p.MESSAGE !== 'string') throw new ApiError(400, 'ERROR_ARGUMENT', 'USER_ID and MESSAGE are required');
    const tag = p.TAG === undefined ? undefined : String(p.TAG);
    const id = this.nextId++;
    // A notification with the same tag replaces the earlier one.
    const key = tag === undefined ? `id:${id}` : `${userId}|${tag}`;
    this.notifications.set(key, { id, userId, message: p.MESSAGE, ...(tag !== undefined ? { tag } : {}) });
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
