import { dirname, join } from 'node:path';
import type { Logger } from 'pino';
import type { Redis } from 'ioredis';
import { CallHandler } from '../ari/callHandler';
import { CallRouter } from '../ari/callRouter';
import { CallSetupTimer } from '../ari/callSetupTimer';
import { AriConnection } from '../ari/connection';
import { DeviceStateLamp } from '../ari/deviceStateLamp';
import { FeatureCodes } from '../ari/featureCodes';
import { AriRest } from '../ari/rest';
import { sweepStranded } from '../ari/strandedCalls';
import type { ChannelEvent, DialEvent, PlaybackEvent, RecordingEvent, StasisStartEvent } from '../ari/ariEvents';
import type { AppConfig } from '../config/types';
import { createDaemonMetrics, type DaemonMetrics } from './daemonMetrics';
import { shutDownDaemon } from './daemonShutdown';
import { EventStream, streamKeys } from '../events/stream';
import { sameListen, startHttpServer, type HttpServer, type Listen } from '../shared/httpServer';
import { callerMasker } from '../shared/log';
import { packageRoot } from '../shared/paths';
import { allDefaultSounds, DEFAULT_SOUND, defaultSoundFile } from '../sounds/defaultSounds';
import { configuredSounds, SoundCatalogue, type HeldSound } from '../sounds/soundCatalogue';
import { storedSoundNames } from '../sounds/soundRefs';
import { normaliseNumber } from '../phone/e164';
import { callerFor } from '../policy/callers';
import { explainDecision } from '../policy/decisionReport';
import { NumberDirectory } from '../schedule/directory';
import { NEXT_CHANGE_HORIZON_MS } from '../schedule/types';
import { overrideInForce } from '../schedule/overrides';
import { ZoneOffsetsCache } from '../schedule/zoneOffsets';
import { configKeys, readConfig } from '../store/configStore';
import { EventSpool } from '../store/eventSpool';
import { listOverrides, overrideKeys, type StoredOverride } from '../store/overrideStore';
import { createRedisClient, replicaWait } from '../store/redisClient';
import type { RedisSettings } from '../settings/redis';
import { listSounds, readSound, soundKeys } from '../store/soundStore';

// Wiring only: configuration, Redis, ARI, the call handler, the spool and the HTTP endpoints.

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
  log: Logger;
  now?: () => number;
}

const YEAR_MS = 365 * 86_400_000;
/** Between the two looks for channels left in the app after a registration (a StasisStart on its way arrives meanwhile). */
const STRANDED_GRACE_MS = 1000;

export class Daemon {
  private directory: NumberDirectory<AppConfig> | undefined;
  private configVersion: number | 'file' = 'file';
  private overrides = new Map<string, StoredOverride[]>();
  private readonly rest: AriRest;
  private readonly router = new CallRouter();
  private readonly ari: AriConnection;
  private readonly handler: CallHandler;
  private readonly redis: Redis;
  private readonly sub: Redis;
  private readonly spool: EventSpool;
  private readonly metrics: DaemonMetrics;
  private readonly lamp: DeviceStateLamp;
  private readonly features: FeatureCodes;
  private readonly sounds: SoundCatalogue;
  private readonly servers: HttpServer[] = [];
  private refreshTimer: NodeJS.Timeout | undefined;
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
    this.sounds.fetchStored = (hash) => this.fetchStoredSound(hash);
    this.useConfig(opts.config, 'file');

    this.metrics = createDaemonMetrics({
      router: this.router,
      spool: this.spool,
      configVersion: () => (typeof this.configVersion === 'number' ? this.configVersion : 0),
      overridesInForce: () => {
        const now = this.now();
        let n = 0;
        for (const list of this.overrides.values()) if (overrideInForce(list, now)) n++;
        return n;
      },
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
          return self.directory?.config.forwarding ?? opts.config.forwarding;
        },
        defaultSound: (kind, language) => defaultSoundFile(packageRoot(), kind, language),
        sounds: this.sounds,
        mediaFailed: (what, reason) => metrics.mediaFailed(what, reason),
        log,
        now: this.now,
      },
      router: this.router,
      directory: () => this.directory,
      overrides: () => this.overrides,
      continueTo: opts.continueTo,
      emit: (event) => this.spool.add(event),
      observe: (plan, outcome) => metrics.callHandled(plan, outcome),
      maskCaller: callerMasker(opts.maskCallers),
      feature: (e) => this.features.handle(e),
      setup,
      log,
    });
    const numbers = () => this.directory?.config.numbers;
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
      directory: () => this.directory,
      overrides: () => this.overrides,
      now: this.now,
      log,
    });
    // Asterisk may have restarted (device states lost): publish every lamp again.
    // Events of the gap are lost: the calls in progress ask what is still there.
    this.ari.on('state', (s: string) => {
      if (s !== 'registered') return;
      void this.lamp.refresh(true);
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

  /** What /healthz reports; ready only when the app is registered and a config is loaded. */
  health(): {
    ready: boolean;
    ari: string;
    config: string;
    redis: string;
    activeCalls: number;
    resources: CallRouter['size'] & { ariListeners: number };
  } {
    return {
      resources: { ...this.router.size, ariListeners: this.ari.ariListenerCount() },
      ready: this.ari.state === 'registered' && this.directory !== undefined,
      ari: this.ari.state,
      config: this.directory ? `version ${this.configVersion}, ${this.directory.size} numbers` : 'not loaded',
      redis: this.redis.status,
      activeCalls: this.router.size.calls,
    };
  }

  async start(): Promise<void> {
    const log = this.opts.log;
    const prefix = this.opts.prefix;
    const ck = configKeys(prefix);
    const ok = overrideKeys(prefix);
    const sk = soundKeys(prefix);
    this.sub.on('message', (channel: string) => {
      if (channel === ck.channel) void this.reloadConfig();
      else if (channel === ok.channel) void this.reloadOverrides();
      else if (channel === sk.channel) void this.reloadStoredSounds();
    });
    // After a reconnect, what changed meanwhile was never announced: reload everything.
    this.sub.on('ready', () => {
      void this.reloadConfig();
      void this.reloadOverrides();
      void this.reloadStoredSounds();
    });
    // The subscriber may be ready first, when this connection cannot read yet: reload here too,
    // or a push made during the outage waits for the next push.
    this.redis.on('ready', () => {
      void this.spool.flush();
      void this.reloadConfig();
      void this.reloadOverrides();
      void this.reloadStoredSounds();
    });
    // Give Redis a moment at start-up so the first calls see pushed config and overrides;
    // without it the daemon still starts, from the file.
    await new Promise<void>((resolve) => {
      if (this.redis.status === 'ready') return resolve();
      const t = setTimeout(resolve, 2000);
      this.redis.once('ready', () => {
        clearTimeout(t);
        resolve();
      });
    });
    // Not awaited: with Redis down the daemon starts anyway (calls are decided from memory),
    // and the subscription completes whenever Redis comes back.
    this.sub
      .subscribe(ck.channel, ok.channel, sk.channel)
      .catch((err: Error) => log.warn({ err }, 'redis subscribe failed; will retry on reconnect'));
    await Promise.all([this.reloadConfig(), this.reloadOverrides()]);
    await this.reloadStoredSounds();
    this.refreshTimer = setInterval(
      () => {
        void this.reloadOverrides();
        // Holiday years are expanded on demand; doing next year's now keeps that off a call.
        this.prepareYears();
      },
      6 * 3600 * 1000,
    );
    this.refreshTimer.unref();
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
    if (fromFile && this.configVersion === 'file') {
      this.useConfig(fromFile, 'file');
      this.opts.log.info({ numbers: fromFile.numbers.length }, 'configuration file read again');
      void this.lamp.refresh();
    }
    await Promise.all([this.reloadConfig(), this.reloadOverrides()]);
    await this.reloadStoredSounds();
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
          () => {
            if (this.refreshTimer) clearInterval(this.refreshTimer);
          },
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

  private useConfig(config: AppConfig, version: number | 'file'): void {
    const t = this.now();
    // Only the starting window: zone tables and holiday years follow the clock for as long as the daemon runs.
    const zones = new ZoneOffsetsCache(t - 30 * 86_400_000, t + 2 * YEAR_MS);
    this.directory = new NumberDirectory(config, zones);
    this.configVersion = version;
    // Hashed now, so a call does not; a remote Asterisk may fetch only these (and files played since).
    // (`default` names the shipped sounds, registered here in every language, not a file.)
    if (this.sounds.remote)
      for (const f of [...allDefaultSounds(packageRoot()), ...configuredSounds(config)]) if (f !== DEFAULT_SOUND) this.sounds.register(f);
    this.prepareYears();
  }

  private prepareYears(): void {
    const t = this.now();
    this.directory?.prepare(t, t + NEXT_CHANGE_HORIZON_MS);
  }

  private async reloadConfig(): Promise<void> {
    try {
      const stored = await readConfig(this.redis, this.opts.prefix);
      if (!stored || stored.version === this.configVersion) return;
      // The sounds first: a call under the new version finds them (a push checks they are stored).
      await this.loadStoredSounds(stored.config);
      this.useConfig(stored.config, stored.version);
      this.opts.log.info({ version: stored.version, numbers: stored.config.numbers.length }, 'configuration switched');
      void this.lamp.refresh();
    } catch (err) {
      // Keep the configuration we have.
      this.opts.log.warn({ err }, 'could not load the pushed configuration; keeping the current one');
    }
  }

  /** The stored sounds the current configuration names, again (one was replaced, or Redis is back). */
  private async reloadStoredSounds(): Promise<void> {
    const config = this.directory?.config;
    if (config) await this.loadStoredSounds(config);
  }

  /** Holds the stored sounds `config` names; with Redis unreachable, keeps those held. */
  private async loadStoredSounds(config: AppConfig): Promise<void> {
    const log = this.opts.log;
    const held: HeldSound[] = [];
    try {
      for (const name of storedSoundNames(config)) {
        const s = await readSound(this.redis, this.opts.prefix, name);
        if (s) held.push({ name, hash: s.sound.hash, wav: s.wav, ...(s.wav16 ? { wav16: s.wav16 } : {}) });
        else
          log.error(
            { err: new Error(`no stored sound "${name}" in Redis`), sound: name },
            'stored sound missing: calls that use it hear nothing',
          );
      }
    } catch (err) {
      log.warn({ err }, 'could not load the stored sounds; keeping the ones held');
      return;
    }
    for (const f of this.sounds.setStored(held)) log.error({ err: f.err, sound: f.name }, 'stored sound could not be written for Asterisk');
    if (held.length > 0) log.info({ sounds: held.map((h) => `${h.name}=${h.hash}`) }, 'stored sounds held');
  }

  /** Any stored sound by its hash, from Redis (a sound `sound play` plays that no number uses). */
  private async fetchStoredSound(hash: string): Promise<Buffer | undefined> {
    const found = (await listSounds(this.redis, this.opts.prefix)).find((s) => s.hash === hash);
    const s = found ? await readSound(this.redis, this.opts.prefix, found.name) : undefined;
    return s?.sound.hash === hash ? s.wav : undefined;
  }

  private async reloadOverrides(): Promise<void> {
    try {
      const list = await listOverrides(this.redis, this.opts.prefix, this.now());
      // Each number's overrides, in force and scheduled: the engine picks the one in force at each instant.
      const byDid = new Map<string, StoredOverride[]>();
      for (const o of list) byDid.set(o.did, [...(byDid.get(o.did) ?? []), o]);
      this.overrides = byDid;
      void this.lamp.refresh();
    } catch (err) {
      this.opts.log.warn({ err }, 'could not load overrides; keeping the ones in memory');
    }
  }

  private async startHttp(): Promise<void> {
    const { metricsListen, decisionListen, log } = this.opts;
    const decision = {
      // What this daemon would do with a call to ?did= now: for operations and tests.
      '/decision': (query: URLSearchParams) => {
        const dir = this.directory;
        const n = dir ? normaliseNumber(query.get('did') ?? '', dir.config.region) : undefined;
        const entry = n?.ok ? dir?.get(n.e164) : undefined;
        if (!entry) return { status: 404, body: { error: 'unknown DID' } };
        // The same explanation as `check --json`, plus the configuration version that decided.
        // ?caller= asks what a call from that number gets (callers.bypass / callers.block).
        const caller = query.get('caller');
        const report = explainDecision(
          entry,
          this.overrides.get(entry.number.did),
          this.now(),
          caller === null ? undefined : callerFor(caller, entry.number.did),
        );
        return { status: 200, body: { ...report, configVersion: this.configVersion } };
      },
    };
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
