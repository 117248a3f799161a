// after-hours crm-worker [--config FILE]            run the CRM worker
// after-hours crm-worker dead list [--json]         show dead letters
// after-hours crm-worker dead retry ID | --all      put dead letters back on the stream
// after-hours crm-worker bitrix24-auth [CODE|URL]    authorise the Bitrix24 local application
import { ConfigInvalidError } from '../config/errors';
import { loadConfig } from '../config/load';
import { Command } from 'commander';
import { streamKeys } from '../store/eventStream';
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { bitrix24AppAuthFromEnv, createAdapter, CRM_SETTINGS } from '../crm/adapterRegistry';
import { SMTP_SETTINGS } from '../settings/smtp';
import { WORKER_METRICS_PORT } from '../settings/declaration';
import { workerSettings, cliSettings } from '../settings/processes';
import type { Env } from '../settings/read';
import { bitrix24Keys } from '../crm/keys';
import { listDead, retryAllDead, retryDead } from '../crm/deadLetters';
import { startHttpServer } from '../shared/httpServer';
import { createLogger } from '../shared/log';
import { collectWorkerProcessMetrics, createCrmMetrics } from '../crm/metrics';
import { CrmWorker, crmWorkerHealth } from '../crm/worker';
import type { CrmAdapter } from '../crm/adapter';
import { printable } from '../shared/printable';
import { SettingsError } from './exitCodes';
import { UsageError } from './usageError';
import { withRedis } from './redisCommand';
import { appendAudit } from '../store/auditLog';
import { createRedisClient } from '../store/redisClient';
import { cliWho } from './cliWho';
import { VERB_SUMMARIES } from './verbSummaries';

export const DEFAULT_METRICS_PORT = WORKER_METRICS_PORT;

/** Settings that give the worker work: a CRM, or voicemail e-mail; with none of them there is nothing to do. */
const WORK_SETTINGS = ['CRM_ADAPTER', ...CRM_SETTINGS, ...SMTP_SETTINGS];
export const NO_CRM_MESSAGE =
  'no CRM configured: nothing to do (set BITRIX24_WEBHOOK_URL, the BITRIX24_* application settings, or CRM_ADAPTER=webhook with WEBHOOK_URL and WEBHOOK_SECRET; or SMTP_URL/SMTP_HOST to e-mail voicemails)';

/** Runs until SIGINT/SIGTERM; returns at once, after one log line, when no CRM is configured. */
export async function runCrmWorker(opts: { config?: string }, env: Env = process.env): Promise<void> {
  // Settings first: a refused one stops the worker before it connects (exit 78).
  const settings = workerSettings(env);
  if (opts.config !== undefined) {
    // Events carry their number's crm settings, so the worker needs no schedules; the file
    // is still validated, so a worker never starts next to a configuration the daemon refuses.
    const loaded = loadConfig(opts.config);
    if (!loaded.ok) throw new ConfigInvalidError(loaded.errors);
  }
  const logger = createLogger('after-hours-crm', { level: settings.LOG_LEVEL });
  // A deployment without a CRM (the daemon alone) still starts the worker from the same
  // compose file or unit: exit 0 with the reason, so no restart policy retries it.
  if (WORK_SETTINGS.every((name) => env[name] === undefined || env[name] === '')) {
    logger.warn(NO_CRM_MESSAGE);
    return;
  }
  const keys = streamKeys(settings.REDIS_PREFIX);
  // CRM_CONCURRENCY consumers in this process, each as a worker of its own (its consumer name,
  // blocking reader and adapter), sharing the command connection, the metrics and the rate budget.
  const concurrency = settings.CRM_CONCURRENCY;
  const redis = createRedisClient(settings.redis, 'worker', 'after-hours-crm', { lazyConnect: true });
  const adapters: CrmAdapter[] = [];
  try {
    for (let i = 0; i < concurrency; i++) adapters.push(createAdapter(settings, logger, { redis, keys }));
  } catch (err) {
    redis.disconnect();
    // missing or contradictory CRM settings: a restart cannot help (exit 78, main.ts)
    throw new SettingsError(err instanceof Error ? err.message : String(err), { cause: err });
  }
  const metrics = createCrmMetrics(redis, keys);
  const stopTiming = collectWorkerProcessMetrics(metrics);
  const readers = adapters.map((_, i) =>
    createRedisClient(settings.redis, 'blocking', `after-hours-crm-reader${concurrency > 1 ? `-${i + 1}` : ''}`),
  );
  const consumers = adapters.map(
    (adapter, i) =>
      new CrmWorker({
        redis,
        reader: readers[i]!,
        keys,
        adapter,
        logger,
        metrics,
        claimIdleMs: settings.CRM_CLAIM_IDLE_MS,
        maxDeliveries: settings.CRM_MAX_DELIVERIES,
      }),
  );
  const server = await startHttpServer({
    ...settings.metricsListen,
    registry: metrics.registry,
    health: () => crmWorkerHealth(consumers, adapters),
  });
  for (const w of consumers) await w.start();
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await Promise.all(consumers.map((w) => w.stop()));
  for (const a of adapters) await a.close?.();
  await server.close();
  stopTiming();
  redis.disconnect();
  for (const r of readers) r.disconnect();
}

export function registerCrmWorkerCommand(program: Command): void {
  const crm = program
    .command('crm-worker')
    .description(VERB_SUMMARIES['crm-worker'])
    .option('--config <file>', 'the after-hours YAML config (validated; the worker refuses to start on a bad file)')
    .addHelpText(
      'after',
      `
Environment:
  REDIS_URL              redis://127.0.0.1:6379 by default; or REDIS_SENTINELS (host:port,…)
                         with REDIS_SENTINEL_NAME; REDIS_USERNAME, REDIS_PASSWORD,
                         REDIS_SENTINEL_PASSWORD (docs/operations.md "Redis")
  REDIS_PREFIX           key prefix, "after-hours:" by default
  CRM_ADAPTER            bitrix24 (default), webhook, or none (only e-mail voicemails; the
                         default when SMTP is set and no CRM is); any other name is refused
  BITRIX24_WEBHOOK_URL   https://PORTAL/rest/USER_ID/TOKEN/ (secret; http:// is refused)
  BITRIX24_PORTAL_URL, BITRIX24_CLIENT_ID, BITRIX24_CLIENT_SECRET
                         a local application instead of the webhook (see bitrix24-auth)
  BITRIX24_RATE_PER_SECOND          requests/s to the portal, shared by all workers (default 2)
  CRM_CONCURRENCY        events this process works on at once (default 1, at most 64); raise
                         it when the CRM answers quickly and its rate allows more
  BITRIX24_ALLOW_INSECURE_HTTP=1    accept an http:// URL (a local test server only)
  ARI_URL, ARI_USER, ARI_PASSWORD   where voicemail recordings are fetched from
  WEBHOOK_URL, WEBHOOK_SECRET       for CRM_ADAPTER=webhook
  SMTP_URL | SMTP_HOST, SMTP_PORT, SMTP_USER, SMTP_PASSWORD, SMTP_SECURITY, SMTP_FROM,
  SMTP_CA_FILE           e-mail voicemails to afterHours.voicemail.email (docs/crm.md)
  METRICS_HOST, METRICS_PORT   /metrics and /healthz: every address, port ${DEFAULT_METRICS_PORT} by default`,
    )
    .action(async (opts: { config?: string }) => runCrmWorker(opts));

  const dead = crm.command('dead').description('Inspect and retry events the worker gave up on');

  dead
    .command('list')
    .description('List dead letters: id, event id, when, error')
    .option('--json', 'one JSON object per line (the text form shows control characters escaped)')
    .action(async (opts: { json?: boolean }) => {
      const keys = streamKeys(cliSettings().REDIS_PREFIX);
      const letters = await withRedis('after-hours-crm-cli', (redis) => listDead(redis, keys));
      for (const d of letters) {
        if (opts.json) process.stdout.write(`${JSON.stringify(d)}\n`);
        else
          process.stdout.write(
            `${printable(d.deadId)}\t${printable(d.eventId || '-')}\t${printable(d.failedAt)}\tdeliveries=${d.deliveries}\t${printable(d.error)}\n`,
          );
      }
      if (!opts.json) process.stderr.write(`${letters.length} dead letter(s)\n`);
    });

  dead
    .command('retry')
    .description(
      'Put a dead letter (by its dead-letter id or event id), or all of them, back on the events stream; --all retries each dead letter there is when it starts, once',
    )
    .argument('[id]', 'dead-letter entry id (as listed) or event id')
    .option('--all', 'retry every dead letter')
    .action(async (id: string | undefined, opts: { all?: boolean }) => {
      if ((id === undefined) === !opts.all) throw new UsageError('give either an ID or --all');
      const prefix = cliSettings().REDIS_PREFIX;
      await withRedis('after-hours-crm-cli', async (redis) => {
        const keys = streamKeys(prefix);
        // On the audit trail after the move (a separate step: the move is the dead letters' own script).
        const audit = (target: string, after: unknown) =>
          appendAudit(redis, prefix, { ...cliWho(), action: 'deadletter.retry', target, after });
        if (opts.all) {
          const entries = await retryAllDead(redis, keys);
          if (entries.length > 0) await audit('all', { count: entries.length });
          process.stdout.write(`${entries.length} event(s) back on ${keys.stream}\n`);
          return;
        }
        const entry = await retryDead(redis, keys, id as string);
        if (entry === null) throw new Error(`no dead letter ${printable(id as string)}`);
        await audit(id as string, { entryId: entry });
        process.stdout.write(`${id} back on ${keys.stream} as ${entry}\n`);
      });
    });

  crm
    .command('bitrix24-auth')
    .description('Authorise the Bitrix24 local application once; its tokens are kept in Redis for every worker')
    .argument('[code]', 'the address Bitrix24 redirected the browser to (or just its code=…); asked for when not given')
    .option('--refresh-token <token>', 'start from a refresh token instead (REFRESH_ID of the application install POST)')
    .addHelpText(
      'after',
      `
Needs BITRIX24_PORTAL_URL, BITRIX24_CLIENT_ID, BITRIX24_CLIENT_SECRET, REDIS_URL, REDIS_PREFIX.
Without [code], prints the address to open as a portal administrator; Bitrix24 then sends the
browser to the application's handler address with ?code=…. Paste that address: the code is
valid for 30 seconds.`,
    )
    .action(async (code: string | undefined, opts: { refreshToken?: string }) => {
      const settings = workerSettings();
      await withRedis('after-hours-crm-cli', async (redis) => {
        const keys = streamKeys(settings.REDIS_PREFIX);
        const auth = bitrix24AppAuthFromEnv(settings, { redis, keys });
        let tokens;
        if (opts.refreshToken !== undefined) {
          if (code !== undefined) throw new UsageError('give either a code or --refresh-token');
          tokens = await auth.adoptRefreshToken(opts.refreshToken);
        } else {
          const state = randomBytes(8).toString('hex');
          let answer = code;
          if (answer === undefined) {
            process.stdout.write(`Open as a portal administrator:\n  ${auth.authorizeUrl(state)}\n`);
            answer = await askLine('Paste the address the browser was sent to (within 30 seconds): ');
          }
          tokens = await auth.exchangeCode(authorizationCode(answer, code === undefined ? state : undefined));
        }
        process.stdout.write(
          `authorised: member_id ${printable(tokens.memberId || '-')}, scope ${printable(tokens.scope || '-')}; ` +
            `tokens kept in Redis at ${bitrix24Keys(keys).oauth}; the access token is renewed as needed\n`,
        );
      });
    });
}

/** The `code` from a pasted redirect address (its `state` must be ours when we made the link), or the bare code. */
export function authorizationCode(answer: string, expectedState?: string): string {
  const text = answer.trim();
  if (/^https?:\/\//i.test(text)) {
    const url = new URL(text);
    const code = url.searchParams.get('code');
    if (!code) throw new UsageError('the pasted address has no code=… in it');
    const state = url.searchParams.get('state');
    if (expectedState !== undefined && state !== null && state !== expectedState)
      throw new UsageError('the pasted address is from another authorisation (its state differs); start again');
    return code;
  }
  const bare = text.replace(/^code=/, '');
  if (!/^[A-Za-z0-9._-]+$/.test(bare)) throw new UsageError('that is neither an address nor an authorization code');
  return bare;
}

async function askLine(prompt: string): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return await new Promise<string>((resolve) => rl.question(prompt, resolve));
  } finally {
    rl.close();
  }
}
