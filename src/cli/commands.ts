import type { Command } from 'commander';
import { registerAsteriskConfigCommand } from './asteriskConfig';
import { registerAuditCommand } from './auditCommand';
import { registerCheckCommand } from './check';
import { registerConfigCommand } from './configCommand';
import { registerConsoleCommand } from './console';
import { registerCrmWorkerCommand } from './crmWorker';
import { registerExportCommand } from './exportCommand';
import { registerOverrideCommand } from './override';
import { registerPushCommand } from './push';
import { registerSoundCommand } from './sound';
import { registerStartCommand } from './start';
import { registerTokenCommand } from './token';
import { registerValidateCommand } from './validate';

// Each verb lives in its own module and registers itself here; one line per module.
export function registerCommands(program: Command): void {
  registerValidateCommand(program);
  registerCheckCommand(program);
  registerStartCommand(program);
  registerPushCommand(program);
  registerConfigCommand(program);
  registerExportCommand(program);
  registerAuditCommand(program);
  registerOverrideCommand(program);
  registerCrmWorkerCommand(program);
  registerAsteriskConfigCommand(program);
  registerSoundCommand(program);
  registerConsoleCommand(program);
  registerTokenCommand(program);
}
