import { isIP } from 'node:net';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../config/load';
import type { AppConfig } from '../config/types';
import { buildConsole } from '../console/server';
import { consoleAudit } from '../console/audit';
import { NumbersView } from '../console/numbersView';
import { createLogger } from '../shared/log';
import { SOUND_LIMITS } from '../sounds/soundPcm';
import { createRedisClient, describeRedis } from '../store/redisClient';
import { redisPrefix, redisSettings } from './env';
import { SettingsError } from './exitCodes';
import { parseListenHost, parseListenPort } from './listenSettings';
import { ConfigInvalidError } from '../config/errors';

export const DEFAULT_CONSOLE_PORT = 9470;

/** CONSOLE_TRUST_PROXY: comma-separated IP addresses or CIDR ranges of reverse proxies. */
export function trustedProxiesSetting(raw: string | undefined): string[] {
  if (raw === undefined) return [];
  return raw.split(',').map((item) => {
    const entry = item.trim();
    const [address, bits, extra] = entry.split('/');
    const family = isIP(address ?? '');
    const okBits = bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (family === 6 ? 128 : 32));
    if (family === 0 || !okBits || extra !== undefined)
      throw new SettingsError(`CONSOLE_TRUST_PROXY: "${entry}" is not an IP address or CIDR range (e.g. 127.0.0.1, 10.0.0.0/8, ::1)`);
    return entry;
  });
}

/** CONSOLE_SOUND_UPLOAD_BYTES: the largest sound upload the console reads, up to the decoder's own bound. */
export function soundUploadSetting(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = /^\d+$/.test(raw.trim()) ? Number(raw.trim()) : NaN;
  if (!(n >= 1 && n <= SOUND_LIMITS.maxUploadBytes))
    throw new SettingsError(
      `CONSOLE_SOUND_UPLOAD_BYTES must be a whole number of bytes from 1 to ${SOUND_LIMITS.maxUploadBytes} (got "${raw}")`,
    );
  return n;
}

export function registerConsoleCommand(program: Command): void {
  program
    .command('console')
    .description('the operator console: HTTP API (OpenAPI at /openapi.json) and web page, in its own process')
    .option('--config <file>', 'the start-up configuration, shown until a version is pushed (as for start)')
    .addHelpText(
      'after',
      `\nEnvironment: CONSOLE_PORT (default ${DEFAULT_CONSOLE_PORT}), CONSOLE_HOST (default 127.0.0.1), CONSOLE_SECURE_COOKIE=1 behind https, CONSOLE_TRUST_PROXY (the proxy's address or range), CONSOLE_SOUND_UPLOAD_BYTES (default ${SOUND_LIMITS.maxUploadBytes}), CONSOLE_CONFIG_DIR (the one folder a push through the API may read files from; default the folder of --config, none without it), REDIS_URL (or REDIS_SENTINELS, REDIS_SENTINEL_NAME), REDIS_PREFIX. Log in with a token from: after-hours token create.`,
    )
    .action(async (opts: { config?: string }) => {
      // Settings first: a refused one stops the console before it connects (exit 78).
      const setting = (name: string) => (process.env[name] === '' ? undefined : process.env[name]);
      const host = parseListenHost('CONSOLE_HOST', setting('CONSOLE_HOST')) ?? '127.0.0.1';
      const port = parseListenPort('CONSOLE_PORT', setting('CONSOLE_PORT'), DEFAULT_CONSOLE_PORT);
      const secure = setting('CONSOLE_SECURE_COOKIE') ?? '0';
      if (secure !== '0' && secure !== '1') throw new SettingsError(`CONSOLE_SECURE_COOKIE must be 0 or 1 (got "${secure}")`);
      const trustedProxies = trustedProxiesSetting(setting('CONSOLE_TRUST_PROXY'));
      const soundUploadBytes = soundUploadSetting(setting('CONSOLE_SOUND_UPLOAD_BYTES'));
      const configDirSetting = setting('CONSOLE_CONFIG_DIR');
      const configDir =
        configDirSetting !== undefined ? resolve(configDirSetting) : opts.config !== undefined ? dirname(resolve(opts.config)) : undefined;
      let startup: AppConfig | undefined;
      if (opts.config !== undefined) {
        const loaded = loadConfig(opts.config);
        if (!loaded.ok) throw new ConfigInvalidError(loaded.errors);
        startup = loaded.config;
      }
      const log = createLogger('after-hours-console');
      const settings = redisSettings();
      // Queued while (re)connecting, given up after two retries: a request fails in seconds, not minutes.
      const redis = createRedisClient(settings, 'tool', 'after-hours-console');
      redis.on('error', (err: Error) => log.warn({ err, redis: describeRedis(settings) }, 'redis connection error'));
      const prefix = redisPrefix();
      const now = () => Date.now();
      const app = await buildConsole({
        redis,
        prefix,
        now,
        log,
        numbers: new NumbersView(redis, prefix, now, startup),
        audit: consoleAudit(redis, prefix),
        secureCookie: secure === '1',
        trustedProxies,
        soundUploadBytes,
        ...(configDir !== undefined ? { configDir } : {}),
      });
      const address = await app.listen({ port, host });
      log.info({ address }, 'console up');
      const stop = () => {
        // Requests in flight get a few seconds; a client that holds its connection open does not
        // keep the service from stopping.
        setTimeout(() => process.exit(0), 5000).unref();
        void app.close().finally(() => {
          redis.disconnect();
          process.exit(0);
        });
      };
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
    });
}
