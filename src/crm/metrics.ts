import type { Redis } from 'ioredis';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { StreamKeys } from '../events/stream';

export interface CrmMetrics {
  registry: Registry;
  processed: Counter<'adapter'>;
  duplicates: Counter<'adapter'>;
  failed: Counter<'adapter' | 'kind'>;
  deadLettered: Counter<'adapter'>;
  /** Seconds from the call (the event's time) until its CRM work was done or given up. */
  delay: Histogram<'adapter' | 'outcome'>;
}

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
    buckets: [1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 4 * 3600, 24 * 3600],
    registers: [registry],
  });
  return { registry, processed, duplicates, failed, deadLettered, delay };
}
