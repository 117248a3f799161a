import type { Logger } from 'pino';
import type { Redis } from 'ioredis';
import type { AppConfig } from '../config/types';
import { allDefaultSounds, DEFAULT_SOUND } from '../sounds/defaultSounds';
import { configuredSounds, type HeldSound, type SoundCatalogue } from '../sounds/soundCatalogue';
import { storedSoundNames } from '../sounds/soundRefs';
import { NumberDirectory } from '../schedule/directory';
import { overrideInForce } from '../schedule/overrides';
import { NEXT_CHANGE_HORIZON_MS } from '../schedule/types';
import { ZoneOffsetsCache } from '../schedule/zoneOffsets';
import { configKeys, readConfig } from '../store/configStore';
import { listOverrides, overrideKeys, type StoredOverride } from '../store/overrideStore';
import { listSounds, readSound, soundKeys } from '../store/soundStore';
import { packageRoot } from '../shared/paths';

// What the daemon decides calls from, kept current: the configuration (the start-up file
// until a pushed one is read), the overrides, and the stored sounds the configuration names.
// Each is read again when Redis announces a change, when Redis (re)connects (what changed
// meanwhile was never announced), and the overrides every six hours. Whatever cannot be
// read leaves what is held in place: calls are decided from memory.

const YEAR_MS = 365 * 86_400_000;
const REFRESH_MS = 6 * 3600 * 1000;

export interface LiveConfigDeps {
  config: AppConfig;
  redis: Redis;
  sub: Redis;
  prefix: string;
  sounds: SoundCatalogue;
  /** After the configuration or the overrides changed (the lamp and the fast path republish). */
  changed: () => void;
  log: Logger;
  now: () => number;
}

export class LiveConfig {
  private dir: NumberDirectory<AppConfig> | undefined;
  private configVersion: number | 'file' = 'file';
  private byDid = new Map<string, StoredOverride[]>();
  private refreshTimer: NodeJS.Timeout | undefined;

  constructor(private readonly deps: LiveConfigDeps) {
    this.use(deps.config, 'file');
  }

  get directory(): NumberDirectory<AppConfig> | undefined {
    return this.dir;
  }

  /** The pushed configuration's version; 'file' until one is read. */
  get version(): number | 'file' {
    return this.configVersion;
  }

  /** Each number's overrides, in force and scheduled: the engine picks the one in force at each instant. */
  get overrides(): ReadonlyMap<string, StoredOverride[]> {
    return this.byDid;
  }

  /** Numbers with an override in force now (a gauge). */
  overridesInForce(): number {
    const now = this.deps.now();
    let n = 0;
    for (const list of this.byDid.values()) if (overrideInForce(list, now)) n++;
    return n;
  }

  /** Subscribes, waits up to 2 s for Redis so the first calls see pushed config and overrides, and reads everything once. */
  async start(): Promise<void> {
    const { redis, sub, prefix, log } = this.deps;
    const ck = configKeys(prefix);
    const ok = overrideKeys(prefix);
    const sk = soundKeys(prefix);
    sub.on('message', (channel: string) => {
      if (channel === ck.channel) void this.reloadConfig();
      else if (channel === ok.channel) void this.reloadOverrides();
      else if (channel === sk.channel) void this.reloadStoredSounds();
    });
    // After a reconnect, what changed meanwhile was never announced: reload everything.
    sub.on('ready', () => this.reloadAll());
    // The subscriber may be ready first, when this connection cannot read yet: reload here too,
    // or a push made during the outage waits for the next push.
    redis.on('ready', () => this.reloadAll());
    // Without Redis the daemon still starts, from the file.
    await new Promise<void>((resolve) => {
      if (redis.status === 'ready') return resolve();
      const t = setTimeout(resolve, 2000);
      redis.once('ready', () => {
        clearTimeout(t);
        resolve();
      });
    });
    // Not awaited: with Redis down the daemon starts anyway (calls are decided from memory),
    // and the subscription completes whenever Redis comes back.
    sub
      .subscribe(ck.channel, ok.channel, sk.channel)
      .catch((err: Error) => log.warn({ err }, 'redis subscribe failed; will retry on reconnect'));
    await Promise.all([this.reloadConfig(), this.reloadOverrides()]);
    await this.reloadStoredSounds();
    this.refreshTimer = setInterval(() => {
      void this.reloadOverrides();
      // Holiday years are expanded on demand; doing next year's now keeps that off a call.
      this.prepareYears();
    }, REFRESH_MS);
    this.refreshTimer.unref();
  }

  /**
   * SIGHUP (`systemctl reload`): the pushed configuration, the overrides and the stored sounds
   * read again; while none is pushed, `fromFile` (the --config file read again) replaces the
   * start-up one. A pushed configuration always takes precedence.
   */
  async reload(fromFile?: AppConfig): Promise<void> {
    if (fromFile && this.configVersion === 'file') {
      this.use(fromFile, 'file');
      this.deps.log.info({ numbers: fromFile.numbers.length }, 'configuration file read again');
      this.deps.changed();
    }
    await Promise.all([this.reloadConfig(), this.reloadOverrides()]);
    await this.reloadStoredSounds();
  }

  stop(): void {
    if (this.refreshTimer) clearInterval(this.refreshTimer);
    this.refreshTimer = undefined;
  }

  /** Any stored sound by its hash, from Redis (a sound `sound play` plays that no number uses). */
  async fetchStoredSound(hash: string): Promise<Buffer | undefined> {
    const { redis, prefix } = this.deps;
    const found = (await listSounds(redis, prefix)).find((s) => s.hash === hash);
    const s = found ? await readSound(redis, prefix, found.name) : undefined;
    return s?.sound.hash === hash ? s.wav : undefined;
  }

  private reloadAll(): void {
    void this.reloadConfig();
    void this.reloadOverrides();
    void this.reloadStoredSounds();
  }

  private use(config: AppConfig, version: number | 'file'): void {
    const t = this.deps.now();
    // Only the starting window: zone tables and holiday years follow the clock for as long as the daemon runs.
    const zones = new ZoneOffsetsCache(t - 30 * 86_400_000, t + 2 * YEAR_MS);
    this.dir = new NumberDirectory(config, zones);
    this.configVersion = version;
    // Hashed now, so a call does not; a remote Asterisk may fetch only these (and files played since).
    // (`default` names the shipped sounds, registered here in every language, not a file.)
    const sounds = this.deps.sounds;
    if (sounds.remote)
      for (const f of [...allDefaultSounds(packageRoot()), ...configuredSounds(config)]) if (f !== DEFAULT_SOUND) sounds.register(f);
    this.prepareYears();
  }

  private prepareYears(): void {
    const t = this.deps.now();
    this.dir?.prepare(t, t + NEXT_CHANGE_HORIZON_MS);
  }

  private async reloadConfig(): Promise<void> {
    try {
      const stored = await readConfig(this.deps.redis, this.deps.prefix);
      if (!stored || stored.version === this.configVersion) return;
      // The sounds first: a call under the new version finds them (a push checks they are stored).
      await this.loadStoredSounds(stored.config);
      this.use(stored.config, stored.version);
      this.deps.log.info({ version: stored.version, numbers: stored.config.numbers.length }, 'configuration switched');
      this.deps.changed();
    } catch (err) {
      // Keep the configuration we have.
      this.deps.log.warn({ err }, 'could not load the pushed configuration; keeping the current one');
    }
  }

  /** The stored sounds the current configuration names, again (one was replaced, or Redis is back). */
  private async reloadStoredSounds(): Promise<void> {
    const config = this.dir?.config;
    if (config) await this.loadStoredSounds(config);
  }

  /** Holds the stored sounds `config` names; with Redis unreachable, keeps those held. */
  private async loadStoredSounds(config: AppConfig): Promise<void> {
    const { log, redis, prefix } = this.deps;
    const held: HeldSound[] = [];
    try {
      for (const name of storedSoundNames(config)) {
        const s = await readSound(redis, prefix, name);
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
    for (const f of this.deps.sounds.setStored(held))
      log.error({ err: f.err, sound: f.name }, 'stored sound could not be written for Asterisk');
    if (held.length > 0) log.info({ sounds: held.map((h) => `${h.name}=${h.hash}`) }, 'stored sounds held');
  }

  private async reloadOverrides(): Promise<void> {
    try {
      const list = await listOverrides(this.deps.redis, this.deps.prefix, this.deps.now());
      const byDid = new Map<string, StoredOverride[]>();
      for (const o of list) byDid.set(o.did, [...(byDid.get(o.did) ?? []), o]);
      this.byDid = byDid;
      this.deps.changed();
    } catch (err) {
      this.deps.log.warn({ err }, 'could not load overrides; keeping the ones in memory');
    }
  }
}
