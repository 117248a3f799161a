import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

// The HTTP endpoints of the daemon and the CRM worker: GET /metrics (Prometheus text),
// GET /healthz (200 when ready, else 503, with the report as JSON), any extra GET routes,
// and read-only files under one prefix (the daemon's sounds for a remote Asterisk). One
// listener per address: the daemon's /decision has its own (loopback by default) unless it
// is given the metrics address.

export interface HealthReport {
  ready: boolean;
  [detail: string]: unknown;
}

export interface Route {
  (query: URLSearchParams): { status: number; body: unknown };
}

export interface ServedFile {
  content: Buffer;
  contentType: string;
}

/** Serves GET/HEAD <prefix><name>: the file's bytes (now or once fetched), or undefined for 404. `name` has no slash. */
export interface FileRoute {
  prefix: string;
  read(name: string): ServedFile | undefined | Promise<ServedFile | undefined>;
}

/** Where a listener binds: `host` an IP address (IPv6 without brackets) or a name; unset: every address. */
export interface Listen {
  host?: string;
  port: number;
}

/** The same listener: same port and host (port 0 is a new free port each time, never the same). */
export function sameListen(a: Listen, b: Listen): boolean {
  return a.port !== 0 && a.port === b.port && (a.host ?? '') === (b.host ?? '');
}

export interface HttpServer {
  port: number;
  /** `host:port` as bound, IPv6 in brackets: for the log. */
  address: string;
  close(): Promise<void>;
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

export async function startHttpServer(opts: {
  port: number;
  host?: string;
  registry?: Registry;
  health?: () => HealthReport;
  routes?: Record<string, Route>;
  files?: FileRoute;
}): Promise<HttpServer> {
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const files = opts.files;
    if (files && url.pathname.startsWith(files.prefix) && (req.method === 'GET' || req.method === 'HEAD')) {
      const name = url.pathname.slice(files.prefix.length);
      const send = (file: ServedFile | undefined) => {
        if (!file) {
          res.writeHead(404);
          res.end();
          return;
        }
        // The name is the content's hash: it never changes under the same URL.
        res.writeHead(200, {
          'content-type': file.contentType,
          'content-length': file.content.length,
          'cache-control': 'public, max-age=31536000, immutable',
        });
        res.end(req.method === 'HEAD' ? undefined : file.content);
      };
      const file = name.includes('/') ? undefined : files.read(name);
      if (file instanceof Promise)
        file.then(send, () => {
          res.writeHead(503);
          res.end();
        });
      else send(file);
      return;
    }
    if (req.method !== 'GET') {
      res.writeHead(405);
      res.end();
      return;
    }
    const registry = opts.registry;
    if (url.pathname === '/metrics' && registry) {
      registry.metrics().then(
        (text) => {
          res.writeHead(200, { 'content-type': registry.contentType });
          res.end(text);
        },
        () => {
          res.writeHead(500);
          res.end();
        },
      );
      return;
    }
    if (url.pathname === '/healthz' && opts.health) {
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
    // No host: every address, IPv6 and IPv4 (node falls back to 0.0.0.0 without IPv6).
    server.listen(opts.port, opts.host, () => resolve());
  });
  const bound = server.address() as AddressInfo;
  return {
    port: bound.port,
    address: bound.family === 'IPv6' ? `[${bound.address}]:${bound.port}` : `${bound.address}:${bound.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
