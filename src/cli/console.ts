import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../config/load';
import type { AppConfig } from '../config/types';
import { createConsoleMetrics } from '../console/metrics';
import { buildConsole } from '../console/server';
import { consoleAudit } from '../console/audit';
import { NumbersView } from '../console/numbersView';
import { createLogger } from '../shared/log';
import { SOUND_LIMITS } from '../sounds/soundPcm';
import { createRedisClient } from '../store/redisClient';
import { describeRedis } from '../settings/redis';
import { consoleSettings } from '../settings/processes';
import { ConfigInvalidError } from '../config/errors';

import { DEFAULT_CONSOLE_PORT } from '../settings/declaration';
import { VERB_SUMMARIES } from './verbSummaries';

export { DEFAULT_CONSOLE_PORT };

export function registerConsoleCommand(program: Command): void {
  program
    .command('console')
    .description(VERB_SUMMARIES['console'])
    .option('--config <file>', 'the start-up configuration, shown until a version is pushed (as for start)')
    .addHelpText(
      'after',
      `\nEnvironment: CONSOLE_PORT (default ${DEFAULT_CONSOLE_PORT}), CONSOLE_HOST (default 127.0.0.1), CONSOLE_SECURE_COOKIE=1 behind https, CONSOLE_TRUST_PROXY (the proxy's address or range), CONSOLE_SOUND_UPLOAD_BYTES (default ${SOUND_LIMITS.maxUploadBytes}), CONSOLE_CONFIG_DIR (the one folder a push through the API may read files from; default the folder of --config, none without it), REDIS_URL (or REDIS_SENTINELS, REDIS_SENTINEL_NAME), REDIS_PREFIX. Log in with a token from: after-hours token create.`,
    )
    .action(async (opts: { config?: string }) => {
      // Settings first: a refused one stops the console before it connects (exit 78).
      const settings = consoleSettings();
      const host = settings.CONSOLE_HOST;
      const port = settings.CONSOLE_PORT;
      const trustedProxies = settings.CONSOLE_TRUST_PROXY;
      const soundUploadBytes = settings.CONSOLE_SOUND_UPLOAD_BYTES;
      const configDir =
        settings.CONSOLE_CONFIG_DIR !== undefined
          ? resolve(settings.CONSOLE_CONFIG_DIR)
          : opts.config !== undefined
            ? dirname(resolve(opts.config))
            : undefined;
      let startup: AppConfig | undefined;
      if (opts.config !== undefined) {
        const loaded = loadConfig(opts.config);
        if (!loaded.ok) throw new ConfigInvalidError(loaded.errors);
        startup = loaded.config;
      }
      const log = createLogger('after-hours-console', { level: settings.LOG_LEVEL });
      // Queued while (re)connecting, given up after two retries: a request fails in seconds, not minutes.
      const redis = createRedisClient(settings.redis, 'tool', 'after-hours-console');
      redis.on('error', (err: Error) => log.warn({ err, redis: describeRedis(settings.redis) }, 'redis connection error'));
      const prefix = settings.REDIS_PREFIX;
      const now = () => Date.now();
      const metrics = createConsoleMetrics();
      const app = await buildConsole({
        redis,
        prefix,
        now,
        log,
        numbers: new NumbersView(redis, prefix, now, startup),
        audit: consoleAudit(redis, prefix),
        secureCookie: settings.CONSOLE_SECURE_COOKIE,
        trustedProxies,
        soundUploadBytes,
        versionsKeep: settings.CONFIG_VERSIONS_KEEP,
        metrics,
        ...(configDir !== undefined ? { configDir } : {}),
      });
      const address = await app.listen({ port, host });
      log.info({ address }, 'console up');
      const stop = () => {
        // Requests in flight get a few seconds; a client that holds its connection open does not
        // keep the service from stopping.
        setTimeout(() => process.exit(0), 5000).unref();
        void app.close().finally(() => {
          metrics.close();
          redis.disconnect();
          process.exit(0);
        });
      };
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
    });
}
