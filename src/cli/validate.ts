import type { Command } from 'commander';
import { formatConfigError } from '../config/errors';
import { loadConfig } from '../config/load';
import { VERB_SUMMARIES } from './verbs';

export function registerValidateCommand(program: Command): void {
  program
    .command('validate')
    .description(VERB_SUMMARIES['validate'])
    .argument('<files...>', 'YAML configuration files')
    .action((files: string[]) => {
      let failed = false;
      for (const file of files) {
        const result = loadConfig(file);
        if (result.ok) {
          const n = result.config.numbers;
          const zones = new Set(n.map((x) => x.timezone)).size;
          const actions = ['voicemail', 'forward', 'hangup']
            .map((a) => `${n.filter((x) => x.afterHours.action === a).length} ${a}`)
            .join(', ');
          process.stdout.write(
            `${file}: ok, ${n.length} number${n.length === 1 ? '' : 's'} in ${zones} time zone${zones === 1 ? '' : 's'} (${actions})\n`,
          );
        } else {
          failed = true;
          for (const e of result.errors) process.stderr.write(`${formatConfigError(e)}\n`);
          process.stderr.write(`${file}: ${result.errors.length} problem${result.errors.length === 1 ? '' : 's'}\n`);
        }
      }
      process.exitCode = failed ? 1 : 0;
    });
}
