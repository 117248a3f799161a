import { compileSchedule, type CompiledSchedule, type WeekTablesCache } from './compile';
import { HolidayCalendars } from './holidays';
import type { ScheduleInput } from './types';
import type { ZoneOffsetsCache } from './zoneOffsets';

/** What the directory needs of a configuration (the compiled AppConfig is one). */
export interface DirectoryConfig {
  numbers: ReadonlyArray<ScheduleInput & { did: string }>;
}

export interface DirectoryEntry<N = DirectoryConfig['numbers'][number]> {
  number: N;
  schedule: CompiledSchedule;
}

/** Every configured number by E.164 DID, with its compiled schedule. Immutable: a new config makes a new directory. */
export class NumberDirectory<C extends DirectoryConfig = DirectoryConfig> {
  private readonly byDid = new Map<string, DirectoryEntry<C['numbers'][number]>>();
  private readonly holidays = new HolidayCalendars();

  constructor(
    readonly config: C,
    zones: ZoneOffsetsCache,
  ) {
    const shared: WeekTablesCache = new Map(); // numbers with the same hours share one table
    for (const number of config.numbers) {
      this.byDid.set(number.did, { number, schedule: compileSchedule(number, zones, shared, this.holidays) });
    }
  }

  /** Expands holiday years for instants in [fromMs, toMs] ahead of the calls that need them. */
  prepare(fromMs: number, toMs: number): void {
    this.holidays.prepare(fromMs, toMs);
  }

  get(did: string): DirectoryEntry<C['numbers'][number]> | undefined {
    return this.byDid.get(did);
  }

  get size(): number {
    return this.byDid.size;
  }
}
