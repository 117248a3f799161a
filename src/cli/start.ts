import type { Command } from 'commander';
import type { AriRestOptions } from '../ari/rest';
import { resolveAriAccess } from '../ariHttp/endpoint';
import { Daemon } from '../daemon/daemon';
import { ConfigInvalidError, formatConfigError } from '../config/errors';
import { loadConfig } from '../config/load';
import { createLogger } from '../shared/log';
import { DEFAULT_ARI_URL } from '../settings/declaration';
import { daemonSettings } from '../settings/processes';
import { checked } from '../settings/read';
import { SettingsError } from './exitCodes';
import { parseSoundsBaseUrl } from '../sounds/soundCatalogue';
import { VERB_SUMMARIES } from './verbSummaries';

export function registerStartCommand(program: Command): void {
  program
    .command('start')
    .description(VERB_SUMMARIES['start'])
    .requiredOption('--config <file>', 'YAML configuration (a version pushed to Redis takes precedence once present)')
    .addHelpText(
      'after',
      `
Environment:
  ARI_URL (http://127.0.0.1:8088): http:// or https:// (ws:// wss:// alike), IPv6 as [::1],
    an optional path prefix behind a reverse proxy (https://pbx.example/asterisk)
  ARI_CA_FILE: PEM CA that signed Asterisk's certificate (https only; replaces the system roots)
  ARI_USER (after-hours), ARI_PASSWORD, ARI_APP (after-hours),
  ARI_REST_CLIENT (own): own | agent (node's keep-alive agent), for comparisons
  ARI_HEARTBEAT_MS (5000): websocket ping interval; a missed pong reconnects
  REDIS_URL (redis://127.0.0.1:6379), REDIS_PREFIX (after-hours:); or Sentinel: REDIS_SENTINELS
    (host:port,…), REDIS_SENTINEL_NAME, REDIS_SENTINEL_PASSWORD; REDIS_USERNAME, REDIS_PASSWORD;
    REDIS_WAIT_REPLICAS (1 with Sentinel, else 0), REDIS_WAIT_TIMEOUT_MS (500): docs/operations.md "Redis"
  METRICS_HOST (unset: every address), METRICS_PORT (9464): /metrics, /healthz, /sounds/<hash>.wav
    (with SOUNDS_BASE_URL); IPv6 as ::1 or [::1]
  DECISION_HOST (127.0.0.1), DECISION_PORT (9466): /decision?did=; the metrics listener when both
    are the same as METRICS_HOST and METRICS_PORT
  SOUNDS_BASE_URL: where Asterisk fetches greetings over HTTP (http://<this host>:<METRICS_PORT>/sounds)
    when it cannot read the daemon's disk; unset: absolute paths (same host)
  SPOOL_DIR: local event spool (default $XDG_STATE_HOME/after-hours/spool)
  SPOOL_MEMORY_EVENTS (10000): events held in memory while both the spool's disk and Redis refuse them
  CONTINUE_CONTEXT (after-hours-open), CONTINUE_PRIORITY (1): where open calls continue
  OPEN_FAST_PATH (on): publish open numbers' "open until" so the dialplan routes their calls
    without Stasis; off: every call enters Stasis (docs/asterisk.md "Open fast path")
  LOG_LEVEL (info), LOG_MASK_CALLERS (unset: caller numbers logged in full)`,
    )
    .action(async (opts: { config: string }) => {
      // Settings first: a refused one stops the daemon before anything starts (exit 78).
      const settings = daemonSettings();
      const log = createLogger('after-hours', { level: settings.LOG_LEVEL });
      const loaded = loadConfig(opts.config);
      if (!loaded.ok) throw new ConfigInvalidError(loaded.errors);
      // One object for the REST client and the websocket (the daemon hands it to both), so
      // the CA and the transport choice reach them with the URL.
      const ari: AriRestOptions & { app: string; heartbeatMs: number } = {
        url: settings.ARI_URL ?? DEFAULT_ARI_URL,
        user: settings.ARI_USER,
        password: settings.ARI_PASSWORD ?? '',
        caFile: settings.ARI_CA_FILE,
        restClient: settings.ARI_REST_CLIENT,
        app: settings.ARI_APP,
        heartbeatMs: settings.ARI_HEARTBEAT_MS,
      };
      checked(process.env, () => resolveAriAccess(ari)); // a bad ARI_URL or ARI_CA_FILE is refused before anything starts
      const sounds = settings.SOUNDS_BASE_URL !== undefined ? parseSoundsBaseUrl(settings.SOUNDS_BASE_URL) : undefined;
      if (typeof sounds === 'object') throw new SettingsError(sounds.error);
      const daemon = new Daemon({
        config: loaded.config,
        ari,
        redis: settings.redis,
        prefix: settings.REDIS_PREFIX,
        metricsListen: settings.metricsListen,
        decisionListen: settings.decisionListen,
        spoolDir: settings.spoolDir,
        spoolMemoryEvents: settings.SPOOL_MEMORY_EVENTS,
        continueTo: { context: settings.CONTINUE_CONTEXT, priority: settings.CONTINUE_PRIORITY },
        maskCallers: settings.LOG_MASK_CALLERS,
        openFastPath: settings.OPEN_FAST_PATH === 'on',
        ...(settings.FEATURE_CODE_PIN !== undefined ? { featureCodePin: settings.FEATURE_CODE_PIN } : {}),
        soundsBaseUrl: sounds,
        log,
      });
      let stopping = false;
      const stop = (signal: string) => {
        if (stopping) return;
        stopping = true;
        log.info({ signal }, 'stopping');
        const hard = setTimeout(() => process.exit(1), 10_000);
        hard.unref();
        daemon.stop().then(
          () => {
            log.info('stopped');
            process.exit(0);
          },
          (err: unknown) => {
            log.error({ err }, 'stop failed');
            process.exit(1);
          },
        );
      };
      process.on('SIGTERM', () => stop('SIGTERM'));
      process.on('SIGINT', () => stop('SIGINT'));
      // SIGHUP (systemctl reload): Redis's configuration, overrides and sounds again; the file
      // again while none is pushed. A refused file keeps the current configuration.
      process.on('SIGHUP', () => {
        if (stopping) return;
        const again = loadConfig(opts.config);
        if (!again.ok)
          log.error(
            { signal: 'SIGHUP', errors: again.errors.map(formatConfigError) },
            'configuration file refused; keeping the current one',
          );
        daemon.reload(again.ok ? again.config : undefined).then(
          () => log.info({ signal: 'SIGHUP' }, 'reloaded'),
          (err: unknown) => log.error({ err }, 'reload failed'),
        );
      });
      await daemon.start();
      log.info({ numbers: loaded.config.numbers.length, config: opts.config }, 'after-hours started');
    });
}
