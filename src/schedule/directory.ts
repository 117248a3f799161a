import type { AppConfig, NumberConfig } from '../config/types';
import { compileSchedule, type CompiledSchedule, type WeekTablesCache } from './compile';
import type { ZoneOffsetsCache } from './zoneOffsets';

export interface DirectoryEntry {
  number: NumberConfig;
  schedule: CompiledSchedule;
}

/** Every configured number by E.164 DID, with its compiled schedule. Immutable: a new config makes a new directory. */
export class NumberDirectory {
  private readonly byDid = new Map<string, DirectoryEntry>();

  constructor(readonly config: AppConfig, zones: ZoneOffsetsCache) {
    const shared: WeekTablesCache = new Map(); // numbers with the same hours share one table
    for (const number of config.numbers) {
      this.byDid.set(number.did, { number, schedule: compileSchedule(number, zones, shared) });
    }
  }

  get(did: string): DirectoryEntry | undefined {
    return this.byDid.get(did);
  }

  get size(): number {
    return this.byDid.size;
  }
}
