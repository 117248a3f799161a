// Who may do what in the console. Each role includes the ones before it: a viewer reads, an
// operator also sets and clears overrides, an admin also pushes and rolls back configurations,
// manages tokens and retries dead letters.

export const ROLES = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export function isRole(v: unknown): v is Role {
  return typeof v === 'string' && (ROLES as readonly string[]).includes(v);
}

export function roleAllows(have: Role, need: Role): boolean {
  return ROLES.indexOf(have) >= ROLES.indexOf(need);
}

/** The person (token) behind a request, and the door they came through: for the audit trail. */
export interface Actor {
  name: string;
  role: Role;
  /** `api` for a bearer token, `page` for a browser session. */
  door: 'api' | 'page';
  /** The remote address. */
  from: string;
}
