import type { Command } from 'commander';
import { registerCrmWorkerCommand } from './crmWorker';

// Each verb lives in its own module and registers itself here; one line per module.
export function registerCommands(program: Command): void {
  void program;
  registerCrmWorkerCommand(program);
}
