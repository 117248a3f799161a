import type { Redis } from 'ioredis';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { StreamKeys } from '../store/eventStream';
import { registerProcessMetrics } from '../shared/processMetrics';
import { timeCrmWork } from './crmTiming';

export interface CrmMetrics {
  registry: Registry;
  processed: Counter<'adapter'>;
  duplicates: Counter<'adapter'>;
  failed: Counter<'adapter' | 'kind'>;
  deadLettered: Counter<'adapter'>;
  /** Seconds from the call (the event's time) until its CRM work was done or given up. */
  delay: Histogram<'adapter' | 'outcome'>;
  /** One HTTP request to the CRM, by adapter, method (Bitrix24's: crm.lead.add…) and status class. */
  request: Histogram<'adapter' | 'method' | 'status'>;
  /** One step of an event's CRM work: lookup, apply (all of it), or a journaled step (register, notify…). */
  step: Histogram<'step' | 'result'>;
}

/** CRM round trips: 10 ms to a minute (the request timeout is 30 s). */
const CRM_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/** A registry of its own, so several workers (and tests) never collide on metric names. */
export function createCrmMetrics(redis: Redis, keys: StreamKeys): CrmMetrics {
  const registry = new Registry();
  const processed = new Counter({
    name: 'after_hours_crm_events_processed_total',
    help: 'Events whose CRM work completed.',
    labelNames: ['adapter'],
    registers: [registry],
  });
  const duplicates = new Counter({
    name: 'after_hours_crm_events_duplicate_total',
    help: 'Deliveries of events already done, acknowledged without CRM work.',
    labelNames: ['adapter'],
    registers: [registry],
  });
  const failed = new Counter({
    name: 'after_hours_crm_events_failed_total',
    help: 'Failed deliveries, by kind: transient, permanent, invalid.',
    labelNames: ['adapter', 'kind'],
    registers: [registry],
  });
  const deadLettered = new Counter({
    name: 'after_hours_crm_events_dead_lettered_total',
    help: 'Events moved to the dead-letter stream.',
    labelNames: ['adapter'],
    registers: [registry],
  });

  const groupInfo = async (): Promise<{ lag: number; pending: number }> => {
    try {
      const groups = (await redis.xinfo('GROUPS', keys.stream)) as unknown[];
      for (const g of groups) {
        if (!Array.isArray(g)) continue;
        const info = new Map<string, unknown>();
        for (let i = 0; i + 1 < g.length; i += 2) info.set(String(g[i]), g[i + 1]);
        if (info.get('name') === keys.group) return { lag: Number(info.get('lag') ?? 0), pending: Number(info.get('pending') ?? 0) };
      }
    } catch {
      // No stream yet: nothing waits.
    }
    return { lag: 0, pending: 0 };
  };
  new Gauge({
    name: 'after_hours_crm_stream_lag',
    help: 'Events in the stream not yet delivered to the crm group.',
    registers: [registry],
    async collect() {
      this.set((await groupInfo()).lag);
    },
  });
  new Gauge({
    name: 'after_hours_crm_pending',
    help: 'Events delivered but not yet acknowledged.',
    registers: [registry],
    async collect() {
      this.set((await groupInfo()).pending);
    },
  });
  new Gauge({
    name: 'after_hours_crm_dead_letters',
    help: 'Events in the dead-letter stream.',
    registers: [registry],
    async collect() {
      this.set(await redis.xlen(keys.dead).catch(() => 0));
    },
  });
  const delay = new Histogram({
    name: 'after_hours_crm_event_delay_seconds',
    help: 'Seconds from the call (event time, the start of the call) until its CRM work was done (outcome="done") or the event was dead-lettered (outcome="dead").',
    labelNames: ['adapter', 'outcome'],
    buckets: [0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 4 * 3600, 24 * 3600],
    registers: [registry],
  });
  const request = new Histogram({
    name: 'after_hours_crm_request_duration_seconds',
    help: 'HTTP requests to the CRM, sent until answered, by adapter, method (Bitrix24: crm.lead.add…; webhook: POST) and status (2xx, 4xx, 5xx, error: no answer). Rate-limit waits are not included.',
    labelNames: ['adapter', 'method', 'status'],
    buckets: CRM_BUCKETS,
    registers: [registry],
  });
  const step = new Histogram({
    name: 'after_hours_crm_step_duration_seconds',
    help: "Steps of an event's CRM work, with rate-limit waits and retries: lookup, apply (the whole of it), and each journaled step (register, finish, record, notify…); result ok or error.",
    labelNames: ['step', 'result'],
    buckets: [...CRM_BUCKETS, 120, 300],
    registers: [registry],
  });
  return { registry, processed, duplicates, failed, deadLettered, delay, request, step };
}

/**
 * The worker process's own metrics: Node's default metrics, Redis command time, and the CRM
 * request and step times (process-wide: one worker per process). Returns the stop function.
 */
export function collectWorkerProcessMetrics(metrics: CrmMetrics): () => void {
  const stopProcess = registerProcessMetrics(metrics.registry);
  const stopCrm = timeCrmWork({
    request: (adapter, method, status, seconds) => metrics.request.observe({ adapter, method, status }, seconds),
    step: (step, result, seconds) => metrics.step.observe({ step, result }, seconds),
  });
  return () => {
    stopProcess();
    stopCrm();
  };
}
