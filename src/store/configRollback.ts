import type { Redis } from 'ioredis';
import type { ConfigError } from '../config/errors';
import { loadConfigText } from '../config/load';
import type { AuditWho } from './auditLog';
import { pushConfig } from './configStore';
import { ConfigVersionMissingError, getVersion } from './configVersions';

// A rollback re-pushes an older version's text as a new version (audited as config.rollback):
// the YAML as it was pushed, with the iCalendar texts it included, validated again by today's
// loader (greetings and announcements must still exist where it names them).

export type RollbackResult = { ok: true; version: number; numbers: number } | { ok: false; errors: ConfigError[] };

export interface RollbackOptions {
  note?: string;
  keep?: number;
  now?: Date;
}

/** Re-validates and re-pushes `version`; a version that is not kept throws ConfigVersionMissingError, a refused one changes nothing. */
export async function rollbackConfig(
  redis: Redis,
  prefix: string,
  version: number,
  who: AuditWho,
  opts: RollbackOptions = {},
): Promise<RollbackResult> {
  const old = await getVersion(redis, prefix, version);
  if (old === undefined) throw new ConfigVersionMissingError(version);
  const now = opts.now ?? new Date();
  const loaded = loadConfigText(old.file, old.yaml, { now: now.getTime(), icsTexts: new Map(old.ics.map((x) => [x.path, x.text])) });
  if (!loaded.ok) return { ok: false, errors: loaded.errors };
  const source = {
    file: old.file,
    yaml: old.yaml,
    who,
    rollbackOf: version,
    note: opts.note ?? `rollback to version ${version}`,
    ...(opts.keep !== undefined ? { keep: opts.keep } : {}),
  };
  const pushed = await pushConfig(redis, prefix, loaded.config, now, source);
  return { ok: true, version: pushed, numbers: loaded.config.numbers.length };
}
