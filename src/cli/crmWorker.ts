// after-hours crm-worker [--config FILE]            run the CRM worker
// after-hours crm-worker dead list [--json]         show dead letters
// after-hours crm-worker dead retry ID | --all      put dead letters back on the stream
import { ConfigInvalidError } from '../config/errors';
import { loadConfig } from '../config/load';
import { Command } from 'commander';
import { Redis } from 'ioredis';
import { streamKeys, type StreamKeys } from '../events/stream';
import { createAdapter, type Env } from '../crm/adapters';
import { listDead, retryAllDead, retryDead } from '../crm/deadLetters';
import { startMetricsServer } from '../httpEndpoints';
import { createLogger } from '../log';
import { createCrmMetrics } from '../crm/metrics';
import { CrmWorker } from '../crm/worker';
import { printable } from '../util/printable';
import { UsageError } from './usageError';

export const DEFAULT_METRICS_PORT = 9465;

function redisUrl(env: Env): string {
  return env.REDIS_URL ?? 'redis://127.0.0.1:6379';
}

function keysFrom(env: Env): StreamKeys {
  return streamKeys(env.REDIS_PREFIX ?? 'after-hours:');
}

function intEnv(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a whole number (got "${raw}")`);
  return n;
}

async function withRedis<T>(env: Env, fn: (redis: Redis) => Promise<T>): Promise<T> {
  const redis = new Redis(redisUrl(env), { maxRetriesPerRequest: 2 });
  try {
    return await fn(redis);
  } finally {
    redis.disconnect();
  }
}

/** Runs until SIGINT/SIGTERM. */
export async function runCrmWorker(opts: { config?: string }, env: Env = process.env): Promise<void> {
  if (opts.config !== undefined) {
    // Events carry their number's crm settings, so the worker needs no schedules; the file
    // is still validated, so a worker never starts next to a configuration the daemon refuses.
    const loaded = loadConfig(opts.config);
    if (!loaded.ok) throw new ConfigInvalidError(loaded.errors);
  }
  const logger = createLogger('after-hours-crm');
  const keys = keysFrom(env);
  const adapter = createAdapter(env, logger);
  const redis = new Redis(redisUrl(env));
  const reader = new Redis(redisUrl(env));
  const metrics = createCrmMetrics(redis, keys);
  const worker = new CrmWorker({
    redis,
    reader,
    keys,
    adapter,
    logger,
    metrics,
    claimIdleMs: intEnv(env, 'CRM_CLAIM_IDLE_MS', 60_000),
    maxDeliveries: intEnv(env, 'CRM_MAX_DELIVERIES', 5),
  });
  const server = await startMetricsServer({ port: intEnv(env, 'METRICS_PORT', DEFAULT_METRICS_PORT), registry: metrics.registry, health: () => ({ ready: worker.healthy() }) });
  await worker.start();
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await worker.stop();
  await adapter.close?.();
  await server.close();
  redis.disconnect();
  reader.disconnect();
}

export function registerCrmWorkerCommand(program: Command): void {
  const crm = program
    .command('crm-worker')
    .description('Turn after-hours call events into CRM work (Bitrix24 or a signed webhook)')
    .option('--config <file>', 'the after-hours YAML config (validated; the worker refuses to start on a bad file)')
    .addHelpText(
      'after',
      `
Environment:
  REDIS_URL              redis://127.0.0.1:6379 by default
  REDIS_PREFIX           key prefix, "after-hours:" by default
  CRM_ADAPTER            bitrix24 (default) or webhook; any other name is refused
  BITRIX24_WEBHOOK_URL   https://PORTAL/rest/USER_ID/TOKEN/ (secret; http:// is refused)
  BITRIX24_ALLOW_INSECURE_HTTP=1    accept an http:// URL (a local test server only)
  ARI_URL, ARI_USER, ARI_PASSWORD   where voicemail recordings are fetched from
  WEBHOOK_URL, WEBHOOK_SECRET       for CRM_ADAPTER=webhook
  METRICS_PORT           /metrics and /healthz, ${DEFAULT_METRICS_PORT} by default`,
    )
    .action(async (opts: { config?: string }) => runCrmWorker(opts));

  const dead = crm.command('dead').description('Inspect and retry events the worker gave up on');

  dead
    .command('list')
    .description('List dead letters: id, event id, when, error')
    .option('--json', 'one JSON object per line (the text form shows control characters escaped)')
    .action(async (opts: { json?: boolean }) => {
      const env: Env = process.env;
      const letters = await withRedis(env, (redis) => listDead(redis, keysFrom(env)));
      for (const d of letters) {
        if (opts.json) process.stdout.write(`${JSON.stringify(d)}\n`);
        else process.stdout.write(`${printable(d.deadId)}\t${printable(d.eventId || '-')}\t${printable(d.failedAt)}\tdeliveries=${d.deliveries}\t${printable(d.error)}\n`);
      }
      if (!opts.json) process.stderr.write(`${letters.length} dead letter(s)\n`);
    });

  dead
    .command('retry')
    .description('Put a dead letter (by its dead-letter id or event id), or all of them, back on the events stream; --all retries each dead letter there is when it starts, once')
    .argument('[id]', 'dead-letter entry id (as listed) or event id')
    .option('--all', 'retry every dead letter')
    .action(async (id: string | undefined, opts: { all?: boolean }) => {
      if ((id === undefined) === !opts.all) throw new UsageError('give either an ID or --all');
      const env: Env = process.env;
      await withRedis(env, async (redis) => {
        const keys = keysFrom(env);
        if (opts.all) {
          const entries = await retryAllDead(redis, keys);
          process.stdout.write(`${entries.length} event(s) back on ${keys.stream}\n`);
          return;
        }
        const entry = await retryDead(redis, keys, id as string);
        if (entry === null) throw new Error(`no dead letter ${printable(id as string)}`);
        process.stdout.write(`${id} back on ${keys.stream} as ${entry}\n`);
      });
    });
}
