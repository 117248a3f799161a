// Where the test stack (scripts/stack) listens, and per-test unique data.
// Every value can be overridden with the same environment variables scripts/stack reads.
import { packageRoot } from '../../src/shared/paths';
import { randomInt, randomBytes } from 'crypto';
import * as path from 'path';

function envInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0 || n > 65535) throw new Error(`${name} must be a port number, got ${raw}`);
  return n;
}

// Walks up to package.json: right from test/support under jest and from dist/ when built (the demo).
export const repoRoot = packageRoot();
export const stackScript = path.join(repoRoot, 'scripts', 'stack');
export const sippDir = path.join(repoRoot, 'test', 'sipp');

export const redisPort = envInt('AH_REDIS_PORT', 6390);
export const ariPort = envInt('AH_ARI_PORT', 8088);
/** Asterisk's HTTPS (TLS) port for ARI, beside the plain one. */
export const ariTlsPort = envInt('AH_ARI_TLS_PORT', 8089);
export const sipPort = envInt('AH_SIP_PORT', 5060);
export const trunkPort = envInt('AH_TRUNK_PORT', 5070);
export const officePort = envInt('AH_OFFICE_PORT', 5080);
export const ariUser = process.env.AH_ARI_USER || 'after-hours';
export const ariPassword = process.env.AH_ARI_PASSWORD || 'after-hours';

export const host = '127.0.0.1';
export const redisUrl = `redis://${host}:${redisPort}`;
/** Base URL for ari-client's connect() (it appends /ari itself). */
export const ariUrl = `http://${host}:${ariPort}`;
/** ARI over TLS: the daemon's ARI_URL for https/wss (give it ariCaFile as ARI_CA_FILE). */
export const ariHttpsUrl = `https://${host}:${ariTlsPort}`;
/** The private CA scripts/stack makes at every `up`; it signed Asterisk's certificate (IP:127.0.0.1, IP:::1). */
export const ariCaFile = path.join(
  process.env.AH_TLS_DIR || path.join(process.env.AH_STACK_DIR || path.join(repoRoot, '.stack'), 'tls'),
  'ca.pem',
);
/** The ARI app name the dialplan sends every inbound call to. */
export const ariApp = 'after-hours';

/** The dialplan contract (config/asterisk/extensions.conf). */
export const dialplan = {
  /** Inbound calls: Stasis(after-hours, <DID>) from this context. */
  inboundContext: 'from-callers',
  /** Open calls: continue-in-dialplan to (openContext, <DID>, openPriority). */
  openContext: 'after-hours-open',
  openPriority: 1,
  /** Forwards: PJSIP/<E.164 number>@trunk */
  trunkEndpoint: (number: string): string => `PJSIP/${number}@trunk`,
} as const;

export const stackEnv = {
  host,
  redisPort,
  redisUrl,
  ariPort,
  ariUrl,
  ariTlsPort,
  ariHttpsUrl,
  ariCaFile,
  ariUser,
  ariPassword,
  ariApp,
  sipPort,
  trunkPort,
  officePort,
  repoRoot,
  stackScript,
  sippDir,
  dialplan,
};

let counter = 0;
/** A Redis key prefix no other test (in this run or a parallel one) uses, e.g. "t:ab12cd:3:". */
export function uniquePrefix(label = 't'): string {
  counter += 1;
  return `${label}:${process.pid.toString(36)}${randomBytes(3).toString('hex')}:${counter}:`;
}

const usedNumbers = new Set<string>();
function uniqueNumber(prefix: string, digits: number): string {
  for (;;) {
    let n = prefix;
    for (let i = 0; i < digits; i += 1) n += String(randomInt(10));
    if (!usedNumbers.has(n)) {
      usedNumbers.add(n);
      return n;
    }
  }
}

/** A fresh valid Polish fixed-line DID in E.164, Warsaw area: "+4822" + 7 digits. */
export function uniqueDid(): string {
  // 22 2xx xx xx .. 22 8xx xx xx are assigned fixed-line ranges
  return uniqueNumber(`+4822${randomInt(2, 9)}`, 6);
}

/** A fresh valid Polish mobile number in E.164 ("+4860" + 7 digits), for callers and forward targets. */
export function uniqueMobile(): string {
  return uniqueNumber(`+4860${randomInt(1, 10)}`, 6);
}
