// A second stack whose Asterisk root does NOT contain the repository (scripts/stack with
// AH_STACK_MOUNT_REPO=0): an Asterisk "on another host" that can only play what it fetches
// over HTTP, and the second box of twoBoxes. One per jest run, shared by every file that needs
// it: the first file to ask starts it (its ports and run dir are written to a state file, so
// the next file finds it); test/support/globalTeardown stops it (AH_KEEP_REMOTE_STACK=1 keeps
// it up, and the next run re-uses it while it answers). Its RTP ports are the top 200 of the
// shared stack's range (AH_RTP_END), so it stays within the ports a contributor set aside.
// The support modules that read the stack's ports when first loaded (stackEnv, daemon, sipp)
// are imported only after the environment points at it; import them through the object
// useRemoteStack returns. A file that talks to both stacks uses remoteStackPorts() alone.
import { spawnSync } from 'node:child_process';
import * as dgram from 'node:dgram';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../../src/shared/paths';
import type { RunningDaemon } from './daemon';
import { callHearing, type Spurt } from './rtpPeer';
import type { CallResult } from './sipp';

export const freeTcp = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
export const freeUdp = (): Promise<number> =>
  new Promise((resolve) => {
    const s = dgram.createSocket('udp4');
    s.bind(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => resolve(p));
    });
  });

/** Where the second stack listens: the scripts/stack environment it was started with. */
export interface RemoteStackPorts {
  runDir: string;
  asteriskPid: number;
  /** AH_STACK_DIR, AH_STACK_BACKEND, AH_STACK_MOUNT_REPO and the AH_*_PORT variables of scripts/stack. */
  stackEnv: Record<string, string>;
}

export interface RemoteStack extends RemoteStackPorts {
  env: typeof import('./stackEnv');
  support: typeof import('./daemon');
  sipp: typeof import('./sipp');
  /** A daemon serving its sounds to this Asterisk over HTTP (SOUNDS_BASE_URL on its metrics port), healthy. */
  startSoundsDaemon(configFile: string, prefix: string): Promise<{ daemon: RunningDaemon; metricsPort: number }>;
  /**
   * A call whose caller's media port is a socket of the test's: rejected after early media
   * (`expect` 486 and the like) or answered (200, the caller talking for `talkMs`). The SIP
   * result and the RTP spurts the caller received.
   */
  callHearing(opts: { to: string; expect: number; talkMs?: number }): Promise<{ result: CallResult; spurts: Spurt[] }>;
}

/** The state file that names the run's second stack, per checkout and shared stack. */
export function remoteStackStateFile(env: NodeJS.ProcessEnv = process.env): string {
  const key = createHash('sha256')
    .update(`${packageRoot()}\0${env.AH_STACK_DIR ?? ''}\0${env.AH_REDIS_PORT ?? ''}`)
    .digest('hex')
    .slice(0, 12);
  return join(tmpdir(), `ah-remote-stack-${key}.json`);
}

const runStack = (verb: string, env: Record<string, string>) =>
  spawnSync(join(packageRoot(), 'scripts', 'stack'), [verb], {
    env: { ...process.env, AH_TLS_DIR: undefined, AH_ASTERISK_ENTITY_ID: undefined, ...env },
    encoding: 'utf8',
    timeout: 600_000,
  });

function readState(env: NodeJS.ProcessEnv = process.env): RemoteStackPorts | undefined {
  try {
    return JSON.parse(readFileSync(remoteStackStateFile(env), 'utf8')) as RemoteStackPorts;
  } catch {
    return undefined;
  }
}

/**
 * The run's second stack: the one the state file names while it answers, else a new one
 * (free ports, a fresh run dir). Stopped by stopRemoteStack (globalTeardown).
 */
export async function remoteStackPorts(): Promise<RemoteStackPorts> {
  const known = readState();
  if (known && runStack('status', known.stackEnv).status === 0) return known;
  if (known) stopRemoteStack();
  const runDir = mkdtempSync(join(tmpdir(), 'ah-stack-remote-'));
  const rtpEnd = Number(process.env.AH_RTP_END || 10999);
  const stackEnv: Record<string, string> = {
    AH_STACK_DIR: runDir,
    AH_STACK_BACKEND: 'chroot',
    AH_STACK_MOUNT_REPO: '0',
    AH_REDIS_PORT: String(await freeTcp()),
    AH_ARI_PORT: String(await freeTcp()),
    AH_ARI_TLS_PORT: String(await freeTcp()),
    AH_SIP_PORT: String(await freeUdp()),
    AH_TRUNK_PORT: String(await freeUdp()),
    AH_OFFICE_PORT: String(await freeUdp()),
    AH_RTP_START: String(rtpEnd - 199),
    AH_RTP_END: String(rtpEnd),
  };
  const up = runStack('up', stackEnv);
  if (up.status !== 0) {
    runStack('down', stackEnv);
    rmSync(runDir, { recursive: true, force: true, maxRetries: 2 });
    throw new Error(`second stack did not start:\n${up.stderr}${up.stdout}`);
  }
  const state: RemoteStackPorts = { runDir, asteriskPid: Number(readFileSync(join(runDir, 'asterisk.pid'), 'utf8').trim()), stackEnv };
  writeFileSync(remoteStackStateFile(), JSON.stringify(state));
  return state;
}

/**
 * Stops the run's second stack, if one was started (globalTeardown); AH_KEEP_REMOTE_STACK=1 leaves it up.
 * `env`: the environment of the shared stack it belongs to (a worker's slot: test/support/stackSlots).
 */
export function stopRemoteStack(env: NodeJS.ProcessEnv = process.env): void {
  if (env.AH_KEEP_REMOTE_STACK === '1') return;
  const state = readState(env);
  if (!state) return;
  const r = runStack('down', state.stackEnv);
  if (r.status !== 0) throw new Error(`second stack down failed:\n${r.stderr}${r.stdout}`);
  rmSync(state.runDir, { recursive: true, force: true, maxRetries: 2 });
  rmSync(remoteStackStateFile(env), { force: true });
}

/** The run's second stack (started on first use) with the support modules loaded against it. */
export async function useRemoteStack(): Promise<RemoteStack> {
  const ports = await remoteStackPorts();
  const { stackEnv } = ports;
  for (const k of ['AH_STACK_DIR', 'AH_REDIS_PORT', 'AH_ARI_PORT', 'AH_ARI_TLS_PORT', 'AH_SIP_PORT', 'AH_TRUNK_PORT', 'AH_OFFICE_PORT'])
    process.env[k] = stackEnv[k];
  delete process.env.AH_TLS_DIR;
  const env = await import('./stackEnv');
  const support = await import('./daemon');
  const sipp = await import('./sipp');
  // Loaded earlier (by another import), they would still point at the shared stack.
  if (env.sipPort !== Number(stackEnv.AH_SIP_PORT) || env.ariPort !== Number(stackEnv.AH_ARI_PORT))
    throw new Error(`test/support/stackEnv was loaded before the second stack's ports were set (SIP ${env.sipPort}, ARI ${env.ariPort})`);
  return {
    ...ports,
    env,
    support,
    sipp,
    async startSoundsDaemon(configFile, prefix) {
      const metricsPort = await freeTcp();
      const daemon = await support.startDaemon({
        configFile,
        prefix,
        port: metricsPort,
        env: { SOUNDS_BASE_URL: `http://127.0.0.1:${metricsPort}/sounds` },
      });
      await daemon.waitHealthy();
      return { daemon, metricsPort };
    },
    callHearing: (o) => callHearing(sipp, o),
  };
}
