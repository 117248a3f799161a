// The integration project's jest environment: Node's, with the worker pointed at its stack slot
// (test/support/stackSlots). It runs in the worker itself, outside the test's sandbox, so the
// slot's variables are in the worker's real environment: the sandbox's process.env is copied
// from it, and every program a test spawns (scripts/stack, the daemon, sipp) inherits them.
// A slot above 1 has its stack started here on the worker's first file (globalSetup started
// slot 1's); globalTeardown stops it.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import NodeEnvironment from 'jest-environment-node';
import { packageRoot } from '../../src/shared/paths';
import { applySlot, slotOf, STARTED_BY_JEST } from './stackSlots';

const stackScript = join(packageRoot(), 'scripts', 'stack');

/** Moves this worker's environment to its slot once (the module stays loaded across the worker's files). */
function enterSlot(): number {
  const slot = slotOf(process.env);
  if (slot > 1 && process.env.AH_STACK_SLOT !== String(slot)) {
    applySlot(process.env, slot);
    process.env.AH_STACK_SLOT = String(slot);
  }
  return slot;
}

let stackChecked = false;

export default class IntegrationEnvironment extends NodeEnvironment {
  private readonly slot: number;

  constructor(...args: ConstructorParameters<typeof NodeEnvironment>) {
    const slot = enterSlot();
    super(...args);
    this.slot = slot;
  }

  override async setup(): Promise<void> {
    await super.setup();
    if (this.slot <= 1 || stackChecked) return;
    const env = { ...process.env };
    if (spawnSync(stackScript, ['status'], { env, encoding: 'utf8' }).status !== 0) {
      process.stderr.write(
        `\nintegration: scripts/stack up for worker ${this.slot} (SIP ${env.AH_SIP_PORT}, run dir ${env.AH_STACK_DIR})\n`,
      );
      const up = spawnSync(stackScript, ['up'], { env, encoding: 'utf8', timeout: 600_000 });
      if (up.status !== 0) {
        spawnSync(stackScript, ['down'], { env, encoding: 'utf8' });
        throw new Error(`scripts/stack up failed for worker ${this.slot} (exit ${up.status ?? up.signal}):\n${up.stderr}${up.stdout}`);
      }
      mkdirSync(env.AH_STACK_DIR!, { recursive: true });
      writeFileSync(join(env.AH_STACK_DIR!, STARTED_BY_JEST), `${process.pid}\n`);
    }
    stackChecked = true;
  }
}
