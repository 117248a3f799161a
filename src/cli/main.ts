#!/usr/bin/env -S node --
// (`node --`: node itself reads an --env-file anywhere before a `--`, also after the script's
// name, and would take after-hours' own --env-file; `--` ends node's options.)
import { Command, InvalidArgumentError } from 'commander';
import { ConfigInvalidError } from '../config/errors';
import { packageVersion } from '../shared/paths';
import { registerCommands } from './commands';
import { loadEnvFiles } from './envFile';
import { loadSecretFiles } from './secretFiles';
import { EXIT, SettingsError } from './exitCodes';
import { UsageError } from './usageError';

const program = new Command('after-hours')
  .description('Working hours for phone numbers on an Asterisk PBX')
  .version(packageVersion(), '-V, --version', 'print the version of after-hours')
  .option(
    '--env-file <file>',
    "read settings from an environment file (VAR=value lines, as systemd's EnvironmentFile=) first; variables already set win; repeatable",
  )
  // every verb's --help lists --env-file too
  .configureHelp({ showGlobalOptions: true })
  .exitOverride()
  // X_FILE secrets are read before any verb runs (not for --version or --help)
  .hook('preAction', () => loadSecretFiles());

// Commander prints the errors of its own parsing and then throws a plain CommanderError. An
// error a verb throws while running has not been printed yet: a UsageError (or commander's
// InvalidArgumentError, which commander only reports when an option parser throws it) is
// printed here with exit 2, a refused configuration file or setting with 78 (a service
// manager does not restart it: deploy/systemd), anything else with exit 1.
function fail(err: unknown): never {
  const code = (err as { code?: string; exitCode?: number }).code;
  if (err instanceof UsageError || err instanceof InvalidArgumentError) {
    process.stderr.write(`after-hours: ${err.message}\n`);
    process.exit(EXIT.USAGE);
  }
  if (code === 'commander.helpDisplayed' || code === 'commander.version' || code === 'commander.help') process.exit(EXIT.OK);
  if (typeof code === 'string' && code.startsWith('commander.')) process.exit(EXIT.USAGE);
  process.stderr.write(`after-hours: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(err instanceof ConfigInvalidError || err instanceof SettingsError ? EXIT.CONFIG : EXIT.FAILURE);
}

// --env-file first: every setting, X_FILE secret and verb then sees its variables as the environment.
Promise.resolve()
  .then(() => loadEnvFiles(process.argv.slice(2)))
  .then(() => registerCommands(program, process.argv.slice(2)))
  .then(() => program.parseAsync(process.argv))
  .catch(fail);
