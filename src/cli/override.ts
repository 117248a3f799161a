import { InvalidArgumentError, type Command } from 'commander';
import { DateTime, Duration } from 'luxon';
import { normaliseNumber } from '../phone/e164';
import { clearOverride, listOverrides, setOverride } from '../store/overrideStore';
import { createRedis } from '../store/redisClient';
import type { Redis } from 'ioredis';
import { env, redisPrefix, redisUrl } from './env';

async function withRedis<T>(fn: (r: Redis) => Promise<T>): Promise<T> {
  const redis = createRedis(redisUrl(), 'after-hours-override');
  try {
    await new Promise<void>((resolve, reject) => {
      redis.once('ready', () => resolve());
      redis.once('error', (err: Error) => reject(new Error(`Redis: ${err.message}`)));
    });
    return await fn(redis);
  } finally {
    redis.disconnect();
  }
}

function did(raw: string): string {
  const n = normaliseNumber(raw, env('AFTER_HOURS_REGION', 'PL'));
  if (!n.ok) throw new InvalidArgumentError(n.error);
  return n.e164;
}

function parseFor(text: string): number {
  const m = /^(\d+)\s*(m|min|h|d)$/.exec(text.trim());
  if (!m) throw new InvalidArgumentError(`"${text}" is not a duration like 30m, 2h or 1d`);
  const n = Number(m[1]);
  return Duration.fromObject(m[2] === 'd' ? { days: n } : m[2] === 'h' ? { hours: n } : { minutes: n }).toMillis();
}

function parseUntil(text: string): number {
  const dt = DateTime.fromISO(text, { setZone: true });
  if (!dt.isValid) throw new InvalidArgumentError(`"${text}" is not an ISO 8601 date-time`);
  return dt.toMillis();
}

export function registerOverrideCommand(program: Command): void {
  const override = program.command('override').description('temporary open/closed overrides, seen by every daemon within a second');
  override
    .command('set')
    .description('force a number open or closed, until a time, for a while, or until cleared')
    .requiredOption('--did <number>', 'the number (national numbers use AFTER_HOURS_REGION, default PL)', did)
    .requiredOption('--state <state>', 'open or closed', (v: string) => {
      if (v !== 'open' && v !== 'closed') throw new InvalidArgumentError('must be open or closed');
      return v;
    })
    .option('--until <iso>', 'expiry, ISO 8601', parseUntil)
    .option('--for <duration>', 'expiry from now: 30m, 2h, 1d', parseFor)
    .option('--note <text>', 'why, for the next person')
    .action(async (o: { did: string; state: 'open' | 'closed'; until?: number; for?: number; note?: string }) => {
      if (o.until !== undefined && o.for !== undefined) throw new InvalidArgumentError('give --until or --for, not both');
      const now = Date.now();
      const until = o.until ?? (o.for !== undefined ? now + o.for : undefined);
      if (until !== undefined && until <= now) throw new InvalidArgumentError('the expiry is in the past');
      await withRedis((r) => setOverride(r, redisPrefix(), { did: o.did, state: o.state, until, note: o.note, setAt: now }));
      process.stdout.write(`${o.did}: ${o.state} ${until === undefined ? 'until cleared' : `until ${new Date(until).toISOString()}`}\n`);
    });
  override
    .command('clear')
    .description('remove a number\'s override')
    .requiredOption('--did <number>', 'the number', did)
    .action(async (o: { did: string }) => {
      const removed = await withRedis((r) => clearOverride(r, redisPrefix(), o.did));
      process.stdout.write(removed ? `${o.did}: override cleared\n` : `${o.did}: had no override\n`);
    });
  override
    .command('list')
    .description('overrides in force')
    .option('--json', 'one JSON array')
    .action(async (o: { json?: boolean }) => {
      const list = await withRedis((r) => listOverrides(r, redisPrefix(), Date.now()));
      if (o.json) {
        process.stdout.write(`${JSON.stringify(list)}\n`);
        return;
      }
      if (list.length === 0) process.stdout.write('no overrides\n');
      for (const x of list) {
        process.stdout.write(`${x.did}\t${x.state}\t${x.until === undefined ? 'until cleared' : new Date(x.until).toISOString()}\t${x.note ?? ''}\n`);
      }
    });
}
