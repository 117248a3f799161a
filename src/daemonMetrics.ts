import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { CallRouter } from './ari/callRouter';
import type { EventSpool } from './store/eventSpool';

// The daemon's Prometheus metrics: what GET /metrics shows. The daemon reports calls and the
// ARI state here; the gauges read the router and the spool when scraped.

export interface DaemonMetrics {
  readonly registry: Registry;
  /** A call was handled: its plan (continue, an action, unknown, error) and outcome. */
  callHandled(plan: string, outcome?: string): void;
  ariState(state: string): void;
  /** A greeting or announcement that did not play, or a voicemail that was not recorded. */
  mediaFailed(what: 'playback' | 'recording', reason: string): void;
}

export function createDaemonMetrics(sources: { router: CallRouter; spool: EventSpool }): DaemonMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'after_hours_' });
  const calls = new Counter({
    name: 'after_hours_calls_total',
    help: 'Calls handled, by plan and outcome.',
    labelNames: ['plan', 'outcome'],
    registers: [registry],
  });
  const { router, spool } = sources;
  new Gauge({
    name: 'after_hours_active_calls',
    help: 'Calls the daemon is handling now.',
    registers: [registry],
    collect() {
      this.set(router.size.calls);
    },
  });
  new Gauge({
    name: 'after_hours_spooled_events',
    help: 'Events waiting in the local spool for Redis.',
    registers: [registry],
    async collect() {
      this.set(await spool.pending());
    },
  });
  const ariUp = new Gauge({ name: 'after_hours_ari_registered', help: '1 when the Stasis app is registered.', registers: [registry] });
  const media = new Counter({
    name: 'after_hours_media_failures_total',
    help: 'Greetings or announcements the caller did not hear (what=playback) and voicemails not recorded (what=recording), by reason.',
    labelNames: ['what', 'reason'],
    registers: [registry],
  });
  return {
    registry,
    mediaFailed: (what, reason) => media.inc({ what, reason }),
    callHandled: (plan, outcome) => calls.inc({ plan, outcome: outcome ?? plan }),
    ariState: (state) => ariUp.set(state === 'registered' ? 1 : 0),
  };
}
