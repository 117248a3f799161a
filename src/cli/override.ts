import { InvalidArgumentError, type Command } from 'commander';
import { DateTime } from 'luxon';
import { normaliseNumber } from '../phone/e164';
import {
  clearOverride,
  listOverrides,
  MAX_BY_LENGTH,
  MAX_NOTE_LENGTH,
  MAX_OVERRIDE_MS,
  overrideProblem,
  setOverride,
} from '../store/overrideStore';
import { printable } from '../util/printable';
import { env, redisPrefix } from './env';
import { withRedis } from './redisCommand';
import { UsageError } from './usageError';

function did(raw: string): string {
  const n = normaliseNumber(raw, env('AFTER_HOURS_REGION', 'PL'));
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
function parseUntil(text: string): number {
  const dt = DateTime.fromISO(text, { setZone: true });
  if (!dt.isValid) throw new InvalidArgumentError(`"${text}" is not an ISO 8601 date-time (${dt.invalidExplanation ?? dt.invalidReason})`);
  return dt.toMillis();
}

function parseNote(text: string): string {
  if (text.length > MAX_NOTE_LENGTH) throw new InvalidArgumentError(`the note must be at most ${MAX_NOTE_LENGTH} characters`);
  return text;
}

function parseBy(text: string): string {
  if (text.trim() === '' || text.length > MAX_BY_LENGTH)
    throw new InvalidArgumentError(`the author must be 1 to ${MAX_BY_LENGTH} characters`);
  return text;
}

export function registerOverrideCommand(program: Command): void {
  const override = program.command('override').description('temporary open/closed overrides, seen by every daemon within a second');
  override
    .command('set')
    .description('force a number open or closed, until a time, for a while (at most 366 days), or until cleared')
    .requiredOption('--did <number>', 'the number (national numbers use AFTER_HOURS_REGION, default PL)', did)
    .requiredOption('--state <state>', 'open or closed', (v: string) => {
      if (v !== 'open' && v !== 'closed') throw new InvalidArgumentError('must be open or closed');
      return v;
    })
    .option('--until <iso>', 'expiry, ISO 8601, in the future and at most 366 days ahead', parseUntil)
    .option('--for <duration>', 'expiry from now: 30m, 2h, 1d (at most 366d)', parseFor)
    .option('--note <text>', `why, for the next person (at most ${MAX_NOTE_LENGTH} characters)`, parseNote)
    .option('--by <who>', 'who set it, for the audit trail (the day/night key writes "extension 201"); override list shows it', parseBy)
    .action(async (o: { did: string; state: 'open' | 'closed'; until?: number; for?: number; note?: string; by?: string }) => {
      if (o.until !== undefined && o.for !== undefined) throw new UsageError('give --until or --for, not both');
      const now = Date.now();
      const until = o.until ?? (o.for !== undefined ? now + o.for : undefined);
      const entry = { did: o.did, state: o.state, until, note: o.note, setAt: now, ...(o.by !== undefined ? { by: o.by } : {}) };
      // Checked before anything is written: a refused override leaves Redis as it was.
      const problem = overrideProblem(entry, now);
      if (problem !== undefined) throw new UsageError(o.until !== undefined ? `--until: ${problem}` : problem);
      await withRedis('after-hours-override', (r) => setOverride(r, redisPrefix(), entry));
      process.stdout.write(`${o.did}: ${o.state} ${until === undefined ? 'until cleared' : `until ${new Date(until).toISOString()}`}\n`);
    });
  override
    .command('clear')
    .description("remove a number's override")
    .requiredOption('--did <number>', 'the number', did)
    .action(async (o: { did: string }) => {
      const removed = await withRedis('after-hours-override', (r) => clearOverride(r, redisPrefix(), o.did));
      process.stdout.write(removed ? `${o.did}: override cleared\n` : `${o.did}: had no override\n`);
    });
  override
    .command('list')
    .description('overrides in force: number, state, expiry, note and, when known, who set it (control characters are shown escaped)')
    .option('--json', 'one JSON array')
    .action(async (o: { json?: boolean }) => {
      const onMalformed = (key: string, problem: string) =>
        process.stderr.write(`after-hours: skipped the stored override "${printable(key)}": ${problem} (remove it with override clear)\n`);
      const list = await withRedis('after-hours-override', (r) => listOverrides(r, redisPrefix(), Date.now(), { onMalformed }));
      if (o.json) {
        process.stdout.write(`${JSON.stringify(list)}\n`);
        return;
      }
      if (list.length === 0) process.stdout.write('no overrides\n');
      for (const x of list) {
        process.stdout.write(
          `${printable(x.did)}\t${x.state}\t${x.until === undefined ? 'until cleared' : new Date(x.until).toISOString()}\t${printable(x.note ?? '')}${x.by !== undefined ? `\t${printable(x.by)}` : ''}\n`,
        );
      }
    });
}
