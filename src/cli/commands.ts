import type { Command } from 'commander';
import { registerCheckCommand } from './check';
import { registerCrmWorkerCommand } from './crmWorker';
import { registerValidateCommand } from './validate';

// Each verb lives in its own module and registers itself here; one line per module.
export function registerCommands(program: Command): void {
  registerValidateCommand(program);
  registerCheckCommand(program);
  registerCrmWorkerCommand(program);
}
