import { writeFileSync } from 'node:fs';
import { InvalidArgumentError, type Command } from 'commander';
import { formatConfigError } from '../config/errors';
import { loadConfig } from '../config/load';
import { hoursIcs, DEFAULT_FEED_WEEKS, MAX_FEED_WEEKS } from '../export/hoursIcs';
import { normaliseNumber } from '../phone/e164';
import { NumberDirectory } from '../schedule/directory';
import { ZoneOffsetsCache } from '../schedule/zoneOffsets';
import { readConfig } from '../store/configStore';
import { getOverrides } from '../store/overrideStore';
import { cliSettings } from '../settings/processes';
import { withRedis } from './redisCommand';
import { UsageError } from './usageError';
import { VERB_SUMMARIES } from './verbSummaries';

// `export ical`: a number's opening hours of the coming weeks as an iCalendar feed. From the
// pushed configuration and the overrides in Redis (what the daemons decide with), or, with
// --config, from a file alone (like `check`: overrides live in Redis, not in the file).

function weeks(text: string): number {
  const n = Number(text);
  if (!/^\d{1,3}$/.test(text) || n < 1 || n > MAX_FEED_WEEKS)
    throw new InvalidArgumentError(`must be a whole number from 1 to ${MAX_FEED_WEEKS}`);
  return n;
}

const DAY = 86_400_000;

export function registerExportCommand(program: Command): void {
  const exp = program.command('export').description(VERB_SUMMARIES['export']);
  exp
    .command('ical')
    .description("a number's open hours of the coming weeks as an iCalendar feed (holidays, days off and overrides applied)")
    .requiredOption('--did <number>', "the number, in any format (national numbers use the configuration's region)")
    .option('--weeks <n>', `weeks ahead, from the start of today in the number's zone (1 to ${MAX_FEED_WEEKS})`, weeks, DEFAULT_FEED_WEEKS)
    .option('--config <file>', 'from this file, without overrides (default: the pushed configuration and the overrides in Redis)')
    .option('--out <file>', 'write the feed to this file (default: standard output)')
    .action(async (o: { did: string; weeks: number; config?: string; out?: string }) => {
      const now = Date.now();
      const zones = () => new ZoneOffsetsCache(now - 31 * DAY, now + 2 * 366 * DAY);
      let feed: string;
      if (o.config !== undefined) {
        const loaded = loadConfig(o.config, { now });
        if (!loaded.ok) {
          for (const e of loaded.errors) process.stderr.write(`${formatConfigError(e)}\n`);
          process.exitCode = 1;
          return;
        }
        const did = normaliseNumber(o.did, loaded.config.region);
        if (!did.ok) throw new UsageError(did.error);
        const entry = new NumberDirectory(loaded.config, loaded.zones).get(did.e164);
        if (!entry) throw new UsageError(`${did.e164} is not configured in ${o.config}`);
        feed = hoursIcs(entry, undefined, { now, weeks: o.weeks }).ics;
      } else {
        feed = await withRedis('after-hours-export', async (r) => {
          const stored = await readConfig(r, cliSettings().REDIS_PREFIX);
          if (!stored) throw new UsageError('no configuration has been pushed (push one, or give --config)');
          const did = normaliseNumber(o.did, stored.config.region);
          if (!did.ok) throw new UsageError(did.error);
          const entry = new NumberDirectory(stored.config, zones()).get(did.e164);
          if (!entry) throw new UsageError(`${did.e164} is not in the pushed configuration (version ${stored.version})`);
          return hoursIcs(entry, await getOverrides(r, cliSettings().REDIS_PREFIX, did.e164, now), { now, weeks: o.weeks }).ics;
        });
      }
      if (o.out === undefined) process.stdout.write(feed);
      else writeFileSync(o.out, feed);
    });
}
