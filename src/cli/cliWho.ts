import { hostname, userInfo } from 'node:os';
import type { AuditWho } from '../store/auditLog';

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
