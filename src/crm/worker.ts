// The CRM worker: reads the events stream with the `crm` consumer group, does each event's
// CRM work and acknowledges only then. Failed deliveries stay pending and are claimed again
// (by any worker) once idle for claimIdleMs; after maxDeliveries, or at once for a
// permanent error or an invalid event, the event moves to the dead-letter stream.
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { FIELD_EVENT, FIELD_ID, type StreamKeys } from '../store/eventStream';
import { runLua } from '../store/luaScripts';
import type { AfterHoursEvent } from '../events/types';
import { parseEvent } from '../events/validate';
import { outcomeText } from '../actions/outcomes';
import { decideCrmActions, needsLookup, type LookupResult } from '../policy/crmPolicy';
import { backoffDelay, sleep, type Sleep } from '../shared/backoff';
import { CrmBlockedError, errorMessage, PermanentCrmError, type CrmAdapter } from './adapter';
import { fieldMap, moveToDead } from './deadLetters';
import { DONE_FIELD, JOURNAL_TTL_SECONDS, RedisStepJournal } from './journal';
import { lastErrorKey, lockKey, stepsKey } from './keys';
import { traceCrmStep } from './crmTiming';
import type { CrmMetrics } from './metrics';

export interface CrmWorkerOptions {
  /** Commands. */
  redis: Redis;
  /** Blocking XREADGROUP only; a connection of its own. */
  reader: Redis;
  keys: StreamKeys;
  adapter: CrmAdapter;
  logger: Logger;
  metrics?: CrmMetrics;
  /** Unique per worker; default host-pid-random. */
  consumer?: string;
  batchSize?: number;
  blockMs?: number;
  /** An entry pending this long without a heartbeat belongs to a dead worker. */
  claimIdleMs?: number;
  /** How often to look for such entries; default claimIdleMs / 2. */
  claimIntervalMs?: number;
  /** Deliveries (first read plus claims) before an event is dead-lettered. */
  maxDeliveries?: number;
  /** One event's CRM work is abandoned (and retried later) after this long. */
  eventTimeoutMs?: number;
  /** How long stop() waits for the event in hand before abandoning it. */
  stopGraceMs?: number;
  /**
   * The clock and the wait used when the CRM blocks a method until a given time
   * (CrmBlockedError): tests pass a fake one. Default: Date.now and a timer.
   */
  clock?: { now: () => number; sleep: Sleep };
  /** Longest wait for such a block before the event is failed like any other error (default 15 minutes; Bitrix24 blocks for at most 10). */
  maxBlockWaitMs?: number;
}

type Entry = [id: string, fields: string[]];

export class CrmWorker {
  readonly consumer: string;
  private readonly o: Required<Omit<CrmWorkerOptions, 'metrics' | 'consumer'>> & Pick<CrmWorkerOptions, 'metrics'>;
  private running = false;
  private loop: Promise<void> | undefined;
  private readerId: number | undefined;
  /** Aborts the event in hand; fired by stop() after the grace period. */
  private current: AbortController | undefined;
  private stopping: AbortController = new AbortController();
  private lastLoopError: string | undefined;

  constructor(options: CrmWorkerOptions) {
    const claimIdleMs = options.claimIdleMs ?? 60_000;
    this.o = {
      batchSize: 10,
      blockMs: 5000,
      claimIntervalMs: Math.max(100, Math.floor(claimIdleMs / 2)),
      maxDeliveries: 5,
      eventTimeoutMs: 5 * 60_000,
      stopGraceMs: 10_000,
      clock: { now: Date.now, sleep },
      maxBlockWaitMs: 15 * 60_000,
      ...options,
      claimIdleMs,
    };
    this.consumer = options.consumer ?? `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  }

  /** Creates the group if needed and starts reading in the background. */
  async start(): Promise<void> {
    if (this.running) return;
    await ensureGroup(this.o.redis, this.o.keys);
    this.readerId = Number(await this.o.reader.client('ID'));
    this.o.reader.on('ready', this.onReaderReady);
    this.running = true;
    this.stopping = new AbortController();
    this.loop = this.run();
    this.o.logger.info({ consumer: this.consumer, stream: this.o.keys.stream, adapter: this.o.adapter.name }, 'crm worker started');
  }

  /** Stops reading, lets the event in hand finish (up to stopGraceMs), then returns. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.stopping.abort(new Error('worker stopping'));
    this.o.reader.off('ready', this.onReaderReady);
    if (this.readerId !== undefined) {
      // Wake the blocked XREADGROUP instead of waiting out blockMs.
      await this.o.redis.client('UNBLOCK', this.readerId).catch(() => undefined);
    }
    const grace = setTimeout(() => this.current?.abort(new Error('worker stopped')), this.o.stopGraceMs);
    try {
      await this.loop;
    } finally {
      clearTimeout(grace);
    }
    this.o.logger.info({ consumer: this.consumer }, 'crm worker stopped');
  }

  healthy(): boolean {
    return this.running && this.o.redis.status === 'ready' && this.o.reader.status === 'ready' && this.lastLoopError === undefined;
  }

  private readonly onReaderReady = (): void => {
    this.o.reader.client('ID').then(
      (id) => (this.readerId = Number(id)),
      () => undefined,
    );
  };

  private async run(): Promise<void> {
    let nextClaim = 0;
    let failures = 0;
    while (this.running) {
      try {
        if (Date.now() >= nextClaim) {
          await this.claimStale();
          nextClaim = Date.now() + this.o.claimIntervalMs;
        }
        const reply = (await this.o.reader.xreadgroup(
          'GROUP',
          this.o.keys.group,
          this.consumer,
          'COUNT',
          this.o.batchSize,
          'BLOCK',
          Math.min(this.o.blockMs, this.o.claimIntervalMs),
          'STREAMS',
          this.o.keys.stream,
          '>',
        )) as [string, Entry[]][] | null;
        for (const [, entries] of reply ?? []) {
          for (const entry of entries) {
            if (!this.running) break; // stays pending; claimed later
            await this.handle(entry, 1);
          }
        }
        failures = 0;
        this.lastLoopError = undefined;
      } catch (err) {
        if (!this.running) break;
        if (err instanceof Error && err.message.startsWith('NOGROUP')) {
          await ensureGroup(this.o.redis, this.o.keys).catch(() => undefined);
        }
        this.lastLoopError = errorMessage(err);
        const delay = backoffDelay(failures++, { baseMs: 200, maxMs: 10_000 });
        this.o.logger.error({ err, delayMs: delay }, 'crm worker: redis error; retrying');
        await sleep(delay, this.stopping.signal).catch(() => undefined);
      }
    }
  }

  /** XAUTOCLAIM entries idle past claimIdleMs (their worker died or failed) and handle them. */
  async claimStale(): Promise<void> {
    let cursor = '0-0';
    do {
      const [next, entries] = (await this.o.redis.xautoclaim(
        this.o.keys.stream,
        this.o.keys.group,
        this.consumer,
        this.o.claimIdleMs,
        cursor,
        'COUNT',
        this.o.batchSize,
      )) as [string, (Entry | null)[], string[]?];
      cursor = next;
      const claimed = entries.filter((e): e is Entry => e !== null);
      if (claimed.length === 0) continue;
      const deliveries = await this.deliveryCounts(claimed.map(([id]) => id));
      for (const entry of claimed) {
        if (!this.running) return;
        this.o.logger.info({ entryId: entry[0], deliveries: deliveries.get(entry[0]) }, 'claimed a stale event');
        await this.handle(entry, deliveries.get(entry[0]) ?? this.o.maxDeliveries);
      }
    } while (cursor !== '0-0' && this.running);
  }

  private async deliveryCounts(ids: string[]): Promise<Map<string, number>> {
    const sorted = [...ids].sort(compareEntryIds);
    const rows = (await this.o.redis.xpending(
      this.o.keys.stream,
      this.o.keys.group,
      sorted[0] as string,
      sorted[sorted.length - 1] as string,
      ids.length + 100,
      this.consumer,
    )) as [string, string, number, number][];
    return new Map(rows.map(([id, , , count]) => [id, Number(count)]));
  }

  private async handle([entryId, rawFields]: Entry, deliveries: number): Promise<void> {
    const { redis, keys, adapter, logger, metrics } = this.o;
    const fields = fieldMap(rawFields);
    const eventId = fields.get(FIELD_ID) ?? '';
    const json = fields.get(FIELD_EVENT) ?? '';
    const log = logger.child({ entryId, eventId, deliveries });

    if (deliveries > this.o.maxDeliveries) {
      const last = await redis.get(lastErrorKey(keys, entryId));
      await this.deadLetter(
        entryId,
        eventId,
        json,
        `${last ?? 'no error recorded (the worker handling it died)'}; gave up after ${deliveries - 1} deliveries`,
        deliveries,
        log,
        undefined,
        eventDelayMs(json),
      );
      return;
    }

    const parsed = parseEvent(json);
    if (!parsed.ok) {
      metrics?.failed.inc({ adapter: adapter.name, kind: 'invalid' });
      await this.deadLetter(entryId, eventId, json, `invalid event: ${parsed.errors.join('; ')}`, deliveries, log);
      return;
    }
    const event = parsed.event;
    const journal = new RedisStepJournal(redis, keys, event.id);
    if (await journal.isDone()) {
      // The same event again (a raw re-send, or a retry of one that completed): nothing to do.
      await this.complete(entryId, event.id, false);
      metrics?.duplicates.inc({ adapter: adapter.name });
      log.info('event already done; acknowledged');
      return;
    }

    const lock = lockKey(keys, event.id);
    // As long as an entry may stay idle: a dead worker's lock expires when its entry becomes claimable.
    const lockMs = this.o.claimIdleMs;
    if ((await redis.set(lock, this.consumer, 'PX', lockMs, 'NX')) === null) {
      // Another worker is on this event right now (a duplicate entry); leave ours pending,
      // a later claim finds it done and acknowledges it.
      log.info('event is being handled by another worker; left pending');
      return;
    }

    let controller = new AbortController();
    this.current = controller;
    let timeout = setTimeout(
      () => controller.abort(new Error(`event took longer than ${this.o.eventTimeoutMs} ms`)),
      this.o.eventTimeoutMs,
    );
    const heartbeat = setInterval(
      () => {
        // Keep the entry from looking idle (JUSTID does not count a delivery) and the lock alive.
        redis.xclaim(keys.stream, keys.group, this.consumer, 0, entryId, 'JUSTID').catch(() => undefined);
        redis.pexpire(lock, lockMs).catch(() => undefined);
      },
      Math.max(50, Math.floor(this.o.claimIdleMs / 3)),
    );
    try {
      for (;;) {
        try {
          await this.process(event, controller.signal);
          break;
        } catch (err) {
          // A method blocked until a known time (Bitrix24's OPERATION_TIME_LIMIT, up to ten
          // minutes): keep the event (the heartbeat keeps it ours) and wait, then carry on from
          // the journal, rather than spend its deliveries on a block that cannot lift sooner.
          const waitMs = err instanceof CrmBlockedError ? err.until - this.o.clock.now() : 0;
          if (!(err instanceof CrmBlockedError) || !this.running || waitMs > this.o.maxBlockWaitMs) throw err;
          clearTimeout(timeout);
          log.warn(
            { err, waitMs, until: new Date(err.until).toISOString() },
            'crm method blocked; waiting until it lifts (the delivery is not spent)',
          );
          await this.o.clock.sleep(Math.max(0, waitMs), this.stopping.signal).catch(() => undefined);
          if (!this.running) {
            await runLua(redis, 'lockRelease', [lock], [this.consumer]).catch(() => undefined);
            log.warn('stopped while waiting for a blocked crm method; left pending for another worker');
            return;
          }
          controller = new AbortController();
          this.current = controller;
          timeout = setTimeout(
            () => controller.abort(new Error(`event took longer than ${this.o.eventTimeoutMs} ms`)),
            this.o.eventTimeoutMs,
          );
        }
      }
      await this.complete(entryId, event.id, true);
      metrics?.processed.inc({ adapter: adapter.name });
      const delayMs = eventDelayMs(event);
      if (delayMs !== undefined) metrics?.delay.observe({ adapter: adapter.name, outcome: 'done' }, delayMs / 1000);
      log.info({ delayMs }, 'crm work done');
    } catch (err) {
      await runLua(redis, 'lockRelease', [lock], [this.consumer]).catch(() => undefined);
      if (!this.running && controller.signal.aborted) {
        log.warn('stopped mid-event; left pending for another worker');
        return;
      }
      const message = errorMessage(err);
      const permanent = err instanceof PermanentCrmError;
      metrics?.failed.inc({ adapter: adapter.name, kind: permanent ? 'permanent' : 'transient' });
      await redis.set(lastErrorKey(keys, entryId), message, 'EX', JOURNAL_TTL_SECONDS).catch(() => undefined);
      if (permanent || deliveries >= this.o.maxDeliveries) {
        await this.deadLetter(entryId, event.id, json, message, deliveries, log, err, eventDelayMs(event));
      } else {
        log.warn({ err, retryAfterMs: this.o.claimIdleMs }, 'crm work failed; left pending for a retry');
      }
    } finally {
      clearTimeout(timeout);
      clearInterval(heartbeat);
      this.current = undefined;
    }
  }

  private async process(event: AfterHoursEvent, signal: AbortSignal): Promise<void> {
    const lookup: LookupResult = needsLookup(event)
      ? await traceCrmStep('lookup', () => this.o.adapter.lookupCaller(event.caller, signal))
      : { kind: 'skipped' };
    const actions = decideCrmActions(event, lookup, outcomeText(event.outcome, event.crm.language));
    const journal = new RedisStepJournal(this.o.redis, this.o.keys, event.id);
    await traceCrmStep('apply', () => this.o.adapter.apply(event, actions, { journal, signal }));
  }

  private async complete(entryId: string, eventId: string, releaseLock: boolean): Promise<void> {
    const { redis, keys } = this.o;
    await runLua(
      redis,
      'crmComplete',
      [stepsKey(keys, eventId), keys.stream, lastErrorKey(keys, entryId), lockKey(keys, eventId)],
      [new Date().toISOString(), JOURNAL_TTL_SECONDS, keys.group, entryId, releaseLock ? this.consumer : '\u0000'],
    );
  }

  /** `cause`: the error object when there is one, logged with its stack; `error` is what the dead letter keeps. */
  private async deadLetter(
    entryId: string,
    eventId: string,
    json: string,
    error: string,
    deliveries: number,
    log: Logger,
    cause?: unknown,
    delayMs?: number,
  ): Promise<void> {
    const deadId = await moveToDead(this.o.redis, this.o.keys, {
      sourceId: entryId,
      eventId,
      event: json,
      error,
      deliveries,
      failedAt: new Date(),
    });
    this.o.metrics?.deadLettered.inc({ adapter: this.o.adapter.name });
    if (delayMs !== undefined) this.o.metrics?.delay.observe({ adapter: this.o.adapter.name, outcome: 'dead' }, delayMs / 1000);
    log.error(
      { deadId, reason: error, ...(cause === undefined ? {} : { err: cause }), ...(delayMs === undefined ? {} : { delayMs }) },
      'event moved to the dead-letter stream',
    );
  }
}

/**
 * What a worker process' /healthz reports: ready while every consumer runs and no CRM needs an
 * operator (a Bitrix24 application that must be authorised again); the reasons under `crm`.
 */
export function crmWorkerHealth(workers: readonly CrmWorker[], adapters: readonly CrmAdapter[]): { ready: boolean; crm?: string[] } {
  const problems = [...new Set(adapters.map((a) => a.health?.().problem).filter((p): p is string => p !== undefined))];
  return { ready: workers.every((w) => w.healthy()) && problems.length === 0, ...(problems.length > 0 ? { crm: problems } : {}) };
}

/** Creates the consumer group (and the stream) if missing; an existing group is fine. */
export async function ensureGroup(redis: Redis, keys: StreamKeys): Promise<void> {
  try {
    await redis.xgroup('CREATE', keys.stream, keys.group, '0', 'MKSTREAM');
  } catch (err) {
    if (!(err instanceof Error && err.message.startsWith('BUSYGROUP'))) throw err;
  }
}

/** Milliseconds from the call (the event's time) until now; undefined for an unreadable time. */
function eventDelayMs(event: AfterHoursEvent | string): number | undefined {
  let time: unknown;
  if (typeof event === 'string') {
    try {
      time = (JSON.parse(event) as { time?: unknown } | null)?.time;
    } catch {
      return undefined;
    }
  } else time = event.time;
  const at = typeof time === 'string' ? Date.parse(time) : NaN;
  return Number.isFinite(at) ? Math.max(0, Date.now() - at) : undefined;
}

function compareEntryIds(a: string, b: string): number {
  const [am, as] = a.split('-').map(BigInt) as [bigint, bigint];
  const [bm, bs] = b.split('-').map(BigInt) as [bigint, bigint];
  return am === bm ? (as < bs ? -1 : as > bs ? 1 : 0) : am < bm ? -1 : 1;
}

export { DONE_FIELD };
