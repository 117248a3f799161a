import { hostname, userInfo } from 'node:os';
import { InvalidArgumentError } from 'commander';
import { MAX_ACTOR_LENGTH, type AuditWho } from '../store/auditLog';

// Who runs a changing CLI verb, for the audit trail: the name given (--by, --author) or the
// login name, through the `cli` door, from this machine's host name.

function loginName(): string {
  try {
    return userInfo().username;
  } catch {
    // No passwd entry (a container's arbitrary uid): the environment's name, if any.
    return process.env.USER ?? process.env.LOGNAME ?? 'unknown';
  }
}

export function cliWho(name?: string): AuditWho {
  return { actor: name ?? loginName(), door: 'cli', from: hostname() };
}

/** A --by or --author option's value: who, for the audit trail. */
export function parseBy(text: string): string {
  if (text.trim() === '' || text.length > MAX_ACTOR_LENGTH)
    throw new InvalidArgumentError(`the author must be 1 to ${MAX_ACTOR_LENGTH} characters`);
  return text;
}
