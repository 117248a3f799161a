// Integration files run in parallel jest workers, each worker against a stack of its own: a
// "slot". Slot 1 is the stack scripts/stack and test/support/stackEnv describe (the AH_*
// variables, or their defaults), started by globalSetup; slot k (jest's JEST_WORKER_ID) is the
// same stack moved up: every port by (k - 1) × SLOT_PORT_STEP, the RTP range by (k - 1) of its
// own size, the run dir `<AH_STACK_DIR>-k`. test/support/integrationEnvironment points the
// worker at its slot (and starts that stack on first use); globalTeardown stops the slots'
// stacks. In band (--runInBand, one worker) everything is slot 1, as before.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../src/shared/paths';

/** Between two slots' ports: more than the spread of one slot's own (SIP, trunk, office are 10 apart). */
export const SLOT_PORT_STEP = 200;

/** The file a stack's run dir holds while a jest worker (not the contributor) started it. */
export const STARTED_BY_JEST = '.started-by-jest';

const PORTS: ReadonlyArray<readonly [string, number]> = [
  ['AH_REDIS_PORT', 6390],
  ['AH_ARI_PORT', 8088],
  ['AH_ARI_TLS_PORT', 8089],
  ['AH_SIP_PORT', 5060],
  ['AH_TRUNK_PORT', 5070],
  ['AH_OFFICE_PORT', 5080],
];

const int = (env: NodeJS.ProcessEnv, name: string, fallback: number): number => {
  const raw = env[name];
  return raw === undefined || raw === '' ? fallback : Number(raw);
};

/** The slot of this process: its jest worker (1 in band and outside jest). */
export function slotOf(env: NodeJS.ProcessEnv): number {
  const id = Number(env.JEST_WORKER_ID ?? '1');
  return Number.isInteger(id) && id >= 1 ? id : 1;
}

/** The run dir of slot 1 (scripts/stack's AH_STACK_DIR default). */
export function baseStackDir(env: NodeJS.ProcessEnv): string {
  return env.AH_STACK_DIR || join(packageRoot(), '.stack');
}

/**
 * The variables that point scripts/stack and test/support at slot `slot`, computed from slot 1's
 * (`base`: the environment jest started with). Slot 1: none. A value undefined means "unset it"
 * (the TLS dir and Asterisk's entity id then follow the slot's run dir and SIP port).
 */
export function slotEnv(base: NodeJS.ProcessEnv, slot: number): Record<string, string | undefined> {
  if (slot <= 1) return {};
  const shift = slot - 1;
  const env: Record<string, string | undefined> = {};
  for (const [name, fallback] of PORTS) env[name] = String(int(base, name, fallback) + shift * SLOT_PORT_STEP);
  const rtpStart = int(base, 'AH_RTP_START', 10000);
  const rtpEnd = int(base, 'AH_RTP_END', 10999);
  const size = rtpEnd - rtpStart + 1;
  env.AH_RTP_START = String(rtpStart + shift * size);
  env.AH_RTP_END = String(rtpEnd + shift * size);
  if (rtpEnd + shift * size > 65535)
    throw new Error(`slot ${slot}: the RTP range ${rtpStart}-${rtpEnd} moved up ${shift} times passes 65535`);
  env.AH_STACK_DIR = `${baseStackDir(base)}-${slot}`;
  env.AH_TLS_DIR = undefined;
  env.AH_ASTERISK_ENTITY_ID = undefined;
  return env;
}

/** `base` with slot `slot`'s variables applied. */
export function envOfSlot(base: NodeJS.ProcessEnv, slot: number): NodeJS.ProcessEnv {
  return applySlot({ ...base }, slot);
}

/** Moves `env` itself to slot `slot` (a worker's process.env): sets the slot's variables, unsets the ones it has none of. */
export function applySlot(env: NodeJS.ProcessEnv, slot: number): NodeJS.ProcessEnv {
  for (const [k, v] of Object.entries(slotEnv(env, slot))) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

/** Whether a jest worker started slot `slot`'s stack (so globalTeardown stops it). */
export function startedByJest(base: NodeJS.ProcessEnv, slot: number): boolean {
  return slot > 1 && existsSync(join(`${baseStackDir(base)}-${slot}`, STARTED_BY_JEST));
}
