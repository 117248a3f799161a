// Every setting after-hours reads from the environment, declared once: name, type and range,
// default, secret or not, one line of doc, and which processes read it. Each process parses
// its own from this table at start (read.ts) into one typed object; every refusal exits 78.
// The variable tables in README.md and docs/*.md are generated from it (npm run docs:settings; a test checks).
import { integer, decimal, flag, host, list, oneOf, path, port, text, url, parseHost, ValueRefused } from './spec';
import { isIP } from 'node:net';

const ALL = ['daemon', 'worker', 'console', 'cli'] as const;

export const DEFAULT_ARI_URL = 'http://127.0.0.1:8088';
export const DAEMON_METRICS_PORT = 9464;
export const WORKER_METRICS_PORT = 9465;
export const DEFAULT_CONSOLE_PORT = 9470;
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
/** How the daemon's ARI REST calls travel: its own keep-alive HTTP/1.1 client, node's agent, or undici's Pool. */
export const ARI_REST_CLIENTS = ['own', 'agent', 'undici'] as const;
/** The largest sound upload the console reads (the decoder's own bound: sounds/soundPcm SOUND_LIMITS). */
export const MAX_SOUND_UPLOAD_BYTES = 256 * 1024 * 1024;
export const MAX_VERSIONS_KEPT = 10_000;

/** An IP address or CIDR range (CONSOLE_TRUST_PROXY's items). */
function addressOrRange(entry: string): string {
  const [address, bits, extra] = entry.split('/');
  const family = isIP(address ?? '');
  const okBits = bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (family === 6 ? 128 : 32));
  if (family === 0 || !okBits || extra !== undefined)
    throw new ValueRefused(`"${entry}" is not an IP address or CIDR range (e.g. 127.0.0.1, 10.0.0.0/8, ::1)`);
  return entry;
}

export const SETTINGS = {
  // --- every process
  // Its scheme only: a redis+sentinel:// URL names several hosts, which no URL parser takes;
  // redis.ts reads the rest (and never echoes it: a secret).
  REDIS_URL: text({
    pattern: /^(redis|rediss|redis\+sentinel):\/\//i,
    patternText: 'a redis://, rediss:// or redis+sentinel:// URL',
    default: 'redis://127.0.0.1:6379',
    secret: true,
    doc: 'Redis: redis://[user:password@]host:port[/db], rediss:// for TLS, or redis+sentinel://[user:password@]host1:port1,host2:port2/mastername',
    processes: ALL,
  }),
  REDIS_SENTINELS: text({ doc: 'Redis Sentinel instead of REDIS_URL: host:port,host:port (IPv6 as [::1]:26379)', processes: ALL }),
  REDIS_SENTINEL_NAME: text({ doc: 'the master name the sentinels monitor (with REDIS_SENTINELS)', processes: ALL }),
  REDIS_USERNAME: text({ doc: "the data nodes' ACL user (or in REDIS_URL)", processes: ALL }),
  REDIS_PASSWORD: text({ secret: true, doc: "the data nodes' password (or in REDIS_URL)", processes: ALL }),
  REDIS_SENTINEL_USERNAME: text({ doc: "the sentinels' own ACL user", processes: ALL }),
  REDIS_SENTINEL_PASSWORD: text({ secret: true, doc: "the sentinels' own password", processes: ALL }),
  REDIS_WAIT_REPLICAS: integer({
    min: 0,
    max: 16,
    defaultText: '1 with Sentinel, else 0',
    doc: 'replicas that must confirm each event (WAIT) before it counts as written',
    processes: ALL,
  }),
  REDIS_WAIT_TIMEOUT_MS: integer({ min: 0, max: 60_000, default: 500, unit: 'ms', doc: 'how long WAIT waits for them', processes: ALL }),
  REDIS_PREFIX: text({ default: 'after-hours:', doc: 'prefix of every Redis key', processes: ALL }),
  LOG_LEVEL: oneOf(LOG_LEVELS, { default: 'info', doc: 'pino JSON log level', processes: ALL }),

  // --- ARI (the daemon; the worker fetches recordings with it; the CLI plays sounds)
  ARI_URL: url({
    schemes: ['http', 'https', 'ws', 'wss'],
    defaultText: `${DEFAULT_ARI_URL} (daemon, CLI); worker: unset, recordings are then neither fetched nor deleted`,
    doc: 'Asterisk ARI: one address for REST and the event websocket; an optional path prefix behind a reverse proxy',
    processes: ['daemon', 'worker', 'cli'],
  }),
  ARI_USER: text({ default: 'after-hours', doc: 'ARI user (ari.conf)', processes: ['daemon', 'worker', 'cli'] }),
  ARI_PASSWORD: text({ secret: true, defaultText: 'empty', doc: 'ARI password', processes: ['daemon', 'worker', 'cli'] }),
  ARI_CA_FILE: path({
    doc: "PEM file of the CA that signed Asterisk's certificate (https only; replaces the system roots)",
    processes: ['daemon', 'worker', 'cli'],
  }),
  ARI_APP: text({
    default: 'after-hours',
    pattern: /^[A-Za-z0-9_.-]+$/,
    patternText: 'letters, digits, _ . -',
    doc: 'the Stasis app name',
    processes: ['daemon', 'cli'],
  }),
  ARI_REST_CLIENT: oneOf(ARI_REST_CLIENTS, {
    default: 'own',
    doc: "transport of the daemon's ARI REST calls: own (keep-alive HTTP/1.1 client), agent (node's agent) or undici (undici's Pool), for comparisons",
    processes: ['daemon'],
  }),
  ARI_HEARTBEAT_MS: integer({
    min: 100,
    max: 600_000,
    default: 5000,
    unit: 'ms',
    doc: 'websocket ping interval; a missed pong reconnects',
    processes: ['daemon'],
  }),

  // --- the daemon
  METRICS_HOST: host({
    defaultText: 'every address',
    doc: '/metrics and /healthz listener (the daemon also serves /sounds/ there)',
    processes: ['daemon', 'worker'],
  }),
  METRICS_PORT: port({
    defaultText: `${DAEMON_METRICS_PORT} (daemon), ${WORKER_METRICS_PORT} (worker)`,
    doc: 'port of that listener',
    processes: ['daemon', 'worker'],
  }),
  DECISION_HOST: host({ default: '127.0.0.1', doc: '/decision?did= listener: loopback unless you open it', processes: ['daemon'] }),
  DECISION_PORT: port({
    default: 9466,
    doc: 'its port; the metrics listener when both equal METRICS_HOST and METRICS_PORT',
    processes: ['daemon'],
  }),
  SOUNDS_BASE_URL: url({
    schemes: ['http', 'https'],
    doc: 'where Asterisk fetches greetings over HTTP (http://<this host>:<METRICS_PORT>/sounds); unset: absolute paths on this disk',
    processes: ['daemon', 'cli'],
  }),
  SPOOL_DIR: path({
    defaultText: '$XDG_STATE_HOME/after-hours/spool',
    doc: 'local event spool (the CLI keeps converted sounds beside it)',
    processes: ['daemon', 'cli'],
  }),
  SPOOL_MEMORY_EVENTS: integer({
    min: 0,
    max: 10_000_000,
    default: 10_000,
    doc: "events held in memory while both the spool's disk and Redis refuse them",
    processes: ['daemon'],
  }),
  CONTINUE_CONTEXT: text({
    default: 'after-hours-open',
    pattern: /^[A-Za-z0-9_.-]+$/,
    patternText: 'a dialplan context name',
    doc: 'where open calls continue (extension = the DID)',
    processes: ['daemon', 'cli'],
  }),
  CONTINUE_PRIORITY: integer({ min: 1, max: 100_000, default: 1, doc: 'the priority there', processes: ['daemon'] }),
  OPEN_FAST_PATH: oneOf(['on', 'off'], {
    default: 'on',
    doc: "on: open numbers' calls go to normal routing in the dialplan without Stasis (docs/asterisk.md: Open fast path); off: every call enters Stasis",
    processes: ['daemon'],
  }),
  LOG_MASK_CALLERS: flag({ doc: 'mask caller numbers in logs to their last three digits', processes: ['daemon'] }),
  FEATURE_CODE_PIN: text({
    secret: true,
    pattern: /^\d{1,16}$/,
    patternText: '1 to 16 digits',
    defaultText: 'unset: no PIN',
    doc: 'digits the day/night key needs after its index (*28<index>*<PIN>)',
    processes: ['daemon'],
  }),

  // --- the CRM worker
  CRM_ADAPTER: oneOf(['bitrix24', 'webhook', 'none'], {
    defaultText: 'bitrix24; none when only SMTP is set',
    doc: 'which CRM the worker feeds',
    processes: ['worker'],
  }),
  BITRIX24_WEBHOOK_URL: url({
    schemes: ['https', 'http'],
    credentials: true,
    secret: true,
    doc: 'incoming webhook https://PORTAL/rest/USER_ID/TOKEN/ (crm, telephony, im scopes); http:// only with BITRIX24_ALLOW_INSECURE_HTTP',
    processes: ['worker'],
  }),
  BITRIX24_PORTAL_URL: url({
    schemes: ['https', 'http'],
    doc: 'a local application instead of the webhook: the portal',
    processes: ['worker'],
  }),
  BITRIX24_CLIENT_ID: text({ doc: "the local application's client id", processes: ['worker'] }),
  BITRIX24_CLIENT_SECRET: text({ secret: true, doc: "the local application's client secret", processes: ['worker'] }),
  BITRIX24_OAUTH_URL: url({
    schemes: ['https', 'http'],
    defaultText: 'https://oauth.bitrix.info/oauth/token/',
    doc: "Bitrix24's OAuth token endpoint",
    processes: ['worker'],
  }),
  BITRIX24_ALLOW_INSECURE_HTTP: flag({ doc: 'accept http:// Bitrix24 addresses: a local test server only', processes: ['worker'] }),
  BITRIX24_RATE_PER_SECOND: decimal({
    min: 0,
    above: true,
    max: 1000,
    default: 2,
    unit: 'requests/s',
    doc: 'requests to the portal for all workers together (shared in Redis)',
    processes: ['worker'],
  }),
  WEBHOOK_URL: url({ schemes: ['https', 'http'], doc: 'CRM_ADAPTER=webhook: where signed events are POSTed', processes: ['worker'] }),
  WEBHOOK_SECRET: text({
    secret: true,
    pattern: /^.{16,}$/s,
    patternText: 'at least 16 characters',
    doc: 'CRM_ADAPTER=webhook: the signing secret',
    processes: ['worker'],
  }),
  SMTP_URL: url({
    schemes: ['smtp', 'smtps'],
    credentials: true,
    secret: true,
    doc: 'voicemail e-mail: smtp://user:password@host:587 or smtps://…:465',
    processes: ['worker'],
  }),
  SMTP_HOST: host({ doc: 'or the server by parts: host', processes: ['worker'] }),
  SMTP_PORT: port({ min: 1, defaultText: '587 (starttls), 465 (tls), 25 (none)', doc: 'its port', processes: ['worker'] }),
  SMTP_SECURITY: oneOf(['starttls', 'tls', 'none'], {
    defaultText: 'starttls (tls with smtps://)',
    doc: 'how the connection is secured',
    processes: ['worker'],
  }),
  SMTP_USER: text({ doc: 'SMTP user (with SMTP_PASSWORD)', processes: ['worker'] }),
  SMTP_PASSWORD: text({ secret: true, doc: 'SMTP password', processes: ['worker'] }),
  SMTP_FROM: text({
    pattern: /^[^\r\n<>]*<?[^\s<>@]+@[^\s<>@]+>?$/,
    patternText: 'an address or "Name <address>"',
    doc: 'the sender of voicemail e-mail',
    processes: ['worker'],
  }),
  SMTP_CA_FILE: path({ doc: "PEM file of a private CA that signed the SMTP server's certificate", processes: ['worker'] }),
  RECORDING_RETENTION_HOURS: decimal({
    min: 0,
    max: 24 * 3650,
    default: 0,
    unit: 'hours',
    doc: 'with ARI_URL: hours a voicemail stays on Asterisk after the CRM work (0: deleted once the CRM stored it)',
    processes: ['worker'],
  }),
  CRM_CONCURRENCY: integer({ min: 1, max: 64, default: 1, doc: 'events one worker process works on at once', processes: ['worker'] }),
  CRM_CLAIM_IDLE_MS: integer({
    min: 1000,
    max: 86_400_000,
    default: 60_000,
    unit: 'ms',
    doc: 'how long an event may sit with a stopped consumer before another claims it',
    processes: ['worker'],
  }),
  CRM_MAX_DELIVERIES: integer({ min: 1, max: 1000, default: 5, doc: 'deliveries before an event is dead-lettered', processes: ['worker'] }),

  // --- the console
  CONSOLE_HOST: host({ default: '127.0.0.1', doc: "the console's listener", processes: ['console'] }),
  CONSOLE_PORT: port({ default: DEFAULT_CONSOLE_PORT, doc: 'its port', processes: ['console'] }),
  CONSOLE_SECURE_COOKIE: flag({ doc: '1 behind https: the session cookie gets Secure', processes: ['console'] }),
  CONSOLE_TRUST_PROXY: list({
    itemType: 'IP addresses or CIDR ranges',
    item: addressOrRange,
    default: [],
    defaultText: 'none',
    doc: 'reverse proxies allowed to name the client address (X-Forwarded-For)',
    processes: ['console'],
  }),
  CONSOLE_CONFIG_DIR: path({
    defaultText: 'the folder of --config; none without it',
    doc: 'the one folder a push through the API may read files from (iCalendar files, greetings); nothing outside it',
    processes: ['console'],
  }),
  CONSOLE_SOUND_UPLOAD_BYTES: integer({
    min: 1,
    max: MAX_SOUND_UPLOAD_BYTES,
    default: MAX_SOUND_UPLOAD_BYTES,
    unit: 'bytes',
    doc: 'the largest sound upload the console reads',
    processes: ['console'],
  }),

  // --- pushes (CLI and console)
  CONFIG_VERSIONS_KEEP: integer({
    min: 1,
    max: MAX_VERSIONS_KEPT,
    default: 50,
    doc: 'pushed configuration versions Redis keeps',
    processes: ['console', 'cli'],
  }),
  AFTER_HOURS_REGION: text({
    default: 'PL',
    pattern: /^[A-Z]{2}$/,
    patternText: 'a two-letter country code (ISO 3166-1)',
    doc: 'country of numbers typed without +country code (override set)',
    processes: ['cli'],
  }),
} as const;

export type SettingName = keyof typeof SETTINGS;
type SpecOf<N extends SettingName> = (typeof SETTINGS)[N];
/** The parsed type of a setting: its type, or `| undefined` when it has no default. */
export type SettingValue<N extends SettingName> = SpecOf<N>['default'] | ReturnType<SpecOf<N>['parse']>;

/** The settings that are secrets: each may come from a file named by NAME_FILE. */
export const SECRET_SETTINGS: readonly SettingName[] = (Object.keys(SETTINGS) as SettingName[]).filter((n) => SETTINGS[n].secret);

export { parseHost };
