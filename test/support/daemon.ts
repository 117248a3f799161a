// Runs the real daemon (the built CLI, `after-hours start`) as a child process against the
// test stack, with its own config file, Redis prefix, spool, metrics port and /decision port.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ariPassword, ariUrl, ariUser, redisUrl, repoRoot } from './stackEnv';

export const cli = join(repoRoot, 'dist', 'src', 'cli', 'main.js');

/** Resolves true when `port` can be bound on `host` right now (then releases it). */
function bindable(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, host, () => srv.close(() => resolve(true)));
  });
}

/**
 * A TCP port free on every address, from 20000-32767: below Linux's ephemeral range (32768 and
 * up), so no outgoing connection (a Redis or ARI client, sipp) takes it as its local port between
 * this check and the daemon's bind, which a port the kernel handed out for port 0 risked (a
 * daemon's `listen EADDRINUSE` in CI).
 */
export async function freeTcpPort(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = 20000 + Math.floor(Math.random() * 12768);
    if ((await bindable(port, '127.0.0.1')) && ((await bindable(port, '::')) || (await bindable(port, '0.0.0.0')))) return port;
  }
  throw new Error('no free TCP port in 20000-32767');
}

/** Writes a YAML config into a fresh temp folder; returns its path. */
export function writeConfig(yaml: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'ah-config-'));
  const file = join(dir, 'after-hours.yaml');
  writeFileSync(file, yaml);
  return file;
}

export interface Health {
  ready: boolean;
  ari: string;
  config: string;
  redis: string;
  activeCalls: number;
  resources: { calls: number; peers: number; playbacks: number; recordings: number; ariListeners: number };
}

export interface RunningDaemon {
  proc: ChildProcess;
  /** METRICS_PORT: /metrics, /healthz (on every address). */
  port: number;
  /** DECISION_PORT: /decision (on 127.0.0.1, the default host). */
  decisionPort: number;
  spoolDir: string;
  logs(): string;
  health(): Promise<Health | undefined>;
  decision(
    did: string,
  ): Promise<{ open: boolean; reason: string; action: string; configVersion: number | string; fastPathOpenUntil: number | null }>;
  waitHealthy(timeoutMs?: number): Promise<void>;
  /** Sends a signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const p of running) p.kill('SIGKILL');
});

export async function startDaemon(opts: {
  configFile: string;
  prefix: string;
  app?: string;
  redis?: string;
  spoolDir?: string;
  env?: Record<string, string>;
  port?: number;
  /** A command the daemon runs under, e.g. ['unshare', '-m', …] (it must exec node in place, so `proc.pid` stays the daemon's). */
  wrapper?: string[];
}): Promise<RunningDaemon> {
  const port = opts.port ?? (await freeTcpPort());
  const decisionPort = await freeTcpPort();
  const spoolDir = opts.spoolDir ?? mkdtempSync(join(tmpdir(), 'ah-spool-'));
  const argv = [...(opts.wrapper ?? []), process.execPath, cli, 'start', '--config', opts.configFile];
  const proc = spawn(argv[0]!, argv.slice(1), {
    env: {
      ...process.env,
      ARI_URL: ariUrl,
      ARI_USER: ariUser,
      ARI_PASSWORD: ariPassword,
      ARI_APP: opts.app ?? 'after-hours',
      REDIS_URL: opts.redis ?? redisUrl,
      REDIS_PREFIX: opts.prefix,
      METRICS_PORT: String(port),
      DECISION_PORT: String(decisionPort),
      SPOOL_DIR: spoolDir,
      LOG_LEVEL: 'debug',
      // Tests watch the daemon decide every call, open ones too; test/integration/openFastPath
      // turns the open fast path on (OPEN_FAST_PATH=on) where it is what is tested.
      OPEN_FAST_PATH: 'off',
      ...opts.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(proc);
  let out = '';
  proc.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) =>
    proc.once('exit', (code) => {
      running.delete(proc);
      resolve(code);
    }),
  );
  const get = async <T>(path: string, at = port): Promise<{ status: number; body: T } | undefined> => {
    try {
      const res = await fetch(`http://127.0.0.1:${at}${path}`);
      return { status: res.status, body: (await res.json()) as T };
    } catch {
      return undefined;
    }
  };
  const d: RunningDaemon = {
    proc,
    port,
    decisionPort,
    spoolDir,
    logs: () => out,
    health: async () => (await get<Health>('/healthz'))?.body,
    decision: async (did) => {
      const r = await get<{
        open: boolean;
        reason: string;
        action: string;
        configVersion: number | string;
        fastPathOpenUntil: number | null;
      }>(`/decision?did=${encodeURIComponent(did)}`, decisionPort);
      if (!r || r.status !== 200) throw new Error(`no decision for ${did}: ${r?.status}`);
      return r.body;
    },
    waitHealthy: async (timeoutMs = 15000) => {
      const until = Date.now() + timeoutMs;
      while (Date.now() < until) {
        if (proc.exitCode !== null) throw new Error(`daemon exited ${proc.exitCode}:\n${out}`);
        const r = await get<Health>('/healthz');
        if (r?.status === 200) return;
        await new Promise((x) => setTimeout(x, 100));
      }
      throw new Error(`daemon not healthy after ${timeoutMs} ms:\n${out.slice(-3000)}`);
    },
    stop: async (signal = 'SIGTERM') => {
      if (proc.exitCode !== null || proc.signalCode !== null) return proc.exitCode;
      proc.kill(signal);
      return exited;
    },
  };
  return d;
}

/** Runs the CLI to completion. */
export function runCli(args: string[], env: Record<string, string> = {}): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cli, ...args], { env: { ...process.env, REDIS_URL: redisUrl, ...env }, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Polls until `fn` returns true or the time is up; returns whether it did. */
export async function eventually(fn: () => Promise<boolean> | boolean, timeoutMs: number, everyMs = 25): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (await fn()) return true;
    if (Date.now() >= until) return false;
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
