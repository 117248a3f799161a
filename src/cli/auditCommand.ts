import { InvalidArgumentError, type Command } from 'commander';
import { DateTime } from 'luxon';
import { AUDIT_DOORS, listAudit, MAX_AUDIT_LIMIT, type AuditDoor, type AuditFilter } from '../store/auditLog';
import { printable } from '../shared/printable';
import { cliSettings } from '../settings/processes';
import { withRedis } from './redisCommand';
import { VERB_SUMMARIES } from './verbSummaries';

// `audit list`: who changed what, newest first ("who closed the hotline last night?").

function instant(text: string): number {
  const dt = DateTime.fromISO(text, { setZone: true });
  if (!dt.isValid) throw new InvalidArgumentError(`"${text}" is not an ISO 8601 date-time (${dt.invalidExplanation ?? dt.invalidReason})`);
  return dt.toMillis();
}

function limit(text: string): number {
  const n = Number(text);
  if (!/^\d{1,4}$/.test(text) || n < 1 || n > MAX_AUDIT_LIMIT)
    throw new InvalidArgumentError(`must be a whole number from 1 to ${MAX_AUDIT_LIMIT}`);
  return n;
}

function door(text: string): AuditDoor {
  if (!(AUDIT_DOORS as readonly string[]).includes(text)) throw new InvalidArgumentError(`must be one of ${AUDIT_DOORS.join(', ')}`);
  return text as AuditDoor;
}

export function registerAuditCommand(program: Command): void {
  const audit = program.command('audit').description(VERB_SUMMARIES['audit']);
  audit
    .command('list')
    .description(
      'entries newest first: time, actor, door, from, action, target, note (control characters escaped); --json adds before and after',
    )
    .option('--since <iso>', 'only entries at or after this instant', instant)
    .option('--until <iso>', 'only entries at or before this instant', instant)
    .option('--actor <name>', 'only this actor')
    .option('--action <action>', 'only this action (override.set), or every one of a kind (override.)')
    .option('--target <target>', 'only this target (a DID in E.164, a token name, config)')
    .option('--door <door>', `only this door (${AUDIT_DOORS.join(', ')})`, door)
    .option('--limit <n>', `at most this many (default 100, at most ${MAX_AUDIT_LIMIT})`, limit)
    .option('--json', 'one JSON object: entries and, when there may be more, next')
    .action(async (o: AuditFilter & { json?: boolean }) => {
      const { json, ...filter } = o;
      const page = await withRedis('after-hours-audit', (r) => listAudit(r, cliSettings().REDIS_PREFIX, filter));
      if (json) {
        process.stdout.write(`${JSON.stringify(page)}\n`);
        return;
      }
      if (page.entries.length === 0) process.stdout.write('no entries\n');
      for (const e of page.entries)
        process.stdout.write(`${[e.at, e.actor, e.door, e.from, e.action, e.target, e.note ?? ''].map(printable).join('\t')}\n`);
    });
}
