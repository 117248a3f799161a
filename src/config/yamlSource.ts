import { CORE_SCHEMA, load as loadFast, YAMLException } from 'js-yaml';
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import type { ConfigError } from './errors';

export type Path = ReadonlyArray<string | number>;

/**
 * A parsed YAML file that can say where any path in it was written.
 *
 * Two parsers, for speed: js-yaml (YAML 1.2 core schema, as fast as it gets) reads the
 * values; the `yaml` library, which keeps every node's position but is an order of
 * magnitude slower on large files, runs only when a position is needed, i.e. when there
 * is an error to report.
 */
export class YamlSource {
  private parsed: { doc: Document.Parsed; lines: LineCounter } | undefined;
  private value: unknown;

  private constructor(
    readonly file: string,
    private readonly text: string,
  ) {}

  static parse(file: string, text: string): { source: YamlSource; errors: ConfigError[] } {
    const source = new YamlSource(file, text);
    try {
      source.value = loadFast(text, { schema: CORE_SCHEMA, filename: file });
      return { source, errors: [] };
    } catch (e) {
      const { doc, lines } = source.full();
      const errors = doc.errors.map((err) => {
        const pos = lines.linePos(err.pos[0]);
        return { file, line: pos.line, col: pos.col, message: `YAML syntax: ${err.message.split('\n')[0]}` };
      });
      if (errors.length > 0) return { source, errors };
      // Only js-yaml objected: report its reason at its position.
      const mark = e instanceof YAMLException ? e.mark : undefined;
      const reason = e instanceof YAMLException ? e.reason : String(e);
      return { source, errors: [{ file, line: (mark?.line ?? 0) + 1, col: (mark?.column ?? 0) + 1, message: `YAML syntax: ${reason}` }] };
    }
  }

  toJS(): unknown {
    return this.value;
  }

  private full(): { doc: Document.Parsed; lines: LineCounter } {
    if (!this.parsed) {
      const lines = new LineCounter();
      const doc = parseDocument(this.text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
      this.parsed = { doc, lines };
    }
    return this.parsed;
  }

  /** Position of the value at `path` (or of its key when `key` is true); falls back to the nearest parent. */
  position(path: Path, key = false): { line: number; col: number } {
    const { doc, lines } = this.full();
    let node: unknown = doc.contents;
    let best: number = node && (node as Node).range ? (node as Node).range![0] : 0;
    for (let i = 0; i < path.length; i++) {
      const seg = path[i]!;
      const last = i === path.length - 1;
      if (isMap(node)) {
        const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg));
        if (!pair) break;
        const keyNode = pair.key as Node;
        if (last && key) {
          best = keyNode.range ? keyNode.range[0] : best;
          break;
        }
        node = pair.value;
        const r = (pair.value as Node | null)?.range ?? keyNode.range;
        if (r) best = r[0];
      } else if (isSeq(node) && typeof seg === 'number') {
        node = node.items[seg];
        const r = (node as Node | undefined)?.range;
        if (!r) break;
        best = r[0];
      } else break;
    }
    const p = lines.linePos(best);
    return { line: p.line, col: p.col };
  }

  error(path: Path, message: string, key = false): ConfigError {
    return { file: this.file, ...this.position(path, key), message };
  }
}
