import { InvalidArgumentError, type Command } from 'commander';
import { DateTime } from 'luxon';
import { formatConfigError } from '../config/errors';
import { loadConfig } from '../config/load';
import { normaliseNumber } from '../phone/e164';
import { callerFor } from '../policy/callers';
import { explainDecision, type DecisionReport } from '../policy/decisionReport';
import { NumberDirectory } from '../schedule/directory';
import { isDecidableInstant } from '../schedule/types';
import { getOverrides } from '../store/overrideStore';
import { cliSettings } from '../settings/processes';
import { withRedis } from './redisCommand';
import { VERB_SUMMARIES } from './verbSummaries';

/** What `check --json` prints: the same explanation as the daemon's GET /decision. */
export type CheckReport = DecisionReport;

/** Checks the syntax now; the instant is fixed once the number's zone is known. */
function parseInstant(text: string): string {
  const dt = DateTime.fromISO(text, { zone: 'UTC' });
  if (!dt.isValid) throw new InvalidArgumentError(`"${text}" is not an ISO 8601 date-time (${dt.invalidExplanation ?? dt.invalidReason})`);
  // A day's margin: without an offset the instant moves by the number's zone, checked again below.
  if (!isDecidableInstant(dt.toMillis() - 86_400_000) && !isDecidableInstant(dt.toMillis() + 86_400_000))
    throw new InvalidArgumentError(OUTSIDE(text));
  return text;
}

const OUTSIDE = (text: string) => `"${text}" is outside the instants after-hours decides (1900-01-01 to 9999-12-30 UTC)`;

/** An ISO time without an offset is wall-clock time in the number's own zone. */
function instantIn(text: string, zone: string): number {
  return DateTime.fromISO(text, { zone }).toMillis();
}

export function registerCheckCommand(program: Command): void {
  program
    .command('check')
    .description(VERB_SUMMARIES['check'])
    .requiredOption('--config <file>', 'YAML configuration file')
    .requiredOption('--did <number>', 'the dialed number, in any format (national numbers use defaults.region)')
    .option('--at <iso>', "the instant, ISO 8601; without an offset, in the number's zone (default: now)", parseInstant)
    .option(
      '--caller <number>',
      'the calling number, read like a trunk\'s caller id (national numbers in the DID\'s country; "anonymous"): applies callers.bypass / callers.block',
    )
    .option('--json', 'print one JSON object')
    .option('--overrides', 'apply the overrides stored in Redis (REDIS_URL or REDIS_SENTINELS, REDIS_PREFIX), as the daemons do')
    .action(async (opts: { config: string; did: string; at?: string; caller?: string; json?: boolean; overrides?: boolean }) => {
      const loaded = loadConfig(opts.config, { now: opts.at === undefined ? undefined : instantIn(opts.at, 'UTC') });
      if (!loaded.ok) {
        for (const e of loaded.errors) process.stderr.write(`${formatConfigError(e)}\n`);
        process.exitCode = 1;
        return;
      }
      const did = normaliseNumber(opts.did, loaded.config.region);
      if (!did.ok) {
        // Malformed input is a usage error (2), not an unknown number (3).
        process.stderr.write(`after-hours: ${did.error}\n`);
        process.exitCode = 2;
        return;
      }
      const entry = new NumberDirectory(loaded.config, loaded.zones).get(did.e164);
      if (!entry) {
        process.stderr.write(`after-hours: ${did.e164} is not configured in ${opts.config}\n`);
        process.exitCode = 3;
        return;
      }
      const t = opts.at === undefined ? Date.now() : instantIn(opts.at, entry.number.timezone);
      if (!isDecidableInstant(t)) {
        process.stderr.write(`after-hours: ${OUTSIDE(opts.at ?? String(t))}\n`);
        process.exitCode = 2;
        return;
      }
      // Overrides live in Redis, not in the file: without --overrides, check answers from the schedule alone.
      const overrides = opts.overrides
        ? await withRedis('after-hours-check', (r) => getOverrides(r, cliSettings().REDIS_PREFIX, entry.number.did, t))
        : undefined;
      const report: CheckReport = explainDecision(
        entry,
        overrides,
        t,
        opts.caller === undefined ? undefined : callerFor(opts.caller, entry.number.did),
      );
      const zone = report.timezone;
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(report)}\n`);
        return;
      }
      const local = DateTime.fromMillis(t, { zone }).toFormat('ccc yyyy-LL-dd HH:mm');
      const next =
        report.nextChange === null
          ? 'no change within 366 days'
          : `${report.open ? 'closes' : 'opens'} ${DateTime.fromISO(report.nextChange, { setZone: true }).toFormat('ccc yyyy-LL-dd HH:mm ZZ')}`;
      const why = report.holiday ? `${report.reason}: ${report.holiday.name}` : report.reason;
      const whose =
        report.policy === 'holiday' ? " (the holiday's own action)" : report.policy === 'days-off' ? ' (the days-off action)' : '';
      const c = report.caller;
      const from =
        c === undefined
          ? ''
          : c.rule === 'none'
            ? ` from ${c.number}`
            : c.rule === 'bypass'
              ? ` from ${c.number} (callers.bypass ${c.entry})`
              : ` from ${c.number} (callers.block ${c.entry}, ${c.cause})`;
      process.stdout.write(
        `${report.did} (${report.name}) at ${local} ${zone}: ${report.open ? 'OPEN' : 'CLOSED'} (${why}), call${from} → ${report.action}${whose}; ${next}\n`,
      );
    });
}
