import type { Redis } from 'ioredis';
import type { AppConfig } from '../config/types';
import { normaliseNumber } from '../phone/e164';
import { explainDecision, type DecisionReport } from '../policy/decisionReport';
import { NumberDirectory, type DirectoryEntry } from '../schedule/directory';
import { ZoneOffsetsCache } from '../schedule/zoneOffsets';
import { configKeys, readConfig } from '../store/configStore';
import { overrideInForce } from '../schedule/overrides';
import { listOverrides, type StoredOverride } from '../store/overrideStore';
import { badRequest, notFound } from './httpError';

// The numbers as the daemons see them: the pushed configuration (or the console's start-up
// file until one is pushed), compiled once per version, with the overrides in Redis.

const DAY_MS = 86_400_000;

export type NumberEntry = DirectoryEntry<AppConfig['numbers'][number]>;

export interface NumberState extends DecisionReport {
  /** The override in force now, if any. */
  override: StoredOverride | null;
  /** Every override not yet expired: in force and scheduled, by start. */
  overrides: StoredOverride[];
}

export class NumbersView {
  private cached: { version: number | 'file'; directory: NumberDirectory<AppConfig> } | undefined;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly now: () => number,
    private readonly startupConfig?: AppConfig,
  ) {}

  /** The directory in force and its version; undefined when nothing is pushed and no file was given. */
  async directory(): Promise<{ version: number | 'file'; directory: NumberDirectory<AppConfig> } | undefined> {
    const raw = await this.redis.get(configKeys(this.prefix).version);
    const pushed = raw === null ? undefined : Number(raw);
    if (pushed === undefined) {
      if (!this.startupConfig) return undefined;
      if (this.cached?.version !== 'file') this.cached = { version: 'file', directory: this.compile(this.startupConfig) };
      return this.cached;
    }
    if (this.cached?.version !== pushed) {
      const stored = await readConfig(this.redis, this.prefix);
      if (!stored) return this.cached;
      this.cached = { version: stored.version, directory: this.compile(stored.config) };
    }
    return this.cached;
  }

  private compile(config: AppConfig): NumberDirectory<AppConfig> {
    const t = this.now();
    const dir = new NumberDirectory(config, new ZoneOffsetsCache(t - 30 * DAY_MS, t + 2 * 366 * DAY_MS));
    dir.prepare(t, t + 366 * DAY_MS);
    return dir;
  }

  /** A DID as typed (any format) to a configured entry; refuses a malformed or unknown number. */
  async entry(did: string): Promise<NumberEntry> {
    const d = await this.directory();
    const n = normaliseNumber(did, d?.directory.config.region ?? 'PL');
    if (!n.ok) throw badRequest(`"${did}" is not a phone number: ${n.error}`);
    const entry = d?.directory.get(n.e164);
    if (!entry) throw notFound(`${n.e164} is not a configured number`);
    return entry;
  }

  /** Every DID's overrides that have not expired (in force or scheduled). */
  async overrides(): Promise<Map<string, StoredOverride[]>> {
    const byDid = new Map<string, StoredOverride[]>();
    for (const o of await listOverrides(this.redis, this.prefix, this.now())) byDid.set(o.did, [...(byDid.get(o.did) ?? []), o]);
    return byDid;
  }

  private report(entry: NumberEntry, list: StoredOverride[], t: number): NumberState {
    return { ...explainDecision(entry, list, t), override: overrideInForce(list, t) ?? null, overrides: list };
  }

  /** Every number's state now: open or closed, why, what a call gets, the next change, its override. */
  async states(): Promise<{ configVersion: number | 'file' | null; numbers: NumberState[] }> {
    const d = await this.directory();
    if (!d) return { configVersion: null, numbers: [] };
    const overrides = await this.overrides();
    const t = this.now();
    const numbers = d.directory.config.numbers.map((n) =>
      this.report(d.directory.get(n.did) as NumberEntry, overrides.get(n.did) ?? [], t),
    );
    return { configVersion: d.version, numbers };
  }

  async state(did: string): Promise<NumberState> {
    const entry = await this.entry(did);
    const list = (await this.overrides()).get(entry.number.did) ?? [];
    return this.report(entry, list, this.now());
  }
}
