import type { Redis } from 'ioredis';
import { runLua } from './luaScripts';

// The audit trail: who changed what, from which door, when, and what it was before and after.
// Append-only, on a Redis Stream (`<prefix>audit`). A change and its entry are written in one
// atomic step where the change is a script (overrides, config pushes: auditFields() gives a
// script the entry's fields); appendAudit() writes an entry on its own (tokens, dead-letter
// retries). The time of an entry is its stream id, on Redis' clock.
//
// Retention: entries older than AUDIT_RETENTION_DAYS go (XTRIM MINID at every append), and the
// stream holds at most about AUDIT_MAX_ENTRIES (XADD MAXLEN ~).

export const AUDIT_RETENTION_DAYS = 400;
export const AUDIT_RETENTION_MS = AUDIT_RETENTION_DAYS * 86_400_000;
export const AUDIT_MAX_ENTRIES = 1_000_000;

/** Where a change came in: the CLI, the console's API (a token), its web page (a session), a phone (the day/night key). */
export const AUDIT_DOORS = ['cli', 'api', 'page', 'phone'] as const;
export type AuditDoor = (typeof AUDIT_DOORS)[number];

export const AUDIT_ACTIONS = [
  'override.set',
  'override.clear',
  'config.push',
  'config.rollback',
  'token.create',
  'token.revoke',
  'deadletter.retry',
  'sound.add',
  'sound.remove',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** Who made a change and through which door: every changing store function takes one. */
export interface AuditWho {
  /** A login name, a token's name, `extension 201`. */
  actor: string;
  door: AuditDoor;
  /** Where from: an address (`192.0.2.7`), a host name (the CLI's machine), an extension. */
  from: string;
}

export interface AuditInput extends AuditWho {
  action: AuditAction;
  /** What was changed: a DID, a token's name, `config`. */
  target: string;
  /** The state before and after, as JSON values (absent: nothing there). */
  before?: unknown;
  after?: unknown;
  note?: string;
}

export interface AuditEntry extends AuditInput {
  /** The stream id: a cursor for listAudit's `before`. */
  id: string;
  /** When, ISO 8601 UTC (from the stream id). */
  at: string;
}

export const MAX_ACTOR_LENGTH = 100;
export const MAX_FROM_LENGTH = 200;
export const MAX_TARGET_LENGTH = 200;
export const MAX_AUDIT_NOTE_LENGTH = 500;
/** Each of before and after, as JSON text. */
export const MAX_AUDIT_STATE_BYTES = 64 * 1024;

export function auditKey(prefix: string): string {
  return `${prefix}audit`;
}

/** What is wrong with who made a change, or undefined. */
export function auditWhoProblem(who: AuditWho): string | undefined {
  if (typeof who.actor !== 'string' || who.actor.trim() === '' || who.actor.length > MAX_ACTOR_LENGTH)
    return `the author must be 1 to ${MAX_ACTOR_LENGTH} characters`;
  if (!(AUDIT_DOORS as readonly string[]).includes(who.door)) return `the door must be one of ${AUDIT_DOORS.join(', ')}`;
  if (typeof who.from !== 'string' || who.from.length > MAX_FROM_LENGTH) return `"from" must be at most ${MAX_FROM_LENGTH} characters`;
  return undefined;
}

/** What is wrong with an entry about to be appended, or undefined. */
export function auditProblem(e: AuditInput): string | undefined {
  const who = auditWhoProblem(e);
  if (who !== undefined) return who;
  if (!(AUDIT_ACTIONS as readonly string[]).includes(e.action)) return `the action must be one of ${AUDIT_ACTIONS.join(', ')}`;
  if (typeof e.target !== 'string' || e.target.length > MAX_TARGET_LENGTH)
    return `the target must be at most ${MAX_TARGET_LENGTH} characters`;
  if (e.note !== undefined && (typeof e.note !== 'string' || e.note.length > MAX_AUDIT_NOTE_LENGTH))
    return `the note must be at most ${MAX_AUDIT_NOTE_LENGTH} characters`;
  for (const k of ['before', 'after'] as const) {
    if (e[k] === undefined) continue;
    const json = JSON.stringify(e[k]);
    if (json === undefined) return `${k} is not a JSON value`;
    if (Buffer.byteLength(json) > MAX_AUDIT_STATE_BYTES) return `${k} is larger than ${MAX_AUDIT_STATE_BYTES} bytes as JSON`;
  }
  return undefined;
}

/**
 * The script arguments that make a script append this entry: maxLen, retentionMs, then the
 * stream's field/value pairs (src/store/lua/lib/audit.lua). Throws a RangeError, before
 * anything is written, for an entry auditProblem() refuses.
 */
export function auditArgs(e: AuditInput): string[] {
  const problem = auditProblem(e);
  if (problem !== undefined) throw new RangeError(`audit entry refused: ${problem}`);
  const fields = ['actor', e.actor, 'door', e.door, 'from', e.from, 'action', e.action, 'target', e.target];
  if (e.before !== undefined) fields.push('before', JSON.stringify(e.before));
  if (e.after !== undefined) fields.push('after', JSON.stringify(e.after));
  if (e.note !== undefined) fields.push('note', e.note);
  return [String(AUDIT_MAX_ENTRIES), String(AUDIT_RETENTION_MS), ...fields];
}

/** Appends one entry (with the retention trim); returns its id. A refused entry (RangeError) writes nothing. */
export async function appendAudit(redis: Redis, prefix: string, entry: AuditInput): Promise<string> {
  return String(await runLua(redis, 'auditAppend', [auditKey(prefix)], auditArgs(entry)));
}

export interface AuditFilter {
  /** Only entries at or after this instant (UTC ms). */
  since?: number;
  /** Only entries at or before this instant (UTC ms). */
  until?: number;
  actor?: string;
  /** One action (`override.set`), or every action of a kind (`override.`, with the dot). */
  action?: string;
  target?: string;
  door?: AuditDoor;
  /** At most this many entries (default 100, at most 1000). */
  limit?: number;
  /** Continue after this id (the `next` of the previous page): only older entries. */
  before?: string;
}

export interface AuditPage {
  /** Newest first. */
  entries: AuditEntry[];
  /** When there may be more: pass it as `before` for the next page. */
  next?: string;
}

export const DEFAULT_AUDIT_LIMIT = 100;
export const MAX_AUDIT_LIMIT = 1000;
/** A filtered listing reads at most this many entries per call, then returns what it found with `next`. */
export const MAX_AUDIT_SCAN = 20_000;
const BATCH = 500;

/** What is wrong with a filter, or undefined. */
export function auditFilterProblem(f: AuditFilter): string | undefined {
  if (f.limit !== undefined && !(Number.isInteger(f.limit) && f.limit >= 1 && f.limit <= MAX_AUDIT_LIMIT))
    return `limit must be a whole number from 1 to ${MAX_AUDIT_LIMIT}`;
  for (const k of ['since', 'until'] as const) {
    const v = f[k];
    if (v !== undefined && !(Number.isSafeInteger(v) && v >= 0)) return `${k} must be a time (ms since 1970)`;
  }
  if (f.since !== undefined && f.until !== undefined && f.since > f.until) return 'since is after until';
  if (f.before !== undefined && !/^\d{1,20}-\d{1,20}$/.test(f.before)) return 'before must be an entry id such as 1767225600000-0';
  if (f.door !== undefined && !(AUDIT_DOORS as readonly string[]).includes(f.door)) return `door must be one of ${AUDIT_DOORS.join(', ')}`;
  return undefined;
}

/** The id just below `id`, for an exclusive XREVRANGE end. */
function idBelow(id: string): string {
  const [ms, seq] = id.split('-').map(BigInt) as [bigint, bigint];
  if (seq > 0n) return `${ms}-${seq - 1n}`;
  return ms > 0n ? `${ms - 1n}-18446744073709551615` : '0-0';
}

function compareIds(a: string, b: string): number {
  const [am, as] = a.split('-').map(BigInt) as [bigint, bigint];
  const [bm, bs] = b.split('-').map(BigInt) as [bigint, bigint];
  return am !== bm ? (am < bm ? -1 : 1) : as === bs ? 0 : as < bs ? -1 : 1;
}

function parseEntry(id: string, flat: string[]): AuditEntry {
  const f = new Map<string, string>();
  for (let i = 0; i + 1 < flat.length; i += 2) f.set(flat[i]!, flat[i + 1]!);
  const json = (k: string): unknown => {
    const v = f.get(k);
    if (v === undefined) return undefined;
    try {
      return JSON.parse(v) as unknown;
    } catch {
      return v;
    }
  };
  const entry: AuditEntry = {
    id,
    at: new Date(Number(id.split('-')[0])).toISOString(),
    actor: f.get('actor') ?? '',
    door: (f.get('door') ?? 'cli') as AuditDoor,
    from: f.get('from') ?? '',
    action: (f.get('action') ?? '') as AuditAction,
    target: f.get('target') ?? '',
  };
  const before = json('before');
  const after = json('after');
  if (before !== undefined) entry.before = before;
  if (after !== undefined) entry.after = after;
  const note = f.get('note');
  if (note !== undefined) entry.note = note;
  return entry;
}

function matches(e: AuditEntry, f: AuditFilter): boolean {
  if (f.actor !== undefined && e.actor !== f.actor) return false;
  if (f.target !== undefined && e.target !== f.target) return false;
  if (f.door !== undefined && e.door !== f.door) return false;
  if (f.action !== undefined && (f.action.endsWith('.') ? !e.action.startsWith(f.action) : e.action !== f.action)) return false;
  return true;
}

/** Entries matching the filter, newest first. A refused filter throws a RangeError naming what is wrong. */
export async function listAudit(redis: Redis, prefix: string, filter: AuditFilter = {}): Promise<AuditPage> {
  const problem = auditFilterProblem(filter);
  if (problem !== undefined) throw new RangeError(`audit filter refused: ${problem}`);
  const limit = filter.limit ?? DEFAULT_AUDIT_LIMIT;
  const start = filter.since === undefined ? '-' : `${filter.since}-0`;
  let end = filter.until === undefined ? '+' : `${filter.until}-18446744073709551615`;
  if (filter.before !== undefined) {
    const below = idBelow(filter.before);
    if (end === '+' || compareIds(below, end) < 0) end = below;
  }
  const entries: AuditEntry[] = [];
  let scanned = 0;
  for (;;) {
    const batch = await redis.xrevrange(auditKey(prefix), end, start, 'COUNT', BATCH);
    for (const [id, flat] of batch) {
      scanned++;
      const e = parseEntry(id, flat);
      if (matches(e, filter)) {
        entries.push(e);
        if (entries.length === limit) return { entries, next: id };
      }
      if (scanned >= MAX_AUDIT_SCAN) return { entries, next: id };
    }
    if (batch.length < BATCH) return { entries };
    end = idBelow(batch[batch.length - 1]![0]);
  }
}
