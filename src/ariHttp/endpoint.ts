import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import type { ErrorCode } from '../shared/errorCodes';

// Where ARI is and how to reach it: one parse of ARI_URL for the REST client, the event
// websocket and the CRM worker's recording download, so that a scheme, an IPv6 literal or a
// reverse-proxy path prefix means the same thing to all three.
//
//   http://127.0.0.1:8088            REST http://127.0.0.1:8088/ari/...,  events ws://…/ari/events
//   https://pbx.example/asterisk     REST https://pbx.example:443/asterisk/ari/...,
//                                    events wss://pbx.example/asterisk/ari/events
//   http://[::1]:8088                an IPv6 literal (brackets in the URL and Host header only)
//
// ws:// and wss:// are accepted as spellings of http:// and https://; a trailing /ari is
// accepted and dropped. TLS always verifies the server's certificate: against the system's
// roots, or only against the CA in caFile (ARI_CA_FILE) when one is given.

export class AriUrlError extends Error {
  readonly code: ErrorCode = 'AH_ERR_ARI_URL';
}

export interface AriEndpoint {
  /** true for https:// and wss://. */
  secure: boolean;
  /** The host to connect to: a name, an IPv4 address or an IPv6 address without brackets. */
  host: string;
  port: number;
  /** The Host header: brackets around an IPv6 address, the port when not the scheme's default. */
  hostHeader: string;
  /** The reverse-proxy prefix, '' or '/asterisk' (no trailing slash). */
  prefix: string;
  /** Path of ARI's REST root: prefix + '/ari'. */
  restBase: string;
  /** e.g. https://[::1]:8089/asterisk/ari */
  restUrl: string;
  /** e.g. wss://[::1]:8089/asterisk/ari/events */
  eventsUrl: string;
}

const SCHEMES: Record<string, boolean> = { 'http:': false, 'ws:': false, 'https:': true, 'wss:': true };

export function parseAriUrl(raw: string): AriEndpoint {
  let u: URL;
  try {
    u = new URL(raw.trim());
  } catch {
    throw new AriUrlError(`ARI_URL is not a URL: "${raw}" (e.g. http://127.0.0.1:8088 or https://pbx.example:8089)`);
  }
  const secure = SCHEMES[u.protocol];
  if (secure === undefined) throw new AriUrlError(`ARI_URL must start with http://, https://, ws:// or wss:// (got "${u.protocol}")`);
  if (u.username || u.password) throw new AriUrlError('ARI_URL must not carry a user or password: set ARI_USER and ARI_PASSWORD');
  if (u.search || u.hash) throw new AriUrlError('ARI_URL must not have a query or fragment');
  if (!u.hostname) throw new AriUrlError(`ARI_URL has no host: "${raw}"`);
  // URL keeps the brackets of an IPv6 literal in hostname; sockets want the bare address.
  const bracketed = u.hostname.startsWith('[');
  const host = bracketed ? u.hostname.slice(1, -1) : u.hostname;
  const port = u.port ? Number(u.port) : secure ? 443 : 80;
  const hostHeader = `${bracketed ? `[${host}]` : host}${u.port ? `:${u.port}` : ''}`;
  const prefix = u.pathname.replace(/\/+$/, '').replace(/\/ari$/, '');
  const restBase = `${prefix}/ari`;
  const origin = `${secure ? 'https' : 'http'}://${hostHeader}`;
  return {
    secure,
    host,
    port,
    hostHeader,
    prefix,
    restBase,
    restUrl: `${origin}${restBase}`,
    eventsUrl: `${secure ? 'wss' : 'ws'}://${hostHeader}${restBase}/events`,
  };
}

/** TLS options for a connection to `endpoint`: verification on, whatever the environment says. */
export interface AriTls {
  ca?: Buffer;
  /** SNI: a host name only (an IP address is not a valid server name, RFC 6066). */
  servername?: string;
  rejectUnauthorized: true;
}

export function ariTls(endpoint: AriEndpoint, ca?: Buffer): AriTls {
  // rejectUnauthorized is explicit so NODE_TLS_REJECT_UNAUTHORIZED=0 cannot switch it off.
  return { ...(ca ? { ca } : {}), ...(isIP(endpoint.host) ? {} : { servername: endpoint.host }), rejectUnauthorized: true };
}

/** What every ARI client here needs: the URL, the credentials and an optional private CA. */
export interface AriAccess {
  url: string;
  user: string;
  password: string;
  /** PEM file of the CA that signed Asterisk's certificate (ARI_CA_FILE); replaces the system roots. */
  caFile?: string;
}

export interface AriTarget {
  endpoint: AriEndpoint;
  /** The Authorization header value. */
  auth: string;
  /** For https/wss only. */
  tls: AriTls | undefined;
}

/** Parses the URL and reads the CA file once; refuses a CA file for a plain-http URL. */
export function resolveAriAccess(access: AriAccess): AriTarget {
  const endpoint = parseAriUrl(access.url);
  let ca: Buffer | undefined;
  if (access.caFile) {
    // A CA for a URL that is not TLS means the operator believes the link is verified.
    if (!endpoint.secure)
      throw new AriUrlError(`ARI_CA_FILE is set but ARI_URL is not https:// or wss:// (${access.url}): nothing would be verified`);
    try {
      ca = readFileSync(access.caFile);
    } catch (err) {
      throw new AriUrlError(`ARI_CA_FILE cannot be read: ${access.caFile} (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
    }
    if (!ca.includes('-----BEGIN CERTIFICATE-----')) throw new AriUrlError(`ARI_CA_FILE holds no PEM certificate: ${access.caFile}`);
  }
  return {
    endpoint,
    auth: `Basic ${Buffer.from(`${access.user}:${access.password}`).toString('base64')}`,
    tls: endpoint.secure ? ariTls(endpoint, ca) : undefined,
  };
}

const CERT_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'HOSTNAME_MISMATCH',
]);

/** Whether a connection error is the server's certificate not being trusted (not a network fault). */
export function isCertificateError(err: unknown): boolean {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && CERT_CODES.has(code);
}
