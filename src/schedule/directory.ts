import type { AppConfig, NumberConfig } from '../config/types';
import { compileSchedule, type CompiledSchedule, type WeekTablesCache } from './compile';
import { HolidayCalendars } from './holidays';
import type { ZoneOffsetsCache } from './zoneOffsets';

export interface DirectoryEntry {
  number: NumberConfig;
  schedule: CompiledSchedule;
}

/** Every configured number by E.164 DID, with its compiled schedule. Immutable: a new config makes a new directory. */
export class NumberDirectory {
  private readonly byDid = new Map<string, DirectoryEntry>();
  private readonly holidays = new HolidayCalendars();

  constructor(readonly config: AppConfig, zones: ZoneOffsetsCache) {
    const shared: WeekTablesCache = new Map(); // numbers with the same hours share one table
    for (const number of config.numbers) {
      this.byDid.set(number.did, { number, schedule: compileSchedule(number, zones, shared, this.holidays) });
    }
  }

  /** Expands holiday years for instants in [fromMs, toMs] ahead of the calls that need them. */
  prepare(fromMs: number, toMs: number): void {
    this.holidays.prepare(fromMs, toMs);
  }

  get(did: string): DirectoryEntry | undefined {
    return this.byDid.get(did);
  }

  get size(): number {
    return this.byDid.size;
  }
}
