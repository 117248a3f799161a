import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { AriEventDispatcher } from '../ari/ariEventDispatcher';
import { LATENCY_BUCKETS, registerProcessMetrics } from '../shared/processMetrics';
import type { EventSpool } from '../store/eventSpool';

// The daemon's Prometheus metrics: what GET /metrics shows. The daemon reports calls, timings
// and the ARI state here; the gauges read the router, the spool, the configuration and the
// overrides when scraped. deploy/grafana/after-hours.json charts them.

export interface DaemonMetrics {
  readonly registry: Registry;
  /** A call was handled: its plan (continue, an action, unknown, error) and outcome. */
  callHandled(plan: string, outcome?: string): void;
  /** A call's set-up: StasisStart received until its first ARI command (`command`, e.g. channels.hangup) was sent. */
  callSetUp(command: string, seconds: number): void;
  /** One ARI REST request: its operation (channels.answer…), status class (2xx, 4xx, 5xx, error) and time. */
  ariRequest(operation: string, status: string, seconds: number): void;
  ariState(state: string): void;
  /** A greeting or announcement that did not play, or a voicemail that was not recorded. */
  mediaFailed(what: 'playback' | 'recording', reason: string): void;
  /** The spool's disk refused an event (errno `code`); `lost` when Redis did not take it directly either. */
  spoolWriteFailed(code: string, lost: boolean): void;
  /** Stops what runs in the background (Redis command timing). */
  close(): void;
}

export interface DaemonMetricSources {
  router: AriEventDispatcher;
  spool: EventSpool;
  /** The pushed configuration's version in force; 0 while the start-up file is. */
  configVersion: () => number;
  /** Overrides in force now (not expired). */
  overridesInForce: () => number;
}

export function createDaemonMetrics(sources: DaemonMetricSources): DaemonMetrics {
  const registry = new Registry();
  const close = registerProcessMetrics(registry);
  const calls = new Counter({
    name: 'after_hours_calls_total',
    help: 'Calls handled, by plan and outcome.',
    labelNames: ['plan', 'outcome'],
    registers: [registry],
  });
  const setUp = new Histogram({
    name: 'after_hours_call_setup_seconds',
    help: "Seconds from a call's StasisStart until its first ARI command was sent, by that command (channels.continueInDialplan: open; channels.hangup: a reject; channels.answer, channels.ring…).",
    labelNames: ['command'],
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const ari = new Histogram({
    name: 'after_hours_ari_request_duration_seconds',
    help: "ARI REST requests, sent until answered, by operation (ARI's names: channels.answer, bridges.addChannel…) and status (2xx, 4xx, 5xx, error: no answer).",
    labelNames: ['operation', 'status'],
    buckets: LATENCY_BUCKETS,
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
    help: 'Spool depth: events waiting for Redis in the local spool (and, while its disk refuses writes, in memory).',
    registers: [registry],
    async collect() {
      this.set(await spool.pending().catch(() => 0));
    },
  });
  const spoolFailures = new Counter({
    name: 'after_hours_spool_write_failures_total',
    help: "Events the spool's disk refused, by errno (ENOSPC: full); each went to Redis directly, was held in memory for a retry, or is counted in after_hours_events_lost_total.",
    labelNames: ['code'],
    registers: [registry],
  });
  const lost = new Counter({
    name: 'after_hours_events_lost_total',
    help: 'Events neither spooled nor sent (disk full and Redis unreachable): their CRM work will not happen.',
    registers: [registry],
  });
  new Gauge({
    name: 'after_hours_config_version',
    help: 'The pushed configuration version in force (0: the start-up file).',
    registers: [registry],
    collect() {
      this.set(sources.configVersion());
    },
  });
  new Gauge({
    name: 'after_hours_overrides_in_force',
    help: 'Overrides in force now (set and not expired).',
    registers: [registry],
    collect() {
      this.set(sources.overridesInForce());
    },
  });
  const ariUp = new Gauge({ name: 'after_hours_ari_registered', help: '1 when the Stasis app is registered.', registers: [registry] });
  const reconnects = new Counter({
    name: 'after_hours_ari_reconnects_total',
    help: 'Times the ARI event websocket was registered again after it had been lost.',
    registers: [registry],
  });
  const media = new Counter({
    name: 'after_hours_media_failures_total',
    help: 'Greetings or announcements the caller did not hear (what=playback) and voicemails not recorded (what=recording), by reason.',
    labelNames: ['what', 'reason'],
    registers: [registry],
  });
  let everRegistered = false;
  return {
    registry,
    mediaFailed: (what, reason) => media.inc({ what, reason }),
    callHandled: (plan, outcome) => calls.inc({ plan, outcome: outcome ?? plan }),
    callSetUp: (command, seconds) => setUp.observe({ command }, seconds),
    ariRequest: (operation, status, seconds) => ari.observe({ operation, status }, seconds),
    ariState: (state) => {
      const up = state === 'registered';
      if (up && everRegistered) reconnects.inc();
      everRegistered ||= up;
      ariUp.set(up ? 1 : 0);
    },
    spoolWriteFailed: (code, wasLost) => {
      spoolFailures.inc({ code });
      if (wasLost) lost.inc();
    },
    close,
  };
}
