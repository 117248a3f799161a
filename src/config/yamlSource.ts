import { CORE_SCHEMA, load as loadFast, YAMLException } from 'js-yaml';
import { LineCounter, parseDocument } from 'yaml';
import type { ConfigError } from './errors';
import { bounded, checkExpandedSize } from './yamlBounds';
import { lineCols, locateOffsets, yamlOffsets, type Path, type PositionQuery } from './yamlPositions';

// A parsed configuration file and where each of its paths was written. Finding positions is
// src/config/yamlPositions.ts'; bounding what an alias may expand to, yamlBounds.ts'.

export type { Path, PositionQuery } from './yamlPositions';

/**
 * The largest file the `yaml` library parses in full (it keeps every node with its position:
 * about 2 GB and a minute for the 25 MB benchmark file). Above it a syntax error is reported
 * as js-yaml words it, and positions never need it.
 */
export const FULL_PARSE_LIMIT = 512 * 1024;

interface Waiting {
  error: ConfigError;
  query: PositionQuery;
  /** An error that names the line of another path, e.g. "already configured at line N". */
  cite?: { query: PositionQuery; message: (line: number) => string };
}

/**
 * A parsed YAML file that can say where any path in it was written.
 *
 * js-yaml (YAML 1.2 core schema, as fast as it gets) reads the values. Positions are looked
 * up only when there is an error to report, and then in one batch: an error's line and
 * column are filled in the first time any waiting error's position is read (sorting them
 * does), by one more js-yaml pass that follows the wanted paths only (locateOffsets). The
 * time is one parse and the memory proportional to the number of errors, whatever the size
 * of the file.
 */
export class YamlSource {
  private value: unknown;
  private waiting: Waiting[] = [];

  private constructor(
    readonly file: string,
    private readonly text: string,
  ) {}

  static parse(file: string, text: string): { source: YamlSource; errors: ConfigError[] } {
    const source = new YamlSource(file, text);
    try {
      source.value = loadFast(text, { schema: CORE_SCHEMA, filename: file });
    } catch (e) {
      // Too deeply nested for js-yaml (100 levels): the positional parser would recurse
      // until the stack runs out, so js-yaml's own position is the answer.
      if (e instanceof YAMLException && /maxDepth/.test(e.reason)) {
        const mark = e.mark;
        return {
          source,
          errors: [
            { file, line: (mark?.line ?? 0) + 1, col: (mark?.column ?? 0) + 1, message: 'YAML syntax: nested more than 100 levels deep' },
          ],
        };
      }
      // The `yaml` library words syntax errors better, but is slow and big on large files.
      if (text.length <= FULL_PARSE_LIMIT) {
        const lines = new LineCounter();
        const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
        const errors = doc.errors.map((err) => {
          const pos = lines.linePos(err.pos[0]);
          return { file, line: pos.line, col: pos.col, message: bounded(`YAML syntax: ${err.message.split('\n')[0]}`) };
        });
        if (errors.length > 0) return { source, errors };
      }
      // Only js-yaml objected (or the file is too large for the other): its reason at its position.
      const mark = e instanceof YAMLException ? e.mark : undefined;
      const reason = e instanceof YAMLException ? e.reason : String(e);
      return {
        source,
        errors: [{ file, line: (mark?.line ?? 0) + 1, col: (mark?.column ?? 0) + 1, message: bounded(`YAML syntax: ${reason}`) }],
      };
    }
    const tooLarge = checkExpandedSize(file, text, source.value);
    return tooLarge ? { source, errors: [tooLarge] } : { source, errors: [] };
  }

  toJS(): unknown {
    return this.value;
  }

  /**
   * Position of the value at `path` (or of its key when `key` is true); falls back to the
   * nearest parent. Looked up at once, together with every error still waiting: prefer
   * error() and errorCiting(), which wait for one batch.
   */
  position(path: Path, key = false): { line: number; col: number } {
    return this.settle([{ path, key }])[0]!;
  }

  /** An error at `path` (at its key when `key` is true); its position is filled in when first read. */
  error(path: Path, message: string, key = false): ConfigError {
    return this.wait({ path, key }, bounded(message));
  }

  /** An error at `path` whose message names the line where `cited` was written, found in the same batch. */
  errorCiting(path: Path, cited: Path, message: (line: number) => string, key = false): ConfigError {
    return this.wait({ path, key }, undefined, { query: { path: cited }, message });
  }

  /** An error whose position (and, when it cites a line, message) the next batch fills in. */
  private wait(query: PositionQuery, message: string | undefined, cite?: Waiting['cite']): ConfigError {
    const self = this;
    const settled = (name: 'line' | 'col' | 'message') => ({
      configurable: true,
      enumerable: true,
      get(): unknown {
        self.settle();
        return error[name];
      },
    });
    const error = Object.defineProperties({ file: this.file } as ConfigError, {
      line: settled('line'),
      col: settled('col'),
      message: message === undefined ? settled('message') : { value: message, writable: true, enumerable: true, configurable: true },
    });
    this.waiting.push({ error, query, ...(cite ? { cite } : {}) });
    return error;
  }

  /** Finds the positions of every waiting error (and of `extra`) in one pass, and fills them in. */
  private settle(extra: PositionQuery[] = []): Array<{ line: number; col: number }> {
    const batch = this.waiting;
    this.waiting = [];
    const queries: PositionQuery[] = [];
    for (const w of batch) queries.push(w.query);
    for (const w of batch) if (w.cite) queries.push(w.cite.query);
    queries.push(...extra);
    let positions: Array<{ line: number; col: number }>;
    try {
      positions = this.locate(queries);
    } catch {
      positions = queries.map(() => ({ line: 1, col: 1 })); // never expected: a position, not a crash
    }
    let cited = batch.length;
    batch.forEach((w, i) => {
      const at = positions[i]!;
      const fixed = { writable: true, enumerable: true, configurable: true };
      Object.defineProperty(w.error, 'line', { ...fixed, value: at.line });
      Object.defineProperty(w.error, 'col', { ...fixed, value: at.col });
      if (w.cite) Object.defineProperty(w.error, 'message', { ...fixed, value: bounded(w.cite.message(positions[cited++]!.line)) });
    });
    return positions.slice(queries.length - extra.length);
  }

  private locate(queries: PositionQuery[]): Array<{ line: number; col: number }> {
    if (queries.length === 0) return [];
    const found = locateOffsets(this.text, queries);
    // The walk gave up on a construct it does not follow (none is known): the slow way, when affordable.
    const offsets = found.exact || this.text.length > FULL_PARSE_LIMIT ? found.offsets : yamlOffsets(this.text, queries);
    return lineCols(this.text, offsets);
  }
}
