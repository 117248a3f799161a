import type { Redis } from 'ioredis';
import { appendAudit, type AuditWho } from '../store/auditLog';
import type { AuditRecorder } from './context';
import type { Actor } from './roles';

// The console's changes on the audit trail (src/store/auditLog): the actor is the token's
// name, the door `api` (bearer token) or `page` (browser session), from the remote address.

export function auditWho(actor: Actor): AuditWho {
  return { actor: actor.name, door: actor.door, from: actor.from };
}

export function consoleAudit(redis: Redis, prefix: string): AuditRecorder {
  return {
    async record(actor, change) {
      await appendAudit(redis, prefix, {
        ...auditWho(actor),
        action: change.action,
        target: change.target,
        before: change.before,
        after: change.after,
      });
    },
  };
}
