import { IANAZone } from 'luxon';
import { loadIcsFile } from './icsFile';
import type { ConfigError } from './errors';
import type { Path, YamlSource } from './yamlSource';

// What one load collects and reuses: its problems (with the position each was written at),
// and the per-load caches. Many numbers share a zone or an ICS file, and both checks are slow
// (an Intl.DateTimeFormat per zone check, a parse and RRULE expansion per ICS file).

/** The problems of one load, each placed where it was written in the source. */
export class LoadProblems {
  readonly errors: ConfigError[];

  constructor(
    private readonly source: YamlSource,
    earlier: readonly ConfigError[],
  ) {
    this.errors = [...earlier];
  }

  /** A problem at `path` (at its key when `key` is true). */
  add(path: Path, message: string, key = false): void {
    this.errors.push(this.source.error(path, message, key));
  }

  /** A problem at `path` that names the line where `first` was written. */
  citing(path: Path, first: Path, message: (line: number) => string): void {
    this.errors.push(this.source.errorCiting(path, first, message));
  }

  get count(): number {
    return this.errors.length;
  }
}

export class LoadCache {
  private readonly zoneValid = new Map<string, boolean>();
  private readonly icsLoaded = new Map<string, ReturnType<typeof loadIcsFile>>();
  private readonly memo = new Map<string, unknown>();

  /** `year`: iCalendar files are test-expanded for it; `icsTexts`: texts to use instead of reading those paths. */
  constructor(
    private readonly year: number,
    private readonly problems: LoadProblems,
    private readonly icsTexts?: ReadonlyMap<string, string>,
    /** Why a path may not be read by this load (outside its file scope), or undefined. */
    private readonly refusal: (absPath: string, written: string) => string | undefined = () => undefined,
  ) {}

  isValidZone(tz: string): boolean {
    let ok = this.zoneValid.get(tz);
    if (ok === undefined) this.zoneValid.set(tz, (ok = IANAZone.isValidZone(tz)));
    return ok;
  }

  /** An iCalendar file's text: as given (icsTexts), else read, when the load may read that path. */
  loadIcs(path: string, written: string = path): ReturnType<typeof loadIcsFile> {
    let loaded = this.icsLoaded.get(path);
    if (!loaded) {
      const given = this.icsTexts?.get(path);
      const refused = given === undefined ? this.refusal(path, written) : undefined;
      loaded = refused !== undefined ? { error: refused } : loadIcsFile(path, this.year, given);
      this.icsLoaded.set(path, loaded);
    }
    return loaded;
  }

  /**
   * Numbers written alike share one parsed value (the config is immutable once loaded): with
   * 100k numbers, most repeat a few hours, holiday lists and policies. A value is shared only
   * when building it reported no problem, so every problem keeps its own position.
   */
  shared<T>(kind: string, raw: unknown, build: () => T): T {
    const key = `${kind}\n${JSON.stringify(raw) ?? ''}`;
    if (this.memo.has(key)) return this.memo.get(key) as T;
    const before = this.problems.count;
    const value = build();
    if (this.problems.count === before) this.memo.set(key, value);
    return value;
  }
}
