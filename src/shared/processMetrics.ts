import { collectDefaultMetrics, Gauge, Histogram, type Registry } from 'prom-client';
import { packageVersion } from './paths';
import { timeRedisCommands } from './redisTiming';

// What the daemon, the CRM worker and the console all export: Node's default metrics WITHOUT a
// project prefix (process_resident_memory_bytes, nodejs_heap_size_used_bytes…, the names stock
// dashboards query; each process is told apart by its scrape job), after_hours_build_info, and
// Redis command time.

/** Seconds, for work on the call path and the Redis/ARI round trips under it: 0.1 ms to 10 s. */
export const LATENCY_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Registers the default metrics and Redis command time into `registry`; call the result to stop timing Redis. */
export function registerProcessMetrics(registry: Registry): () => void {
  collectDefaultMetrics({ register: registry });
  registerBuildInfo(registry);
  const redis = new Histogram({
    name: 'after_hours_redis_command_duration_seconds',
    help: "Redis commands, from written to answered, by command (lower case) and result (ok, error). The worker's xreadgroup includes its BLOCK wait.",
    labelNames: ['command', 'result'],
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  return timeRedisCommands((command, result, seconds) => redis.observe({ command, result }, seconds));
}

/** after_hours_build_info{version,node} 1: which after-hours and which Node a process runs. */
export function registerBuildInfo(registry: Registry): void {
  new Gauge({
    name: 'after_hours_build_info',
    help: 'Always 1: the after-hours version (package.json) and Node version (process.version) this process runs.',
    labelNames: ['version', 'node'],
    registers: [registry],
  }).set({ version: packageVersion(), node: process.version }, 1);
}
