#!/usr/bin/env node
import { Command, InvalidArgumentError } from 'commander';
import { registerCommands } from './commands';
import { UsageError } from './usageError';

const program = new Command('after-hours')
  .description('Working hours for phone numbers on an Asterisk PBX')
  .exitOverride();
registerCommands(program);

// Commander prints the errors of its own parsing and then throws a plain CommanderError. An
// error a verb throws while running has not been printed yet: a UsageError (or commander's
// InvalidArgumentError, which commander only reports when an option parser throws it) is
// printed here with exit 2, anything else with exit 1.
program.parseAsync(process.argv).catch((err: unknown) => {
  const code = (err as { code?: string; exitCode?: number }).code;
  if (err instanceof UsageError || err instanceof InvalidArgumentError) {
    process.stderr.write(`after-hours: ${err.message}\n`);
    process.exit(2);
  }
  if (code === 'commander.helpDisplayed' || code === 'commander.version' || code === 'commander.help') process.exit(0);
  if (typeof code === 'string' && code.startsWith('commander.')) process.exit(2);
  process.stderr.write(`after-hours: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
