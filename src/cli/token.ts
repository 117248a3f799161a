import { InvalidArgumentError, type Command } from 'commander';
import { DateTime } from 'luxon';
import { ROLES, isRole, type Role } from '../console/roles';
import { createToken, listTokens, revokeToken, TokenError } from '../console/tokens';
import { appendAudit } from '../store/auditLog';
import { cliWho } from './cliWho';
import { printable } from '../shared/printable';
import { cliSettings } from '../settings/processes';
import { withRedis } from './redisCommand';
import { UsageError } from './usageError';
import { VERB_SUMMARIES } from './verbSummaries';

// Console tokens from the command line (whoever holds Redis access is an admin already).
// Each change is on the audit trail with door `cli`, the login name and this host.

/** `90d`, `12h` from now, or an ISO 8601 instant. */
function parseExpires(text: string): string {
  const m = /^(\d{1,5})\s*(h|d)$/.exec(text.trim());
  if (m) return new Date(Date.now() + Number(m[1]) * (m[2] === 'h' ? 3_600_000 : 86_400_000)).toISOString();
  const dt = DateTime.fromISO(text, { setZone: true });
  if (!dt.isValid) throw new InvalidArgumentError(`"${text}" is neither a duration like 90d or 12h nor an ISO 8601 date-time`);
  return dt.toUTC().toISO() as string;
}

export function registerTokenCommand(program: Command): void {
  const token = program.command('token').description(VERB_SUMMARIES['token']);
  token
    .command('create')
    .description('create a token and print it once (only its SHA-256 digest is stored)')
    .requiredOption('--name <name>', 'who it is for: letters, digits, . _ @ - (unique)')
    .requiredOption('--role <role>', ROLES.join(' | '), (v: string): Role => {
      if (!isRole(v)) throw new InvalidArgumentError(`must be one of ${ROLES.join(', ')}`);
      return v;
    })
    .option('--expires <when>', 'expiry: 90d, 12h or an ISO 8601 instant (default: never)', parseExpires)
    .option('--by <who>', 'who creates it, for the audit trail (default: the login name)')
    .action(async (o: { name: string; role: Role; expires?: string; by?: string }) => {
      const created = await withRedis('after-hours-token', async (r) => {
        try {
          const c = await createToken(r, cliSettings().REDIS_PREFIX, { name: o.name, role: o.role, expiresAt: o.expires }, Date.now());
          await appendAudit(r, cliSettings().REDIS_PREFIX, {
            ...cliWho(o.by),
            action: 'token.create',
            target: c.record.name,
            before: null,
            after: c.record,
          });
          return c;
        } catch (err) {
          if (err instanceof TokenError) throw new UsageError(err.message);
          throw err;
        }
      });
      process.stderr.write(
        `token "${created.record.name}" (${created.record.role}${created.record.expiresAt ? `, expires ${created.record.expiresAt}` : ''}); it is shown only now:\n`,
      );
      process.stdout.write(`${created.token}\n`);
    });
  token
    .command('list')
    .description('every token: name, role, created, expiry (never the token)')
    .option('--json', 'one JSON array')
    .action(async (o: { json?: boolean }) => {
      const list = await withRedis('after-hours-token', (r) => listTokens(r, cliSettings().REDIS_PREFIX));
      if (o.json) {
        process.stdout.write(`${JSON.stringify(list)}\n`);
        return;
      }
      if (list.length === 0) process.stdout.write('no tokens\n');
      const now = Date.now();
      for (const t of list) {
        const exp =
          t.expiresAt === undefined ? 'never expires' : `${Date.parse(t.expiresAt) <= now ? 'expired' : 'expires'} ${t.expiresAt}`;
        process.stdout.write(`${printable(t.name)}\t${t.role}\tcreated ${t.createdAt}\t${exp}\n`);
      }
    });
  token
    .command('revoke')
    .description('revoke a token by name: it and its browser sessions stop working at once')
    .argument('<name>', 'the token name')
    .option('--by <who>', 'who revokes it, for the audit trail (default: the login name)')
    .action(async (name: string, o: { by?: string }) => {
      const before = await withRedis('after-hours-token', async (r) => {
        const b = await revokeToken(r, cliSettings().REDIS_PREFIX, name);
        if (b)
          await appendAudit(r, cliSettings().REDIS_PREFIX, {
            ...cliWho(o.by),
            action: 'token.revoke',
            target: b.name,
            before: b,
            after: null,
          });
        return b;
      });
      if (!before) throw new UsageError(`no token is named "${name}"`);
      process.stdout.write(`token "${name}" revoked\n`);
    });
}
