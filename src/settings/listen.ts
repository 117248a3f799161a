import { isIP, isIPv6 } from 'node:net';
import type { Listen } from '../shared/httpServer';
import { SettingsError } from './settingsError';

// Where the HTTP endpoints listen, from the environment: METRICS_HOST/METRICS_PORT for
// /metrics and /healthz (the daemon's /sounds/ too), DECISION_HOST/DECISION_PORT for the
// daemon's /decision, which answers what any number does now and so stays on loopback
// unless an operator opens it.

export type ListenEnv = Record<string, string | undefined>;

export const DAEMON_METRICS_PORT = 9464;
export const DECISION_PORT = 9466;
export const DECISION_HOST = '127.0.0.1';

const HOST_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*$/;
const WILDCARDS = new Set([undefined, '0.0.0.0', '::']);

function value(env: ListenEnv, name: string): string | undefined {
  const v = env[name]?.trim();
  return v === undefined || v === '' ? undefined : v;
}

/** A host setting: an IPv4 or IPv6 address (brackets allowed: [::1]) or a host name; undefined when unset. */
export function parseListenHost(name: string, raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  const bracketed = /^\[(.*)\]$/.exec(raw);
  if (bracketed) {
    if (!isIPv6(bracketed[1] as string)) throw new SettingsError(`${name} "${raw}": [${bracketed[1]}] is not an IPv6 address`);
    return bracketed[1];
  }
  if (isIP(raw) !== 0 || HOST_NAME.test(raw)) return raw;
  throw new SettingsError(`${name} "${raw}" is not an IP address or host name (e.g. 127.0.0.1, ::1, [::1], 0.0.0.0)`);
}

/** A port setting: 0 to 65535 (0: any free port). */
export function parseListenPort(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n > 65535) throw new SettingsError(`${name} must be a port number from 0 to 65535 (got "${raw}")`);
  return n;
}

/** METRICS_HOST (unset: every address) and METRICS_PORT. */
export function metricsListen(env: ListenEnv, defaultPort: number): Listen {
  return {
    host: parseListenHost('METRICS_HOST', value(env, 'METRICS_HOST')),
    port: parseListenPort('METRICS_PORT', value(env, 'METRICS_PORT'), defaultPort),
  };
}

/** The daemon's two listeners. The same port with the same host is one listener serving both. */
export function daemonListen(env: ListenEnv): { metrics: Listen; decision: Listen } {
  const metrics = metricsListen(env, DAEMON_METRICS_PORT);
  const decision = {
    host: parseListenHost('DECISION_HOST', value(env, 'DECISION_HOST')) ?? DECISION_HOST,
    port: parseListenPort('DECISION_PORT', value(env, 'DECISION_PORT'), DECISION_PORT),
  };
  if (decision.port !== 0 && decision.port === metrics.port && decision.host !== metrics.host) {
    // Two addresses on one port only work when both are specific ones.
    if (WILDCARDS.has(metrics.host) || WILDCARDS.has(decision.host))
      throw new SettingsError(
        `DECISION_PORT is METRICS_PORT (${metrics.port}) but DECISION_HOST (${decision.host}) is not METRICS_HOST (${metrics.host ?? 'unset: every address'}): ` +
          'set DECISION_HOST to the same host to serve /decision on the metrics listener, or give /decision a port of its own',
      );
  }
  return { metrics, decision };
}
