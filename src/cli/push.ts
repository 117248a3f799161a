import type { Command } from 'commander';
import { formatConfigError } from '../config/errors';
import { loadConfig } from '../config/load';
import { pushConfig } from '../store/configStore';
import { redisPrefix } from './env';
import { withRedis } from './redisCommand';

export function registerPushCommand(program: Command): void {
  program
    .command('push')
    .description('validate a configuration and make it the running one on every daemon (within a second, no restart)')
    .requiredOption('--config <file>', 'YAML configuration')
    .addHelpText(
      'after',
      '\nEnvironment: REDIS_URL (or REDIS_SENTINELS, REDIS_SENTINEL_NAME), REDIS_PREFIX; README "Redis". A file that fails validation is refused and Redis keeps the version it had.',
    )
    .action(async (opts: { config: string }) => {
      const loaded = loadConfig(opts.config);
      if (!loaded.ok) {
        for (const e of loaded.errors) process.stderr.write(`${formatConfigError(e)}\n`);
        process.stderr.write(`${opts.config}: refused, nothing pushed\n`);
        process.exitCode = 1;
        return;
      }
      const version = await withRedis('after-hours-push', (redis) => pushConfig(redis, redisPrefix(), loaded.config, new Date()));
      process.stdout.write(`${opts.config}: pushed as version ${version} (${loaded.config.numbers.length} numbers)\n`);
    });
}
