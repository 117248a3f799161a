import { InvalidArgumentError, type Command } from 'commander';
import { formatConfigError } from '../config/errors';
import { rollbackConfig } from '../store/configRollback';
import { diffStoredVersions, getVersion, listVersions, ConfigVersionMissingError } from '../store/configVersions';
import { printable } from '../shared/printable';
import { cliWho } from './cliWho';
import { cliSettings } from '../settings/processes';
import { parseAuthor, parseNote } from './push';
import { withRedis } from './redisCommand';
import { refusalsAsUsage, UsageError } from './usageError';
import { VERB_SUMMARIES } from './verbSummaries';

// The pushed versions: list, show, diff, rollback (a new version with an older one's text).

function version(text: string): number {
  if (!/^\d{1,15}$/.test(text) || Number(text) < 1) throw new InvalidArgumentError(`"${text}" is not a version number (1, 2, …)`);
  return Number(text);
}

export function registerConfigCommand(program: Command): void {
  const config = program.command('config').description(VERB_SUMMARIES['config']);
  config
    .command('versions')
    .description(
      'the kept versions, newest first: version, time, author, door, sha256 (first 12), numbers, note (control characters escaped)',
    )
    .option('--json', 'one JSON array')
    .action(async (o: { json?: boolean }) => {
      const list = await withRedis('after-hours-config', (r) => listVersions(r, cliSettings().REDIS_PREFIX));
      if (o.json) {
        process.stdout.write(`${JSON.stringify(list)}\n`);
        return;
      }
      if (list.length === 0) process.stdout.write('no versions kept\n');
      for (const v of list) {
        const note = v.rollbackOf !== undefined && v.note === undefined ? `rollback to version ${v.rollbackOf}` : (v.note ?? '');
        const fields = [String(v.version), v.at, v.author, v.door, v.sha256.slice(0, 12), `${v.numbers} numbers`, note];
        process.stdout.write(`${fields.map(printable).join('\t')}\n`);
      }
    });
  config
    .command('show')
    .description('the YAML text of a kept version, exactly as pushed')
    .argument('<version>', 'the version number', version)
    .action(async (n: number) => {
      const v = await withRedis('after-hours-config', (r) => getVersion(r, cliSettings().REDIS_PREFIX, n));
      if (v === undefined) throw new UsageError(new ConfigVersionMissingError(n).message);
      process.stdout.write(v.yaml);
    });
  config
    .command('diff')
    .description(
      'a unified diff from version A to version B (the YAML, then each iCalendar file that differs); nothing when they are the same',
    )
    .argument('<a>', 'the older version', version)
    .argument('<b>', 'the newer version', version)
    .action(async (a: number, b: number) => {
      process.stdout.write(
        await refusalsAsUsage(
          withRedis('after-hours-config', (r) => diffStoredVersions(r, cliSettings().REDIS_PREFIX, a, b)),
          ConfigVersionMissingError,
        ),
      );
    });
  config
    .command('rollback')
    .description("re-validate a kept version's text and push it as a new version (audited as config.rollback)")
    .argument('<version>', 'the version to go back to', version)
    .option('--author <name>', 'who rolls back (default: your login name)', parseAuthor)
    .option('--note <text>', 'why (default: "rollback to version N")', parseNote)
    .action(async (n: number, o: { author?: string; note?: string }) => {
      const keep = cliSettings().CONFIG_VERSIONS_KEEP;
      const opts = { keep, ...(o.note !== undefined ? { note: o.note } : {}) };
      const result = await refusalsAsUsage(
        withRedis('after-hours-config', (r) => rollbackConfig(r, cliSettings().REDIS_PREFIX, n, cliWho(o.author), opts)),
        ConfigVersionMissingError,
      );
      if (!result.ok) {
        for (const e of result.errors) process.stderr.write(`${formatConfigError(e)}\n`);
        process.stderr.write(`version ${n}: refused by today's validation, nothing pushed\n`);
        process.exitCode = 1;
        return;
      }
      process.stdout.write(`version ${n}: pushed again as version ${result.version} (${result.numbers} numbers)\n`);
    });
}
