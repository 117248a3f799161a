import { dirname, join } from 'node:path';
import type { Logger } from 'pino';
import type { Redis } from 'ioredis';
import { CallHandler } from '../ari/callHandler';
import { AriEventDispatcher } from '../ari/ariEventDispatcher';
import { CallSetupTimer } from '../ari/callSetupTimer';
import { AriConnection } from '../ari/connection';
import { DeviceStateLamp } from '../ari/deviceStateLamp';
import { OpenFastPath } from '../ari/openFastPath';
import { FeatureCodes } from '../ari/featureCodes';
import { AriRest } from '../ari/rest';
import { sweepStranded } from '../ari/strandedCalls';
import type { ChannelEvent, DialEvent, PlaybackEvent, RecordingEvent, StasisStartEvent } from '../call/ariEvents';
import type { AppConfig } from '../config/types';
import { createDaemonMetrics, type DaemonMetrics } from './daemonMetrics';
import { shutDownDaemon } from './daemonShutdown';
import { decisionRoutes } from './decisionEndpoint';
import { LiveConfig } from './liveConfig';
import { EventStream, streamKeys } from '../store/eventStream';
import { sameListen, startHttpServer, type HttpServer, type Listen } from '../shared/httpServer';
import { callerMasker } from '../shared/log';
import { packageRoot } from '../shared/paths';
import { defaultSoundFile } from '../sounds/defaultSounds';
import { SoundCatalogue } from '../sounds/soundCatalogue';
import { EventSpool } from '../store/eventSpool';
import { createRedisClient, replicaWait } from '../store/redisClient';
import type { RedisSettings } from '../settings/redis';

// Wiring only: the live configuration (./liveConfig), Redis, ARI, the call handler, the lamp
// and the open fast path, the spool and the HTTP endpoints (/decision: ./decisionEndpoint).

export interface DaemonOptions {
  config: AppConfig;
  ari: { url: string; user: string; password: string; app: string; heartbeatMs?: number };
  redis: RedisSettings;
  prefix: string;
  /** Where /metrics, /healthz (and /sounds/) listen: METRICS_HOST, METRICS_PORT. */
  metricsListen: Listen;
  /** Where /decision listens (DECISION_HOST, DECISION_PORT); the metrics listener when it is the same address. */
  decisionListen: Listen;
  spoolDir: string;
  /** Events held in memory while the spool's disk and Redis both refuse them (SPOOL_MEMORY_EVENTS). */
  spoolMemoryEvents?: number;
  continueTo: { context: string; priority: number };
  maskCallers: boolean;
  /** The day/night key's PIN (FEATURE_CODE_PIN; unset = no PIN). */
  featureCodePin?: string;
  /** SOUNDS_BASE_URL: where Asterisk fetches the daemon's sounds (served on the metrics listener under /sounds/); absolute paths without it. */
  soundsBaseUrl?: string;
  /** OPEN_FAST_PATH (default on): publish open numbers' "open until" so their calls skip Stasis (src/ari/openFastPath.ts). */
  openFastPath?: boolean;
  log: Logger;
  now?: () => number;
}

/** Between the two looks for channels left in the app after a registration (a StasisStart on its way arrives meanwhile). */
const STRANDED_GRACE_MS = 1000;

export class Daemon {
  private readonly live: LiveConfig;
  private readonly rest: AriRest;
  private readonly router = new AriEventDispatcher();
  private readonly ari: AriConnection;
  private readonly handler: CallHandler;
  private readonly redis: Redis;
  private readonly sub: Redis;
  private readonly spool: EventSpool;
  private readonly metrics: DaemonMetrics;
  private readonly lamp: DeviceStateLamp;
  private readonly fastPath: OpenFastPath;
  private readonly features: FeatureCodes;
  private readonly sounds: SoundCatalogue;
  private readonly servers: HttpServer[] = [];
  /** The fast path was published (or tried) since ARI last registered: stale entries are withdrawn before calls come. */
  private fastPathSynced = false;
  private readonly now: () => number;

  constructor(private readonly opts: DaemonOptions) {
    this.now = opts.now ?? Date.now;
    const log = opts.log;
    // Metrics are created below (they read the router and the spool); these hooks run later.
    const setup = new CallSetupTimer((command, seconds) => this.metrics.callSetUp(command, seconds));
    this.rest = new AriRest({
      ...opts.ari,
      observer: {
        sent: (operation, channelId) => setup.sent(operation, channelId),
        done: (operation, status, seconds) => this.metrics.ariRequest(operation, status, seconds),
      },
    });
    this.redis = createRedisClient(opts.redis, 'call-path', 'after-hours-daemon');
    this.sub = createRedisClient(opts.redis, 'subscriber', 'after-hours-daemon-sub');
    for (const r of [this.redis, this.sub]) r.on('error', (err: Error) => log.debug({ err }, 'redis error'));
    const stream = new EventStream(this.redis, streamKeys(opts.prefix), { replicas: replicaWait(this.redis, opts.redis, log) });
    this.spool = new EventSpool(opts.spoolDir, stream, log, {
      writeFailed: (code, lost) => this.metrics.spoolWriteFailed(code, lost),
      maskCaller: callerMasker(opts.maskCallers),
      memoryLimit: opts.spoolMemoryEvents,
    });
    // Stored sounds (sound:NAME) are written beside the spool for a same-host Asterisk, served over HTTP otherwise.
    this.sounds = new SoundCatalogue(opts.soundsBaseUrl, join(dirname(opts.spoolDir), 'sounds'));
    this.live = new LiveConfig({
      config: opts.config,
      redis: this.redis,
      sub: this.sub,
      prefix: opts.prefix,
      sounds: this.sounds,
      changed: () => {
        void this.lamp.refresh();
        void this.fastPath.refresh();
      },
      log,
      now: this.now,
    });
    this.sounds.fetchStored = (hash) => this.live.fetchStoredSound(hash);
    const live = this.live;

    this.metrics = createDaemonMetrics({
      router: this.router,
      spool: this.spool,
      configVersion: () => (typeof live.version === 'number' ? live.version : 0),
      overridesInForce: () => live.overridesInForce(),
    });
    const metrics = this.metrics;

    this.ari = new AriConnection({ ...opts.ari, log });
    this.ari.on('state', (s: string) => metrics.ariState(s));
    const self = this;
    this.handler = new CallHandler({
      ctx: {
        rest: this.rest,
        router: this.router,
        appName: opts.ari.app,
        // The pushed configuration's forwarding rules, not the start-up file's.
        get forwarding() {
          return self.live.directory?.config.forwarding ?? opts.config.forwarding;
        },
        defaultSound: (kind, language) => defaultSoundFile(packageRoot(), kind, language),
        sounds: this.sounds,
        mediaFailed: (what, reason) => metrics.mediaFailed(what, reason),
        log,
        now: this.now,
      },
      router: this.router,
      directory: () => live.directory,
      overrides: () => live.overrides,
      continueTo: opts.continueTo,
      emit: (event) => this.spool.add(event),
      observe: (plan, outcome) => metrics.callHandled(plan, outcome),
      maskCaller: callerMasker(opts.maskCallers),
      feature: (e) => this.features.handle(e),
      setup,
      log,
    });
    const numbers = () => live.directory?.config.numbers;
    const featureCtx = {
      rest: this.rest,
      router: this.router,
      appName: opts.ari.app,
      forwarding: opts.config.forwarding,
      defaultSound: () => '',
      log,
      now: this.now,
    };
    this.features = new FeatureCodes({
      ctx: featureCtx,
      redis: this.redis,
      prefix: opts.prefix,
      numbers,
      pin: opts.featureCodePin,
      log,
    });
    this.lamp = new DeviceStateLamp({
      rest: this.rest,
      app: opts.ari.app,
      directory: () => live.directory,
      overrides: () => live.overrides,
      now: this.now,
      log,
    });
    this.fastPath = new OpenFastPath({
      rest: this.rest,
      app: opts.ari.app,
      enabled: opts.openFastPath ?? true,
      directory: () => live.directory,
      overrides: () => live.overrides,
      now: this.now,
      log,
    });
    // Asterisk may have restarted (device states and globals lost): publish every lamp and
    // every open number's "open until" again.
    // Events of the gap are lost: the calls in progress ask what is still there.
    this.ari.on('state', (s: string) => {
      if (s !== 'registered') return;
      void this.lamp.refresh(true);
      this.fastPathSynced = false;
      void this.fastPath.refresh(true).then(() => {
        if (this.ari.state === 'registered') this.fastPathSynced = true;
      });
      this.router
        .resync({ channel: (id) => this.rest.channelExists(id), playback: (id) => this.rest.playbackExists(id) })
        .catch((err: Error) => log.warn({ err }, 'checking the calls in progress after the ARI reconnect failed'));
      // Channels in the app that no call handles (lost with the connection, or a crashed daemon's).
      sweepStranded({
        app: opts.ari.app,
        appChannels: () => this.rest.appChannelIds(opts.ari.app),
        channel: (id) => this.rest.channel(id),
        bridgedChannels: () => this.rest.bridgedChannelIds(),
        owned: (id) => this.handler.isHandling(id) || this.router.owns(id),
        asteriskId: () => this.handler.asteriskId,
        decideAgain: (e) => this.handler.onStasisStart(e),
        normalRouting: (e) => this.handler.normalRouting(e),
        hangUp: (id) => this.rest.hangup(id, 'normal'),
        graceMs: STRANDED_GRACE_MS,
        log,
      }).catch((err: Error) => log.warn({ err }, 'looking for channels left in the app failed'));
    });
    this.ari.on('StasisStart', (e: StasisStartEvent) => this.handler.onStasisStart(e));
    this.ari.on('ChannelGone', (e: ChannelEvent) => this.router.onChannelGone(e));
    this.ari.on('PlaybackFinished', (e: PlaybackEvent) => this.router.onPlaybackFinished(e));
    this.ari.on('Recording', (e: RecordingEvent) => this.router.onRecording(e));
    this.ari.on('Dial', (e: DialEvent) => this.router.onDial(e));
  }

  /** What /healthz reports; ready only when the app is registered, a config is loaded and the fast path published. */
  health(): {
    ready: boolean;
    ari: string;
    config: string;
    redis: string;
    activeCalls: number;
    resources: AriEventDispatcher['size'] & { ariListeners: number };
  } {
    return {
      resources: { ...this.router.size, ariListeners: this.ari.ariListenerCount() },
      ready: this.ari.state === 'registered' && this.live.directory !== undefined && this.fastPathSynced,
      ari: this.ari.state,
      config: this.live.directory ? `version ${this.live.version}, ${this.live.directory.size} numbers` : 'not loaded',
      redis: this.redis.status,
      activeCalls: this.router.size.calls,
    };
  }

  async start(): Promise<void> {
    this.redis.on('ready', () => void this.spool.flush());
    await this.live.start();
    await this.startHttp();
    this.ari.start();
    void this.spool.flush();
  }

  /**
   * SIGHUP (`systemctl reload`): the pushed configuration, the overrides and the stored sounds
   * read again from Redis; while no configuration is pushed, `fromFile` (the --config file read
   * again) replaces the one the daemon started with. A pushed one always takes precedence.
   */
  async reload(fromFile?: AppConfig): Promise<void> {
    await this.live.reload(fromFile);
  }

  /** SIGTERM: stop taking calls, let those in progress finish (or hand them back), flush, close. */
  async stop(graceMs = 5000): Promise<void> {
    await shutDownDaemon(
      {
        handler: this.handler,
        router: this.router,
        rest: this.rest,
        spool: this.spool,
        continueTo: this.opts.continueTo,
        close: [
          () => this.ari.stop(),
          () => this.lamp.stop(),
          () => this.fastPath.stop(),
          () => this.live.stop(),
          () => this.spool.close(),
          () => this.rest.close(),
          () => this.metrics.close(),
          ...this.servers.map((s) => () => s.close()),
          () => this.sub.disconnect(),
          () => this.redis.disconnect(),
        ],
        log: this.opts.log,
      },
      graceMs,
    );
  }

  private async startHttp(): Promise<void> {
    const { metricsListen, decisionListen, log } = this.opts;
    const live = this.live;
    const decision = decisionRoutes({
      directory: () => live.directory,
      overrides: () => live.overrides,
      configVersion: () => live.version,
      fastPath: (did) => this.fastPath.stateOf(did),
      now: this.now,
    });
    const shared = sameListen(metricsListen, decisionListen);
    const metrics = await startHttpServer({
      ...metricsListen,
      registry: this.metrics.registry,
      health: () => this.health(),
      files: this.sounds.remote ? { prefix: '/sounds/', read: (name) => this.sounds.serve(name) } : undefined,
      routes: shared ? decision : undefined,
    });
    this.servers.push(metrics);
    const decisions = shared ? metrics : await startHttpServer({ ...decisionListen, routes: decision });
    if (!shared) this.servers.push(decisions);
    log.info({ metrics: metrics.address, decision: decisions.address }, 'metrics, health and decision endpoints up');
  }
}
