// The CRM worker's SMTP settings for voicemail e-mail, read from the environment once at
// start. Pure: an environment in, settings (or an Error naming the setting) out.

export type Env = Record<string, string | undefined>;

/** How the connection is secured: `starttls` (required; port 587 by default), `tls` (implicit TLS; 465), `none` (plain; local relays only). */
export type SmtpSecurity = 'starttls' | 'tls' | 'none';

export interface SmtpSettings {
  host: string;
  port: number;
  security: SmtpSecurity;
  user?: string;
  password?: string;
  /** The sender, `after-hours@example.com` or `after-hours <after-hours@example.com>`. */
  from: string;
  /** PEM file of a private CA that signed the server's certificate (SMTP_CA_FILE). */
  caFile?: string;
}

/** The settings that switch voicemail e-mail on: with none of them set, the worker sends no mail. */
export const SMTP_SETTINGS = ['SMTP_URL', 'SMTP_HOST'] as const;

const SECURITY: Record<string, SmtpSecurity> = { starttls: 'starttls', tls: 'tls', none: 'none' };

/** SMTP_URL or SMTP_HOST/PORT/USER/PASSWORD/SECURITY, plus SMTP_FROM; undefined when mail is not configured. */
export function smtpSettings(env: Env): SmtpSettings | undefined {
  const url = env.SMTP_URL || undefined;
  const host = env.SMTP_HOST || undefined;
  if (url === undefined && host === undefined) {
    const stray = ['SMTP_PORT', 'SMTP_USER', 'SMTP_PASSWORD', 'SMTP_FROM', 'SMTP_SECURITY'].find((n) => env[n]);
    if (stray) throw new Error(`${stray} is set but neither SMTP_URL nor SMTP_HOST: set one to send voicemail e-mail`);
    return undefined;
  }
  if (url !== undefined && host !== undefined) throw new Error('set either SMTP_URL or SMTP_HOST (with SMTP_PORT, SMTP_USER…), not both');
  const from = env.SMTP_FROM || undefined;
  if (from === undefined) throw new Error('SMTP_FROM is not set: the sender of voicemail e-mail, e.g. after-hours@example.com');
  if (!/^[^\r\n<>]*<?[^\s<>@]+@[^\s<>@]+>?$/.test(from))
    throw new Error(`SMTP_FROM must be an address or "Name <address>" (got "${from}")`);
  const caFile = env.SMTP_CA_FILE || undefined;
  if (url !== undefined) return { ...fromUrl(url, env), from, ...(caFile ? { caFile } : {}) };

  const security = securityOf(env.SMTP_SECURITY, 'starttls');
  const port = portOf(env.SMTP_PORT, security === 'tls' ? 465 : security === 'starttls' ? 587 : 25);
  const user = env.SMTP_USER || undefined;
  const password = env.SMTP_PASSWORD || undefined;
  if ((user === undefined) !== (password === undefined)) throw new Error('SMTP_USER and SMTP_PASSWORD go together: set both or neither');
  return { host: host as string, port, security, from, ...(user ? { user, password } : {}), ...(caFile ? { caFile } : {}) };
}

/** smtp://[user:password@]host[:port] (STARTTLS unless SMTP_SECURITY=none) or smtps://… (implicit TLS). */
function fromUrl(raw: string, env: Env): Omit<SmtpSettings, 'from'> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error('SMTP_URL is not a URL (smtp://user:password@host:587 or smtps://…:465)');
  }
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:')
    throw new Error(`SMTP_URL must start with smtp:// or smtps:// (got ${url.protocol}//)`);
  if (url.hostname === '') throw new Error('SMTP_URL has no host');
  if ((url.pathname !== '' && url.pathname !== '/') || url.search || url.hash) throw new Error('SMTP_URL takes no path, query or fragment');
  for (const n of ['SMTP_PORT', 'SMTP_USER', 'SMTP_PASSWORD'])
    if (env[n]) throw new Error(`${n} and SMTP_URL are both set: put it in the URL`);
  const implicit = url.protocol === 'smtps:';
  const security = implicit ? 'tls' : securityOf(env.SMTP_SECURITY, 'starttls');
  if (implicit && env.SMTP_SECURITY && env.SMTP_SECURITY !== 'tls') throw new Error('SMTP_SECURITY contradicts smtps:// (implicit TLS)');
  const port = portOf(url.port || undefined, implicit ? 465 : security === 'starttls' ? 587 : 25);
  const user = url.username ? decodeURIComponent(url.username) : undefined;
  const password = url.password ? decodeURIComponent(url.password) : undefined;
  if ((user === undefined) !== (password === undefined))
    throw new Error('SMTP_URL has a user without a password (or a password without a user)');
  return { host: url.hostname.replace(/^\[(.*)\]$/, '$1'), port, security, ...(user ? { user, password } : {}) };
}

function securityOf(raw: string | undefined, fallback: SmtpSecurity): SmtpSecurity {
  if (raw === undefined || raw === '') return fallback;
  const s = SECURITY[raw.toLowerCase()];
  if (s === undefined) throw new Error(`SMTP_SECURITY must be starttls, tls or none (got "${raw}")`);
  return s;
}

function portOf(raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new Error(`SMTP port must be 1-65535 (got "${raw}")`);
  return n;
}
