#!/usr/bin/env node
import { Command } from 'commander';
import { registerCommands } from './commands';

const program = new Command('after-hours')
  .description('Working hours for phone numbers on an Asterisk PBX')
  .exitOverride();
registerCommands(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  const code = (err as { code?: string; exitCode?: number }).code;
  if (code === 'commander.helpDisplayed' || code === 'commander.version' || code === 'commander.help') process.exit(0);
  if (typeof code === 'string' && code.startsWith('commander.')) process.exit(2);
  process.stderr.write(`after-hours: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
