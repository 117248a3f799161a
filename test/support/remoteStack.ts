// A second stack whose Asterisk root does NOT contain the repository (scripts/stack with
// AH_STACK_MOUNT_REPO=0): an Asterisk "on another host" that can only play what it fetches
// over HTTP. Its own ports and run dir, so the shared stack is untouched. The support modules
// that read the stack's ports when first loaded (stackEnv, daemon, sipp) are imported only
// after the environment points at it; import them through the object this returns. Run the
// test as any integration test, under the stack lock (flock /tmp/after-hours-stack.lock npx
// jest ...): the lock covers this stack's start and stop too (several stacks share the cached
// root), so this module does not take it again.
import { spawnSync } from 'node:child_process';
import * as dgram from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
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

export interface RemoteStack {
  runDir: string;
  asteriskPid: number;
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
  down(): void;
}

/** Starts the second stack (label: in the run dir's name; its own RTP ports) and loads the support modules against it. */
export async function startRemoteStack(
  label: string,
  rtp: { rtpStart: number; rtpEnd: number } = { rtpStart: 12200, rtpEnd: 12399 },
): Promise<RemoteStack> {
  const runDir = mkdtempSync(join(tmpdir(), `ah-stack-${label}-`));
  const stackEnv: NodeJS.ProcessEnv = {
    ...process.env,
    AH_STACK_DIR: runDir,
    AH_STACK_BACKEND: 'chroot',
    AH_STACK_MOUNT_REPO: '0',
    AH_REDIS_PORT: String(await freeTcp()),
    AH_ARI_PORT: String(await freeTcp()),
    AH_ARI_TLS_PORT: String(await freeTcp()),
    AH_SIP_PORT: String(await freeUdp()),
    AH_TRUNK_PORT: String(await freeUdp()),
    AH_OFFICE_PORT: String(await freeUdp()),
    AH_RTP_START: String(rtp.rtpStart),
    AH_RTP_END: String(rtp.rtpEnd),
  };
  delete stackEnv.AH_TLS_DIR;
  const stack = (verb: string) =>
    spawnSync(join(packageRoot(), 'scripts', 'stack'), [verb], { env: stackEnv, encoding: 'utf8', timeout: 600_000 });
  const up = stack('up');
  if (up.status !== 0) throw new Error(`second stack did not start:\n${up.stderr}${up.stdout}`);
  const asteriskPid = Number(readFileSync(join(runDir, 'asterisk.pid'), 'utf8').trim());
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
    runDir,
    asteriskPid,
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
    down() {
      if (process.env.AH_KEEP_REMOTE_STACK === '1') return;
      const r = stack('down');
      if (r.status === 0) rmSync(runDir, { recursive: true, force: true, maxRetries: 2 });
      else console.error(`second stack down failed:\n${r.stderr}`);
    },
  };
}
