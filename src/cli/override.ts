import { InvalidArgumentError, type Command } from 'commander';
import { DateTime } from 'luxon';
import { normaliseNumber } from '../phone/e164';
import { isInForce, overrideInForce } from '../schedule/overrides';
import {
  clearOverride,
  listOverrides,
  MAX_NOTE_LENGTH,
  MAX_OVERRIDE_MS,
  overrideProblem,
  setOverride,
  type NewOverride,
  type StoredOverride,
} from '../store/overrideStore';
import { printable } from '../shared/printable';
import { cliWho, parseBy } from './cliWho';
import { cliSettings } from '../settings/processes';
import { withRedis } from './redisCommand';
import { UsageError } from './usageError';
import { VERB_SUMMARIES } from './verbSummaries';

function did(raw: string): string {
  const n = normaliseNumber(raw, cliSettings().AFTER_HOURS_REGION);
  if (!n.ok) throw new InvalidArgumentError(n.error);
  return n.e164;
}

const UNIT_MS = new Map([
  ['m', 60_000],
  ['min', 60_000],
  ['h', 3_600_000],
  ['d', 86_400_000],
]);

/** `30m`, `2h`, `1d`: more than zero and at most MAX_OVERRIDE_MS (366 days). */
function parseFor(text: string): number {
  const m = /^(\d{1,9})\s*(m|min|h|d)$/.exec(text.trim());
  if (!m) throw new InvalidArgumentError(`"${text}" is not a duration like 30m, 2h or 1d`);
  const ms = Number(m[1]) * (UNIT_MS.get(m[2] as string) as number);
  if (ms === 0) throw new InvalidArgumentError('the duration must be longer than zero');
  if (ms > MAX_OVERRIDE_MS) throw new InvalidArgumentError('the duration must be at most 366 days');
  return ms;
}

/** A real instant (2026-02-30 is refused); whether it is ahead, and not too far, is checked when the verb runs. */
function parseInstant(text: string): number {
  const dt = DateTime.fromISO(text, { setZone: true });
  if (!dt.isValid) throw new InvalidArgumentError(`"${text}" is not an ISO 8601 date-time (${dt.invalidExplanation ?? dt.invalidReason})`);
  return dt.toMillis();
}

function parseNote(text: string): string {
  if (text.length > MAX_NOTE_LENGTH) throw new InvalidArgumentError(`the note must be at most ${MAX_NOTE_LENGTH} characters`);
  return text;
}

/** in force (applies now), overridden (in its window, but a newer one applies), or scheduled (starts later). */
function status(o: StoredOverride, all: readonly StoredOverride[], now: number): string {
  if (!isInForce(o, now)) return 'scheduled';
  const inForce = overrideInForce(
    all.filter((x) => x.did === o.did),
    now,
  );
  return inForce === o ? 'in force' : 'overridden';
}

export function registerOverrideCommand(program: Command): void {
  const override = program.command('override').description(VERB_SUMMARIES['override']);
  override
    .command('set')
    .description(
      'force a number open or closed, now or from a later time, until a time, for a while (at most 366 days), or until cleared; the newest override wins while it is in force',
    )
    .requiredOption('--did <number>', 'the number (national numbers use AFTER_HOURS_REGION, default PL)', did)
    .requiredOption('--state <state>', 'open or closed', (v: string) => {
      if (v !== 'open' && v !== 'closed') throw new InvalidArgumentError('must be open or closed');
      return v;
    })
    .option('--from <iso>', 'start, ISO 8601, at most 366 days ahead (a scheduled override); default now', parseInstant)
    .option('--until <iso>', 'expiry, ISO 8601, in the future and at most 366 days ahead', parseInstant)
    .option('--for <duration>', 'expiry from the start: 30m, 2h, 1d (at most 366d)', parseFor)
    .option('--note <text>', `why, for the next person (at most ${MAX_NOTE_LENGTH} characters)`, parseNote)
    .option('--by <who>', 'who set it, for the audit trail (default: your login name); override list shows it', parseBy)
    .action(
      async (o: { did: string; state: 'open' | 'closed'; from?: number; until?: number; for?: number; note?: string; by?: string }) => {
        if (o.until !== undefined && o.for !== undefined) throw new UsageError('give --until or --for, not both');
        const now = Date.now();
        const start = o.from !== undefined && o.from > now ? o.from : now;
        const until = o.until ?? (o.for !== undefined ? start + o.for : undefined);
        const who = cliWho(o.by);
        const entry: NewOverride = { did: o.did, state: o.state, setAt: now, by: who.actor };
        if (o.from !== undefined) entry.from = o.from;
        if (until !== undefined) entry.until = until;
        if (o.note !== undefined) entry.note = o.note;
        // Checked before anything is written: a refused override leaves Redis as it was.
        const problem = overrideProblem(entry, now);
        if (problem !== undefined) throw new UsageError(o.until !== undefined && /expiry/.test(problem) ? `--until: ${problem}` : problem);
        const stored = await withRedis('after-hours-override', (r) => setOverride(r, cliSettings().REDIS_PREFIX, entry, who));
        const when = o.from !== undefined && o.from > now ? `from ${new Date(o.from).toISOString()} ` : '';
        process.stdout.write(
          `${o.did}: ${o.state} ${when}${until === undefined ? 'until cleared' : `until ${new Date(until).toISOString()}`} (id ${stored.id})\n`,
        );
      },
    );
  override
    .command('clear')
    .description("remove a number's overrides, or one of them (--id, from override list)")
    .requiredOption('--did <number>', 'the number', did)
    .option('--id <id>', 'only this override')
    .option('--by <who>', 'who cleared it, for the audit trail (default: your login name)', parseBy)
    .action(async (o: { did: string; id?: string; by?: string }) => {
      const removed = await withRedis('after-hours-override', (r) =>
        clearOverride(r, cliSettings().REDIS_PREFIX, o.did, cliWho(o.by), o.id === undefined ? {} : { ids: [o.id] }),
      );
      const what = o.id === undefined ? 'override' : `override ${printable(o.id)}`;
      process.stdout.write(
        removed.length > 0
          ? `${o.did}: ${removed.length === 1 ? `${what}` : `${removed.length} overrides`} cleared\n`
          : `${o.did}: had no ${what}\n`,
      );
    });
  override
    .command('list')
    .description(
      'overrides not yet expired, one a line: number, state, start, expiry, status (in force, overridden, scheduled), id, note, who set it (control characters are shown escaped)',
    )
    .option('--json', 'one JSON array')
    .action(async (o: { json?: boolean }) => {
      const onMalformed = (key: string, problem: string) =>
        process.stderr.write(`after-hours: skipped the stored override "${printable(key)}": ${problem} (remove it with override clear)\n`);
      const now = Date.now();
      const list = await withRedis('after-hours-override', (r) => listOverrides(r, cliSettings().REDIS_PREFIX, now, { onMalformed }));
      if (o.json) {
        process.stdout.write(`${JSON.stringify(list)}\n`);
        return;
      }
      if (list.length === 0) process.stdout.write('no overrides\n');
      for (const x of list) {
        const start = new Date(x.from ?? x.setAt).toISOString();
        const end = x.until === undefined ? 'until cleared' : new Date(x.until).toISOString();
        const fields = [x.did, x.state, start, end, status(x, list, now), x.id, x.note ?? '', x.by ?? ''];
        process.stdout.write(`${fields.map(printable).join('\t')}\n`);
      }
    });
}
