import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import type { Registry } from 'prom-client';
import { AriEventDispatcher } from '../../../src/ari/ariEventDispatcher';
import { collectWorkerProcessMetrics, createCrmMetrics } from '../../../src/crm/metrics';
import { createDaemonMetrics } from '../../../src/daemon/daemonMetrics';
import { streamKeys } from '../../../src/store/eventStream';
import { packageRoot } from '../../../src/shared/paths';
import type { EventSpool } from '../../../src/store/eventSpool';

// deploy/grafana/after-hours.json queries only metrics the daemon and the worker register, and
// charts what operators need: a renamed metric breaks this test, not a dashboard at 3 a.m.

interface Panel {
  type: string;
  title: string;
  datasource?: { uid?: string };
  targets?: { expr: string; datasource?: { uid?: string } }[];
  panels?: Panel[];
}

const dashboard = JSON.parse(readFileSync(join(packageRoot(), 'deploy', 'grafana', 'after-hours.json'), 'utf8')) as {
  panels: Panel[];
  templating: { list: { type: string; name: string; query: string }[] };
};
const panels = dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
const queries = panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));

const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'and', 'or', 'unless', 'offset']);

/** The metric names a PromQL expression reads: identifiers left once strings, label matchers, ranges, label lists and function calls are gone. */
function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, ' ')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const names: string[] = [];
  for (const m of bare.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*/g)) {
    const after = bare.slice((m.index ?? 0) + m[0].length);
    if (/^\s*\(/.test(after) || KEYWORDS.has(m[0])) continue; // a function or an aggregation
    names.push(m[0]);
  }
  return names;
}

/** Every series name a registry exposes (a histogram's _bucket, _sum and _count). */
async function exposed(registry: Registry): Promise<Set<string>> {
  const names = new Set<string>();
  for (const m of await registry.getMetricsAsJSON()) {
    const type = String(m.type);
    const suffixes = type === 'histogram' ? ['_bucket', '_sum', '_count'] : type === 'summary' ? ['', '_sum', '_count'] : [''];
    for (const s of suffixes) names.add(`${m.name}${s}`);
  }
  return names;
}

describe('the Grafana dashboard', () => {
  let registered: Set<string>;
  beforeAll(async () => {
    const daemon = createDaemonMetrics({
      router: new AriEventDispatcher(),
      spool: { pending: async () => 0 } as unknown as EventSpool,
      configVersion: () => 0,
      overridesInForce: () => 0,
    });
    const redis = { xinfo: async () => [], xlen: async () => 0 } as unknown as Redis;
    const worker = createCrmMetrics(redis, streamKeys('dashboard-test:'));
    const stopWorker = collectWorkerProcessMetrics(worker);
    registered = new Set([...(await exposed(daemon.registry)), ...(await exposed(worker.registry))]);
    daemon.close();
    stopWorker();
  });

  test('the parser finds metric names and nothing else', () => {
    expect(
      metricNames(
        'histogram_quantile(0.99, sum by (le, command) (rate(after_hours_call_setup_seconds_bucket{job=~"a|b"}[$__rate_interval])))',
      ),
    ).toEqual(['after_hours_call_setup_seconds_bucket']);
    expect(metricNames('sum(increase(a_total[$__range])) / on(instance) group_left(job) b or vector(0)')).toEqual(['a_total', 'b']);
  });

  test('every query names only metrics the daemon and the worker register', () => {
    expect(queries.length).toBeGreaterThan(20);
    const unknown = queries.flatMap((q) =>
      metricNames(q)
        .filter((n) => !registered.has(n))
        .map((n) => `${n} in ${q}`),
    );
    expect(unknown).toEqual([]);
  });

  test('it charts calls, set-up, ARI, Redis, CRM steps, end to end, the spool, reconnects and memory', () => {
    const used = new Set(queries.flatMap(metricNames));
    for (const m of [
      'after_hours_calls_total',
      'after_hours_call_setup_seconds_bucket',
      'after_hours_ari_request_duration_seconds_bucket',
      'after_hours_redis_command_duration_seconds_bucket',
      'after_hours_crm_request_duration_seconds_bucket',
      'after_hours_crm_step_duration_seconds_bucket',
      'after_hours_crm_event_delay_seconds_bucket',
      'after_hours_spooled_events',
      'after_hours_spool_write_failures_total',
      'after_hours_events_lost_total',
      'after_hours_ari_reconnects_total',
      'after_hours_config_version',
      'after_hours_overrides_in_force',
      'process_resident_memory_bytes',
    ])
      expect([m, used.has(m)]).toEqual([m, true]);
  });

  test('Node default metrics carry no project prefix, so stock dashboards find them', () => {
    expect(registered.has('process_resident_memory_bytes')).toBe(true);
    expect(registered.has('nodejs_heap_size_used_bytes')).toBe(true);
    expect([...registered].filter((n) => n.startsWith('after_hours_process_') || n.startsWith('after_hours_nodejs_'))).toEqual([]);
  });

  test('every panel reads the datasource variable, which the dashboard defines', () => {
    expect(dashboard.templating.list).toContainEqual(
      expect.objectContaining({ type: 'datasource', name: 'datasource', query: 'prometheus' }),
    );
    const charts = panels.filter((p) => p.type !== 'row');
    expect(
      charts.filter((p) => p.datasource?.uid !== '${datasource}' || p.targets?.some((t) => t.datasource?.uid !== '${datasource}')),
    ).toEqual([]);
  });
});
