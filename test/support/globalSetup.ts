// Starts the real stack (Redis + Asterisk) once per jest run, or re-uses one that already
// answers (then globalTeardown leaves it running). See scripts/stack.
import { spawnSync } from 'child_process';
import { stackScript } from './stackEnv';

export default async function globalSetup(): Promise<void> {
  const status = spawnSync(stackScript, ['status'], { encoding: 'utf8' });
  if (status.status === 0) {
    process.stderr.write('\nintegration: re-using the running stack (it stays up afterwards)\n');
    (globalThis as Record<string, unknown>).__AH_STACK_STARTED__ = false;
    return;
  }
  process.stderr.write('\nintegration: scripts/stack up\n');
  const up = spawnSync(stackScript, ['up'], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (up.status !== 0) {
    // leave nothing half-started behind
    spawnSync(stackScript, ['down'], { stdio: ['ignore', 'inherit', 'inherit'] });
    throw new Error(`scripts/stack up failed (exit ${up.status ?? up.signal})`);
  }
  (globalThis as Record<string, unknown>).__AH_STACK_STARTED__ = true;
}
