import { dirname, isAbsolute, resolve } from 'node:path';
import { parseAllowedPrefix, type ForwardRules } from '../phone/tollFraud';
import { ZoneOffsetsCache } from '../schedule/zoneOffsets';
import { MAX_CONFIG_BYTES, readRegularFile } from './boundedRead';
import type { ConfigError } from './errors';
import { ANY_FILE, outsideScope, type FileScope } from './fileScope';
import { LoadCache, LoadProblems } from './loadCache';
import { NumberBuilder } from './numberBuild';
import type { RawConfig } from './rawConfig';
import { checkAgainstSchema } from './schemaCheck';
import type { AppConfig, NumberConfig } from './types';
import { YamlSource } from './yamlSource';

// The one config loader: YAML → schema check → meaning check → compiled AppConfig.
// Every problem is collected (not just the first) with the position where it was written.
// What it reads is in its own modules: holidaySyntax (one holiday entry), policySections
// (actions, days off, holiday policies, callers), numberBuild (defaults and each number),
// loadCache (the problems and caches of one load).

export type LoadResult = { ok: true; config: AppConfig; zones: ZoneOffsetsCache } | { ok: false; errors: ConfigError[] };

export interface LoadOptions {
  /** The clock: the zone tables start around it, and iCalendar files are test-expanded for its year. */
  now?: number;
  /**
   * iCalendar texts by absolute path, used instead of reading those files: a rollback
   * re-validates an older version with the texts it was pushed with.
   */
  icsTexts?: ReadonlyMap<string, string>;
  /**
   * Which files the load may read (default: any, as the CLI does). A folder scope also anchors
   * relative paths, `file` included, in that folder.
   */
  files?: FileScope;
  /** iCalendar texts sent with a push, by the path as the YAML writes it (relative to `file`'s folder). */
  sentIcs?: Readonly<Record<string, string>>;
}

export function loadConfig(file: string, options: LoadOptions = {}): LoadResult {
  // Only a regular file within the size limit is read: not /dev/zero, a FIFO or a folder.
  const read = readRegularFile(file, MAX_CONFIG_BYTES, 'configuration file');
  if (!read.ok) return { ok: false, errors: [{ file, line: 1, col: 1, message: read.error }] };
  return loadConfigText(file, read.text, options);
}

/** `file` names the source in errors and anchors relative paths. */
export function loadConfigText(file: string, text: string, options: LoadOptions = {}): LoadResult {
  const scope = options.files ?? ANY_FILE;
  // Without a folder nothing is read, so where relative paths point does not matter.
  const anchor = scope.kind === 'folder' ? scope.folder : undefined;
  const baseDir = dirname(anchor === undefined ? resolve(file) : resolve(anchor, file));
  if (text.trim() === '' || text.split('\n').every((l) => /^\s*(#.*)?$/.test(l))) {
    return { ok: false, errors: [{ file, line: 1, col: 1, message: 'the file is empty: it needs at least "numbers:"' }] };
  }
  const { source, errors: syntax } = YamlSource.parse(file, text);
  if (syntax.length > 0) return { ok: false, errors: syntax };
  const value = source.toJS();
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { ok: false, errors: [source.error([], 'the file must be a map with "numbers:" (and optionally "defaults:", "forwarding:")')] };
  }
  const schema = checkAgainstSchema(source, value);
  if (!schema.shapeOk) return { ok: false, errors: sortErrors(schema.errors) };

  const raw = value as RawConfig;
  const now = options.now ?? Date.now();
  // Only the starting window of the zone tables: they grow to whatever instant is asked.
  const zones = new ZoneOffsetsCache(now - 31 * 86_400_000, now + 2 * 366 * 86_400_000);
  const problems = new LoadProblems(source, schema.errors);
  const absPath = (p: string) => (isAbsolute(p) ? p : resolve(baseDir, p));
  const refusal = (abs: string, written: string) => outsideScope(scope, abs, written);
  const icsTexts = new Map(options.icsTexts ?? []);
  for (const [written, text] of Object.entries(options.sentIcs ?? {})) icsTexts.set(absPath(written), text);
  const cache = new LoadCache(new Date(now).getUTCFullYear(), problems, icsTexts, refusal);

  const d = raw.defaults ?? {};
  const region = d.region ?? 'US';
  const forwardRules = forwardRulesOf(raw.forwarding, problems);
  const builder = new NumberBuilder({ problems, cache, absPath, refusal, forwardRules }, d, region);
  const numbers: NumberConfig[] = [];
  raw.numbers.forEach((n, i) => {
    const built = builder.build(n, i);
    if (built) numbers.push(built);
  });

  if (problems.count > 0) return { ok: false, errors: sortErrors(problems.errors) };
  const { allowCountries, allowNumbers } = forwardRules;
  return {
    ok: true,
    zones,
    config: {
      file: resolve(file),
      region,
      timezone: d.timezone ?? 'UTC',
      forwarding: {
        endpoint: raw.forwarding?.endpoint ?? 'PJSIP/{number}@trunk',
        allowCountries,
        ...(allowNumbers.length > 0 ? { allowNumbers } : {}),
      },
      numbers,
    },
  };
}

function forwardRulesOf(
  forwarding: RawConfig['forwarding'],
  problems: LoadProblems,
): ForwardRules & { allowCountries: string[]; allowNumbers: string[] } {
  const allowNumbers: string[] = [];
  (forwarding?.allowNumbers ?? []).forEach((entry, i) => {
    const p = parseAllowedPrefix(String(entry));
    if (p.ok) allowNumbers.push(p.prefix);
    else problems.add(['forwarding', 'allowNumbers', i], `forwarding.allowNumbers: ${p.error}`);
  });
  return { allowCountries: forwarding?.allowCountries ?? [], allowNumbers };
}

function sortErrors(errors: ConfigError[]): ConfigError[] {
  return errors.sort((a, b) => a.line - b.line || a.col - b.col);
}
