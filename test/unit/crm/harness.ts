import type { Redis } from 'ioredis';
import pino, { type Logger } from 'pino';
import type { RecordingFetcher } from '../../../src/crm/adapter';
import { Bitrix24Adapter, type Bitrix24Options } from '../../../src/crm/bitrix24';
import { Bitrix24AppAuth, type Bitrix24AppOptions } from '../../../src/crm/bitrix24Auth';
import { bitrix24Keys } from '../../../src/crm/keys';
import { createCrmMetrics, type CrmMetrics } from '../../../src/crm/metrics';
import { CrmWorker, type CrmWorkerOptions } from '../../../src/crm/worker';
import { streamKeys, type StreamKeys } from '../../../src/store/eventStream';
import type { AfterHoursEvent } from '../../../src/events/types';
import type { FakeBitrix24 } from '../../support/fakeBitrix24';
import type { RedisServer } from '../../support/redisServer';

export const silent: Logger = pino({ level: 'silent' });

let prefixCounter = 0;
/** Each test gets its own key prefix, so tests cannot see each other's data. */
export function freshKeys(): StreamKeys {
  prefixCounter += 1;
  return streamKeys(`test-${process.pid}-${prefixCounter}:`);
}

export const VOICEMAIL_BYTES = Buffer.from('RIFF....WAVEfmt fake voicemail');

export const fetchRecording: RecordingFetcher = async (rec) =>
  rec.name === 'gone' ? null : { filename: `${rec.name}.${rec.format}`, content: VOICEMAIL_BYTES };

/** A Bitrix24 adapter with fast retries, pointed at the fake. */
export function bitrixAdapter(fake: FakeBitrix24, extra: Partial<Bitrix24Options> = {}): Bitrix24Adapter {
  return new Bitrix24Adapter({
    webhookUrl: fake.webhookUrl,
    allowInsecureHttp: true, // the fake listens on loopback over plain HTTP
    fetchRecording,
    logger: silent,
    ratePerSecond: 1000,
    burst: 50,
    backoffBaseMs: 2,
    backoffMaxMs: 10,
    ...extra,
  });
}

/** The local application's auth against the fake, its tokens under `keys`' prefix. */
export function appAuth(fake: FakeBitrix24, redis: Redis, keys: StreamKeys, extra: Partial<Bitrix24AppOptions> = {}): Bitrix24AppAuth {
  const k = bitrix24Keys(keys);
  return new Bitrix24AppAuth({
    portalUrl: fake.origin,
    clientId: fake.clientId,
    clientSecret: fake.clientSecret,
    oauthTokenUrl: fake.oauthTokenUrl,
    allowInsecureHttp: true,
    redis,
    tokenKey: k.oauth,
    lockKey: k.oauthLock,
    logger: silent,
    ...extra,
  });
}

/** A Bitrix24 adapter as a local application, sharing budget, tokens and lines through Redis. */
export function appAdapter(
  fake: FakeBitrix24,
  redis: Redis,
  keys: StreamKeys,
  extra: Partial<Bitrix24Options> & { authOptions?: Partial<Bitrix24AppOptions> } = {},
): Bitrix24Adapter {
  const { authOptions, ...rest } = extra;
  return bitrixAdapter(fake, { auth: appAuth(fake, redis, keys, { fetch: rest.fetch, ...authOptions }), redis, keys, ...rest });
}

/** What `crm-worker bitrix24-auth` does: the administrator's code exchanged for tokens kept in Redis. */
export async function authorise(fake: FakeBitrix24, redis: Redis, keys: StreamKeys): Promise<void> {
  await appAuth(fake, redis, keys).exchangeCode(fake.issueAuthorizationCode());
}

export interface Running {
  worker: CrmWorker;
  metrics: CrmMetrics;
  redis: Redis;
  reader: Redis;
}

export async function startWorker(
  server: RedisServer,
  keys: StreamKeys,
  options: Partial<CrmWorkerOptions> & Pick<CrmWorkerOptions, 'adapter'>,
): Promise<Running> {
  const redis = server.client();
  const reader = server.client();
  const metrics = createCrmMetrics(redis, keys);
  const worker = new CrmWorker({ redis, reader, keys, logger: silent, metrics, blockMs: 200, ...options });
  await worker.start();
  return { worker, metrics, redis, reader };
}

/** Polls until `check` returns true (the test's own timeout bounds it). */
export async function waitFor(check: () => boolean | Promise<boolean>, what = 'condition'): Promise<void> {
  for (let i = 0; ; i++) {
    if (await check()) return;
    if (i > 1500) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export async function pendingCount(redis: Redis, keys: StreamKeys): Promise<number> {
  const summary = (await redis.xpending(keys.stream, keys.group)) as [number, ...unknown[]];
  return Number(summary[0]);
}

export async function metricValue(metrics: CrmMetrics, name: string): Promise<number> {
  const all = await metrics.registry.getMetricsAsJSON();
  const m = all.find((x) => x.name === name);
  return (m?.values ?? []).reduce((sum, v) => sum + Number(v.value), 0);
}

/** Writes a dead letter for `event` straight onto the dead-letter stream, as the worker leaves one. */
export async function addDeadLetter(redis: Redis, keys: StreamKeys, event: AfterHoursEvent, deliveries: number): Promise<void> {
  await redis.xadd(
    keys.dead,
    '*',
    'id',
    event.id,
    'event',
    JSON.stringify(event),
    'error',
    'x',
    'deliveries',
    String(deliveries),
    'source',
    '1-0',
    'failedAt',
    new Date().toISOString(),
  );
}
