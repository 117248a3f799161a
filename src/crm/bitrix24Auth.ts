// How the Bitrix24 adapter authenticates: an incoming webhook (the token is in the URL), or a
// local application (OAuth 2.0: an access token sent as `auth`, renewed with a refresh token).
// Some portals allow telephony.externalcall.* and telephony.externalLine.* only to an
// application (WRONG_AUTH_TYPE for a webhook), so both exist.
//
// The application's tokens live in Redis, shared by every worker. The access token lives an
// hour; the one worker that finds it (nearly) expired refreshes it under a Redis lock while the
// others wait and then use the new one. Refresh tokens are single-use, so two workers
// refreshing at once would lock each other out: the lock is what prevents that.
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { PermanentCrmError, TransientCrmError, type CrmHealth } from './adapter';
import { crmFetch } from './crmFetch';
import { RedisLock } from './redisLock';

export interface Bitrix24Target {
  /** Where to POST the method. Secret for a webhook: never put it in a message. */
  url: string;
  /** The access token to send as `auth` (application only). */
  accessToken?: string;
}

export interface Bitrix24Auth {
  readonly kind: 'webhook' | 'application';
  target(method: string, signal: AbortSignal): Promise<Bitrix24Target>;
  /** The portal said `accessToken` expired: true once a new one is there to retry with. */
  renew(accessToken: string | undefined, signal: AbortSignal): Promise<boolean>;
  /** The method's address for messages, without secrets: https://portal/rest/…/METHOD.json */
  where(method: string): string;
  /** Not ready when nothing goes through until an operator authorises again. */
  health?(): CrmHealth;
}

/** The OAuth server refused the refresh token (invalid_grant): it was used already, or revoked. */
class RefusedGrantError extends PermanentCrmError {}

/** https:// unless a local test server is explicitly allowed over http://. */
function checkedUrl(raw: string, name: string, allowInsecureHttp: boolean | undefined): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`${name} is not a URL`);
  }
  if (url.protocol === 'http:' && !allowInsecureHttp) {
    throw new Error(
      `${name} must be https://: over http:// the token travels in clear (set BITRIX24_ALLOW_INSECURE_HTTP=1 only for a local test server)`,
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error(`${name} must be https://`);
  return url;
}

export function normaliseWebhookUrl(raw: string, opts: { allowInsecureHttp?: boolean } = {}): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error('BITRIX24_WEBHOOK_URL is not a URL');
  }
  if (url.protocol === 'http:' && !opts.allowInsecureHttp) {
    throw new Error(
      'BITRIX24_WEBHOOK_URL must be https://: over http:// the token in it travels in clear (set BITRIX24_ALLOW_INSECURE_HTTP=1 only for a local test server)',
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error('BITRIX24_WEBHOOK_URL must be https://');
  if (!/\/rest\/\d+\/[^/]+/.test(url.pathname)) throw new Error('BITRIX24_WEBHOOK_URL must look like https://PORTAL/rest/USER_ID/TOKEN/');
  return url.href.replace(/\/?$/, '/').replace(/\/[^/]+\.json\/$/, '/');
}

export class WebhookAuth implements Bitrix24Auth {
  readonly kind = 'webhook';
  readonly #base: string;
  readonly #origin: string;

  constructor(webhookUrl: string, opts: { allowInsecureHttp?: boolean } = {}) {
    this.#base = normaliseWebhookUrl(webhookUrl, opts);
    this.#origin = new URL(this.#base).origin;
  }

  async target(method: string): Promise<Bitrix24Target> {
    return { url: `${this.#base}${method}.json` };
  }

  /** A webhook's token does not expire on its own: an operator has to replace it. */
  async renew(): Promise<boolean> {
    return false;
  }

  where(method: string): string {
    return `${this.#origin}/rest/…/${method}.json`;
  }

  toJSON(): object {
    return { kind: this.kind };
  }
}

/** Bitrix24's OAuth server; the same for every portal. */
export const DEFAULT_OAUTH_TOKEN_URL = 'https://oauth.bitrix.info/oauth/token/';

export interface Bitrix24AppOptions {
  /** https://PORTAL (the portal's address; REST calls go to https://PORTAL/rest/METHOD.json). */
  portalUrl: string;
  clientId: string;
  /** Secret: never logged. */
  clientSecret: string;
  redis: Redis;
  /** Redis hash holding the tokens, and the lock held while refreshing them. */
  tokenKey: string;
  lockKey: string;
  oauthTokenUrl?: string;
  allowInsecureHttp?: boolean;
  /** Refresh this long before the access token expires (default 5 minutes). */
  refreshMarginMs?: number;
  /** The token request's timeout; the lock outlives it. */
  requestTimeoutMs?: number;
  logger?: Logger;
  now?: () => number;
  fetch?: typeof fetch;
}

export interface StoredTokens {
  accessToken: string;
  refreshToken: string;
  /** Epoch milliseconds. */
  expiresAt: number;
  memberId: string;
  scope: string;
  /** Epoch milliseconds of the last token request. */
  obtainedAt: number;
}

/** A Bitrix24 local application: OAuth tokens in Redis, refreshed by one worker at a time. */
export class Bitrix24AppAuth implements Bitrix24Auth {
  readonly kind = 'application';
  readonly #o: Bitrix24AppOptions;
  readonly #rest: string;
  readonly #tokenUrl: URL;
  readonly #lock: RedisLock;
  readonly #now: () => number;
  /** Token requests this process made (for tests and logs). */
  refreshes = 0;
  /** The stored refresh token the OAuth server refused, with why: until another pair is stored, nothing works. */
  #refused: { refreshToken: string; problem: string } | undefined;

  constructor(o: Bitrix24AppOptions) {
    if (!o.clientId) throw new Error('BITRIX24_CLIENT_ID is not set');
    if (!o.clientSecret) throw new Error('BITRIX24_CLIENT_SECRET is not set');
    const portal = checkedUrl(o.portalUrl, 'BITRIX24_PORTAL_URL', o.allowInsecureHttp);
    this.#rest = `${portal.origin}/rest/`;
    this.#tokenUrl = checkedUrl(o.oauthTokenUrl ?? DEFAULT_OAUTH_TOKEN_URL, 'BITRIX24_OAUTH_URL', o.allowInsecureHttp);
    this.#o = o;
    this.#now = o.now ?? Date.now;
    this.#lock = new RedisLock(o.redis, o.lockKey, (o.requestTimeoutMs ?? 10_000) * 2);
  }

  toJSON(): object {
    return { kind: this.kind, portal: this.#rest };
  }

  get portalOrigin(): string {
    return new URL(this.#rest).origin;
  }

  /** Where the administrator grants the application access; Bitrix24 redirects to the app's handler with `code`. */
  authorizeUrl(state: string): string {
    const url = new URL('/oauth/authorize/', this.#rest);
    url.searchParams.set('client_id', this.#o.clientId);
    url.searchParams.set('state', state);
    return url.href;
  }

  where(method: string): string {
    return `${this.#rest}${method}.json`;
  }

  async target(method: string, signal: AbortSignal): Promise<Bitrix24Target> {
    return { url: `${this.#rest}${method}.json`, accessToken: await this.accessToken(signal) };
  }

  async renew(accessToken: string | undefined, signal: AbortSignal): Promise<boolean> {
    if (accessToken === undefined) return false;
    await this.refresh(accessToken, signal);
    return true;
  }

  /** Not ready while the stored pair is one the OAuth server refused; ready again once another pair is stored. */
  health(): CrmHealth {
    const refused = this.#refused;
    if (refused === undefined) return { ready: true };
    // Look again for the next probe: `crm-worker bitrix24-auth` may have stored a new pair.
    void this.read().then(
      (t) => this.#clearRefused(t),
      () => undefined,
    );
    return { ready: false, problem: refused.problem };
  }

  #clearRefused(t: StoredTokens | undefined): void {
    if (this.#refused !== undefined && t !== undefined && t.refreshToken !== this.#refused.refreshToken) {
      this.#refused = undefined;
      this.#o.logger?.info('bitrix24 application has a new token pair; authorised again');
    }
  }

  /** A usable access token, refreshed first when it expires within the margin. */
  async accessToken(signal: AbortSignal): Promise<string> {
    const t = await this.read();
    this.#clearRefused(t);
    if (t === undefined) throw notAuthorised();
    if (this.fresh(t)) return t.accessToken;
    return this.refresh(t.accessToken, signal);
  }

  /**
   * A new access token to replace `stale`. One worker refreshes under the lock; the others
   * wait for it and use the token it stored.
   */
  async refresh(stale: string, signal: AbortSignal): Promise<string> {
    for (;;) {
      const seen = await this.read();
      if (seen === undefined) throw notAuthorised();
      if (seen.accessToken !== stale && this.fresh(seen)) return seen.accessToken;
      const held = await this.#lock.tryAcquire();
      if (held !== null) {
        try {
          const current = await this.read(); // someone may have finished just before we took the lock
          if (current === undefined) throw notAuthorised();
          if (current.accessToken !== stale && this.fresh(current)) return current.accessToken;
          let next: StoredTokens;
          try {
            next = await this.requestTokens({ grant_type: 'refresh_token', refresh_token: current.refreshToken }, signal);
          } catch (err) {
            if (!(err instanceof RefusedGrantError)) throw err;
            // Refresh tokens are single-use. Before giving up, read the stored pair again: another
            // worker (whose lock ran out) or `crm-worker bitrix24-auth` may have stored a new one
            // while this request used the old one.
            const again = await this.read();
            if (again !== undefined && again.refreshToken !== current.refreshToken) {
              this.#o.logger?.warn({ err }, 'bitrix24 refresh token was used already; another process stored a new pair, using it');
              if (again.accessToken !== stale && this.fresh(again)) return again.accessToken;
              continue;
            }
            // Nobody has a newer pair: the answer to an earlier refresh was lost after Bitrix24
            // rotated the token, or the application was removed. Only a new authorisation helps.
            const problem = `bitrix24 application needs a new authorisation: its refresh token was refused (${err.message.replace(/; authorise.*$/, '')}), probably because the answer to an earlier refresh was lost after Bitrix24 rotated it; run after-hours crm-worker bitrix24-auth, then crm-worker dead retry --all`;
            if (this.#refused?.refreshToken !== current.refreshToken) this.#o.logger?.error({ err }, problem);
            this.#refused = { refreshToken: current.refreshToken, problem };
            throw new PermanentCrmError(problem, { auth: true, cause: err });
          }
          this.#o.logger?.info(
            { memberId: next.memberId, expiresAt: new Date(next.expiresAt).toISOString() },
            'bitrix24 access token refreshed',
          );
          return next.accessToken;
        } finally {
          await this.#lock.release(held).catch(() => undefined);
        }
      }
      await this.#lock.waitWhileHeld(signal, async () => {
        const t = await this.read();
        return t !== undefined && t.accessToken !== stale && this.fresh(t);
      });
    }
  }

  /** The install handshake's second step: the code Bitrix24 gave the handler (valid 30 s) for tokens. */
  async exchangeCode(code: string, signal: AbortSignal = new AbortController().signal): Promise<StoredTokens> {
    return this.requestTokens({ grant_type: 'authorization_code', code }, signal);
  }

  /** Tokens from a refresh token obtained elsewhere (REFRESH_ID of the install POST). */
  async adoptRefreshToken(refreshToken: string, signal: AbortSignal = new AbortController().signal): Promise<StoredTokens> {
    return this.requestTokens({ grant_type: 'refresh_token', refresh_token: refreshToken }, signal);
  }

  async read(): Promise<StoredTokens | undefined> {
    const h = await this.#o.redis.hgetall(this.#o.tokenKey);
    if (!h.access_token || !h.refresh_token) return undefined;
    return {
      accessToken: h.access_token,
      refreshToken: h.refresh_token,
      expiresAt: Number(h.expires_at ?? 0),
      memberId: h.member_id ?? '',
      scope: h.scope ?? '',
      obtainedAt: Number(h.obtained_at ?? 0),
    };
  }

  private fresh(t: StoredTokens): boolean {
    return t.expiresAt - (this.#o.refreshMarginMs ?? 5 * 60_000) > this.#now();
  }

  /** One request to the OAuth server; the new pair is stored before it is returned. */
  private async requestTokens(grant: Record<string, string>, signal: AbortSignal): Promise<StoredTokens> {
    const url = new URL(this.#tokenUrl.href);
    for (const [k, v] of Object.entries({ ...grant, client_id: this.#o.clientId, client_secret: this.#o.clientSecret }))
      url.searchParams.set(k, v);
    const where = `${this.#tokenUrl.origin}${this.#tokenUrl.pathname}`;
    const startedAt = this.#now();
    // The network error stays the cause, as it always did for token requests.
    const res = await crmFetch(
      this.#o.fetch ?? fetch,
      url,
      { method: 'GET', headers: { accept: 'application/json' } },
      {
        what: `bitrix24 token ${grant.grant_type}`,
        where,
        signal,
        timeoutMs: this.#o.requestTimeoutMs ?? 10_000,
        keepCause: true,
      },
    );
    const body = (await res.json().catch(() => undefined)) as Record<string, unknown> | undefined;
    const error = typeof body?.error === 'string' ? body.error : undefined;
    if (error !== undefined || !res.ok || typeof body?.access_token !== 'string' || typeof body.refresh_token !== 'string') {
      const what = `bitrix24 token ${grant.grant_type}: ${error ?? `HTTP ${res.status}`}${typeof body?.error_description === 'string' ? ` (${body.error_description})` : ''}`;
      if (res.status >= 500 || res.status === 429) throw new TransientCrmError(what);
      if (error === 'invalid_grant' && grant.grant_type === 'refresh_token')
        throw new RefusedGrantError(`${what}; authorise the application again: after-hours crm-worker bitrix24-auth`, { auth: true });
      throw new PermanentCrmError(`${what}; authorise the application again: after-hours crm-worker bitrix24-auth`, { auth: true });
    }
    this.refreshes += 1;
    const expiresIn = Number(body.expires_in);
    const tokens: StoredTokens = {
      accessToken: body.access_token,
      refreshToken: body.refresh_token,
      // Counted from when the request was sent: never later than the server's own expiry.
      expiresAt: startedAt + (Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn : 3600) * 1000,
      memberId: typeof body.member_id === 'string' ? body.member_id : '',
      scope: typeof body.scope === 'string' ? body.scope : '',
      obtainedAt: startedAt,
    };
    await this.#o.redis.hset(this.#o.tokenKey, {
      access_token: tokens.accessToken,
      refresh_token: tokens.refreshToken,
      expires_at: String(tokens.expiresAt),
      member_id: tokens.memberId,
      scope: tokens.scope,
      obtained_at: String(tokens.obtainedAt),
    });
    return tokens;
  }
}

function notAuthorised(): PermanentCrmError {
  return new PermanentCrmError(
    'bitrix24: the application has no tokens in Redis; authorise it once: after-hours crm-worker bitrix24-auth',
    { auth: true },
  );
}
