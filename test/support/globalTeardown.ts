// Stops the run's second stack (test/support/remoteStack) if a test started one, and the
// stack only when globalSetup started it.
import { spawnSync } from 'child_process';
import { stopRemoteStack } from './remoteStack';
import { stackScript } from './stackEnv';

export default async function globalTeardown(): Promise<void> {
  stopRemoteStack();
  if ((globalThis as Record<string, unknown>).__AH_STACK_STARTED__ !== true) return;
  const down = spawnSync(stackScript, ['down'], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (down.status !== 0) throw new Error(`scripts/stack down failed (exit ${down.status ?? down.signal})`);
}
