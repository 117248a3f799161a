import { createHash } from 'node:crypto';
import { createTwoFilesPatch } from 'diff';
import type { Redis } from 'ioredis';
import type { AppConfig } from '../config/types';
import { auditArgs, auditWhoProblem, type AuditWho } from './auditLog';

// Every push keeps a version: its number (the configuration's version counter), who pushed it,
// when, their note, the YAML text as pushed and the iCalendar texts it included, with the
// YAML's sha256. Two hashes: `<prefix>config:versions` (version → record, small, for listing)
// and `<prefix>config:versions:text` (version → texts). The push script (configPush.lua) writes
// both with the configuration, and keeps the last `keep` versions (CONFIG_VERSIONS_KEEP).

/** How many versions a push keeps by default (the newest, the one pushed included). */
export const DEFAULT_VERSIONS_KEPT = 50;
export const MAX_VERSIONS_KEPT = 10_000;
export const MAX_PUSH_NOTE_LENGTH = 500;
/** A diff gives up after this long (a very large, very different pair of files). */
export const DIFF_TIMEOUT_MS = 5000;

/** Who pushed what: the record a push keeps beside the compiled configuration. */
export interface PushSource {
  /** The file as named when pushed (relative paths in it resolve against its folder). */
  file: string;
  /** The YAML text as pushed. */
  yaml: string;
  who: AuditWho;
  note?: string;
  /** A rollback: the version whose text this push re-pushed (audited as config.rollback). */
  rollbackOf?: number;
  /** Keep this many versions (default DEFAULT_VERSIONS_KEPT). */
  keep?: number;
}

export interface ConfigVersionMeta {
  version: number;
  author: string;
  door: AuditWho['door'];
  from: string;
  /** When it was pushed, ISO 8601 UTC. */
  at: string;
  note?: string;
  file: string;
  /** sha256 of the YAML text, hex. */
  sha256: string;
  /** Size of the YAML text in bytes. */
  bytes: number;
  /** How many numbers it configures. */
  numbers: number;
  rollbackOf?: number;
}

export interface IcsText {
  /** The iCalendar file's absolute path when pushed. */
  path: string;
  text: string;
}

export interface ConfigVersion extends ConfigVersionMeta {
  yaml: string;
  ics: IcsText[];
}

export function versionKeys(prefix: string) {
  return { records: `${prefix}config:versions`, texts: `${prefix}config:versions:text` };
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** The iCalendar texts a configuration holds, once each, by path. */
export function icsTextsOf(config: AppConfig): IcsText[] {
  const byPath = new Map<string, string>();
  for (const n of config.numbers) for (const h of n.holidays) if (h.kind === 'ics') byPath.set(h.path, h.text);
  return [...byPath].map(([path, text]) => ({ path, text })).sort((a, b) => a.path.localeCompare(b.path));
}

/** What is wrong with a push's record, or undefined. */
export function pushSourceProblem(s: PushSource): string | undefined {
  const who = auditWhoProblem(s.who);
  if (who !== undefined) return who;
  if (s.note !== undefined && s.note.length > MAX_PUSH_NOTE_LENGTH) return `the note must be at most ${MAX_PUSH_NOTE_LENGTH} characters`;
  if (s.keep !== undefined && !(Number.isInteger(s.keep) && s.keep >= 1 && s.keep <= MAX_VERSIONS_KEPT))
    return `the number of versions kept must be 1 to ${MAX_VERSIONS_KEPT}`;
  if (s.rollbackOf !== undefined && !(Number.isSafeInteger(s.rollbackOf) && s.rollbackOf >= 1))
    return 'the rolled-back version is not a version';
  return undefined;
}

/**
 * The push script's arguments after the stored configuration and pushedAt: the record (its
 * version is added by the script), the texts, how many to keep, and the audit entry. Throws a
 * RangeError (nothing written) for a source pushSourceProblem() refuses.
 */
export function versionArgs(config: AppConfig, source: PushSource, now: Date): string[] {
  const problem = pushSourceProblem(source);
  if (problem !== undefined) throw new RangeError(`configuration not pushed: ${problem}`);
  const record: Omit<ConfigVersionMeta, 'version'> = {
    author: source.who.actor,
    door: source.who.door,
    from: source.who.from,
    at: now.toISOString(),
    file: source.file,
    sha256: sha256(source.yaml),
    bytes: Buffer.byteLength(source.yaml),
    numbers: config.numbers.length,
  };
  if (source.note !== undefined) record.note = source.note;
  if (source.rollbackOf !== undefined) record.rollbackOf = source.rollbackOf;
  const texts = { yaml: source.yaml, ics: icsTextsOf(config) };
  const audit = auditArgs({
    ...source.who,
    action: source.rollbackOf === undefined ? 'config.push' : 'config.rollback',
    target: 'config',
    ...(source.note !== undefined ? { note: source.note } : {}),
  });
  return [JSON.stringify(record), JSON.stringify(texts), String(source.keep ?? DEFAULT_VERSIONS_KEPT), ...audit];
}

function parseRecord(json: string): ConfigVersionMeta | undefined {
  try {
    const r = JSON.parse(json) as ConfigVersionMeta;
    return Number.isSafeInteger(r.version) && typeof r.sha256 === 'string' ? r : undefined;
  } catch {
    return undefined;
  }
}

/** The kept versions, newest first (records only, without the texts). */
export async function listVersions(redis: Redis, prefix: string): Promise<ConfigVersionMeta[]> {
  const all = await redis.hvals(versionKeys(prefix).records);
  return all
    .map(parseRecord)
    .filter((r): r is ConfigVersionMeta => r !== undefined)
    .sort((a, b) => b.version - a.version);
}

/** One kept version with its texts, or undefined (never pushed, or no longer kept). */
export async function getVersion(redis: Redis, prefix: string, version: number): Promise<ConfigVersion | undefined> {
  if (!Number.isSafeInteger(version) || version < 1) return undefined;
  const k = versionKeys(prefix);
  const [record, texts] = await Promise.all([redis.hget(k.records, String(version)), redis.hget(k.texts, String(version))]);
  const meta = record === null ? undefined : parseRecord(record);
  if (meta === undefined || texts === null) return undefined;
  const t = JSON.parse(texts) as { yaml: string; ics?: IcsText[] };
  return { ...meta, yaml: t.yaml, ics: Array.isArray(t.ics) ? t.ics : [] };
}

/**
 * A unified diff from version `a` to version `b`: the YAML, then each iCalendar file that
 * differs. Empty when the texts are the same. Pure.
 */
export function diffVersions(a: ConfigVersion, b: ConfigVersion): string {
  const parts: string[] = [];
  const one = (name: string, from: string, to: string) => {
    if (from === to) return;
    const patch = createTwoFilesPatch(`${name} (version ${a.version})`, `${name} (version ${b.version})`, from, to, a.at, b.at, {
      context: 3,
      timeout: DIFF_TIMEOUT_MS,
    });
    parts.push(
      patch ??
        `--- ${name} (version ${a.version})\n+++ ${name} (version ${b.version})\n(too different to compare within ${DIFF_TIMEOUT_MS / 1000} s)\n`,
    );
  };
  one(a.file === b.file ? a.file : `${a.file} -> ${b.file}`, a.yaml, b.yaml);
  const icsA = new Map(a.ics.map((x) => [x.path, x.text]));
  const icsB = new Map(b.ics.map((x) => [x.path, x.text]));
  for (const path of [...new Set([...icsA.keys(), ...icsB.keys()])].sort()) one(path, icsA.get(path) ?? '', icsB.get(path) ?? '');
  return parts.join('');
}

export class ConfigVersionMissingError extends RangeError {
  constructor(readonly version: number) {
    super(`configuration version ${version} is not kept (never pushed, or older than the versions kept)`);
    this.name = 'ConfigVersionMissingError';
  }
}

/** The diff between two kept versions; a version that is not kept throws ConfigVersionMissingError. */
export async function diffStoredVersions(redis: Redis, prefix: string, a: number, b: number): Promise<string> {
  const [va, vb] = await Promise.all([getVersion(redis, prefix, a), getVersion(redis, prefix, b)]);
  if (va === undefined) throw new ConfigVersionMissingError(a);
  if (vb === undefined) throw new ConfigVersionMissingError(b);
  return diffVersions(va, vb);
}
