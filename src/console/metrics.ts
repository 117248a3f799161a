import { Counter, Registry } from 'prom-client';
import { registerProcessMetrics } from '../shared/processMetrics';

// The console's own Prometheus metrics (GET /metrics on its listener): what every process
// exports (Node's, after_hours_build_info, Redis command time) and its requests.

export interface ConsoleMetrics {
  readonly registry: Registry;
  /** One answered request: its method, route pattern (`unmatched` for a 404) and status. */
  request(method: string, route: string, status: number): void;
  /** Stops timing Redis commands. */
  close(): void;
}

export function createConsoleMetrics(): ConsoleMetrics {
  const registry = new Registry();
  const close = registerProcessMetrics(registry);
  const requests = new Counter({
    name: 'after_hours_console_requests_total',
    help: "The console's answered HTTP requests, by method, route (its pattern: /api/numbers/:did…; unmatched) and status.",
    labelNames: ['method', 'route', 'status'],
    registers: [registry],
  });
  return {
    registry,
    request: (method, route, status) => requests.inc({ method, route, status: String(status) }),
    close,
  };
}
