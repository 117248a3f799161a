import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

// The one HTTP endpoint of the daemon and the CRM worker: GET /metrics (Prometheus text),
// GET /healthz (200 when ready, else 503, with the report as JSON) and any extra GET routes.

export interface HealthReport {
  ready: boolean;
  [detail: string]: unknown;
}

export interface Route {
  (query: URLSearchParams): { status: number; body: unknown };
}

export interface MetricsServer {
  port: number;
  close(): Promise<void>;
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

export async function startMetricsServer(opts: {
  port: number;
  host?: string;
  registry: Registry;
  health: () => HealthReport;
  routes?: Record<string, Route>;
}): Promise<MetricsServer> {
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method !== 'GET') {
      res.writeHead(405);
      res.end();
      return;
    }
    if (url.pathname === '/metrics') {
      opts.registry.metrics().then(
        (text) => {
          res.writeHead(200, { 'content-type': opts.registry.contentType });
          res.end(text);
        },
        () => {
          res.writeHead(500);
          res.end();
        },
      );
      return;
    }
    if (url.pathname === '/healthz') {
      const report = opts.health();
      json(res, report.ready ? 200 : 503, { status: report.ready ? 'ok' : 'unavailable', ...report });
      return;
    }
    const route = opts.routes?.[url.pathname];
    if (route) {
      const r = route(url.searchParams);
      json(res, r.status, r.body);
      return;
    }
    res.writeHead(404);
    res.end();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host ?? '0.0.0.0', () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
