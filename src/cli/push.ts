import { resolve } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { MAX_CONFIG_BYTES, readRegularFile } from '../config/boundedRead';
import { formatConfigError, type ConfigError } from '../config/errors';
import { loadConfigText } from '../config/load';
import { pushConfig } from '../store/configStore';
import { MAX_PUSH_NOTE_LENGTH } from '../store/configVersions';
import { MAX_ACTOR_LENGTH } from '../store/auditLog';
import { cliWho } from './cliWho';
import { cliSettings } from '../settings/processes';
import { withRedis } from './redisCommand';
import { VERB_SUMMARIES } from './verbSummaries';

export function parseNote(text: string): string {
  if (text.length > MAX_PUSH_NOTE_LENGTH) throw new InvalidArgumentError(`the note must be at most ${MAX_PUSH_NOTE_LENGTH} characters`);
  return text;
}

export function parseAuthor(text: string): string {
  if (text.trim() === '' || text.length > MAX_ACTOR_LENGTH)
    throw new InvalidArgumentError(`the author must be 1 to ${MAX_ACTOR_LENGTH} characters`);
  return text;
}

export function registerPushCommand(program: Command): void {
  program
    .command('push')
    .description(VERB_SUMMARIES['push'])
    .requiredOption('--config <file>', 'YAML configuration')
    .option('--author <name>', 'who pushes it, for the versions and the audit trail (default: your login name)', parseAuthor)
    .option('--note <text>', `why, kept with the version (at most ${MAX_PUSH_NOTE_LENGTH} characters)`, parseNote)
    .addHelpText(
      'after',
      '\nEnvironment: REDIS_URL (or REDIS_SENTINELS, REDIS_SENTINEL_NAME), REDIS_PREFIX; docs/operations.md "Redis"; CONFIG_VERSIONS_KEEP (default 50) versions are kept. A file that fails validation is refused and Redis keeps the version it had.',
    )
    .action(async (opts: { config: string; author?: string; note?: string }) => {
      const keep = cliSettings().CONFIG_VERSIONS_KEEP;
      // Read once: the text validated is the text kept with the version.
      const read = readRegularFile(opts.config, MAX_CONFIG_BYTES, 'configuration file');
      const loaded = read.ok
        ? loadConfigText(opts.config, read.text)
        : { ok: false as const, errors: [{ file: opts.config, line: 1, col: 1, message: read.error } satisfies ConfigError] };
      if (!loaded.ok || !read.ok) {
        for (const e of loaded.ok ? [] : loaded.errors) process.stderr.write(`${formatConfigError(e)}\n`);
        process.stderr.write(`${opts.config}: refused, nothing pushed\n`);
        process.exitCode = 1;
        return;
      }
      const source = {
        file: resolve(opts.config),
        yaml: read.text,
        who: cliWho(opts.author),
        keep,
        ...(opts.note !== undefined ? { note: opts.note } : {}),
      };
      const version = await withRedis('after-hours-push', (redis) =>
        pushConfig(redis, cliSettings().REDIS_PREFIX, loaded.config, new Date(), source),
      );
      process.stdout.write(`${opts.config}: pushed as version ${version} (${loaded.config.numbers.length} numbers)\n`);
    });
}
