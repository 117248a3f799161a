// Stops the run's second stacks (test/support/remoteStack) that tests started, the stacks of the
// workers' slots that a worker started (test/support/stackSlots), and the stack only when
// globalSetup started it.
import { spawnSync } from 'child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { stopRemoteStack } from './remoteStack';
import { stackScript } from './stackEnv';
import { envOfSlot, STARTED_BY_JEST, startedByJest } from './stackSlots';

export default async function globalTeardown(globalConfig: { maxWorkers: number }): Promise<void> {
  const failures: string[] = [];
  for (let slot = 1; slot <= Math.max(1, globalConfig.maxWorkers); slot++) {
    const env = envOfSlot(process.env, slot);
    try {
      stopRemoteStack(env);
    } catch (e) {
      failures.push(String(e));
    }
    if (!startedByJest(process.env, slot)) continue;
    const down = spawnSync(stackScript, ['down'], { env, encoding: 'utf8' });
    if (down.status !== 0) failures.push(`scripts/stack down (worker ${slot}) failed:\n${down.stderr}${down.stdout}`);
    else rmSync(join(env.AH_STACK_DIR!, STARTED_BY_JEST), { force: true });
  }
  if ((globalThis as Record<string, unknown>).__AH_STACK_STARTED__ === true) {
    const down = spawnSync(stackScript, ['down'], { stdio: ['ignore', 'inherit', 'inherit'] });
    if (down.status !== 0) failures.push(`scripts/stack down failed (exit ${down.status ?? down.signal})`);
  }
  if (failures.length > 0) throw new Error(failures.join('\n'));
}
