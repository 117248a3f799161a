// Runs the real operator console (the built CLI, `after-hours console`) as a child process
// against the test stack's Redis, on a free port, and creates tokens with the CLI.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cli, freeTcpPort, runCli } from './daemon';
import { redisUrl } from './stackEnv';

export interface RunningConsole {
  proc: ChildProcess;
  url: string;
  logs(): string;
  /** `after-hours token create`; returns the token it printed. */
  token(name: string, role: 'viewer' | 'operator' | 'admin'): string;
  stop(): Promise<void>;
}

export async function startConsole(opts: { prefix: string; configFile?: string; redis?: string }): Promise<RunningConsole> {
  const port = await freeTcpPort();
  const env = { REDIS_URL: opts.redis ?? redisUrl, REDIS_PREFIX: opts.prefix };
  const args = [cli, 'console', ...(opts.configFile ? ['--config', opts.configFile] : [])];
  const proc = spawn(process.execPath, args, {
    env: { ...process.env, ...env, CONSOLE_PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  const until = Date.now() + 15_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`console exited ${proc.exitCode}:\n${out}`);
    const up = await fetch(`${url}/openapi.json`).then(
      (r) => r.ok,
      () => false,
    );
    if (up) break;
    if (Date.now() > until) throw new Error(`console not up after 15 s:\n${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    proc,
    url,
    logs: () => out,
    token(name, role) {
      const r = runCli(['token', 'create', '--name', name, '--role', role, '--by', 'test'], env);
      if (r.status !== 0) throw new Error(`token create: ${r.stderr}`);
      return r.stdout.trim();
    },
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      const killer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(killer);
    },
  };
}

/** The system's Chromium (Debian's `chromium`, installed by scripts/install-deps). */
export function chromiumPath(): string {
  const found = spawnSync('sh', ['-c', 'command -v chromium || command -v chromium-browser'], { encoding: 'utf8' }).stdout.trim();
  if (found === '') throw new Error("chromium is not installed (scripts/install-deps installs Debian's chromium)");
  return found;
}
