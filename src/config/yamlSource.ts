import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import type { ConfigError } from './errors';

export type Path = ReadonlyArray<string | number>;

/** A parsed YAML file that can say where any path in it was written. */
export class YamlSource {
  private constructor(
    readonly file: string,
    private readonly doc: Document.Parsed,
    private readonly lines: LineCounter,
  ) {}

  static parse(file: string, text: string): { source: YamlSource; errors: ConfigError[] } {
    const lines = new LineCounter();
    const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
    const source = new YamlSource(file, doc, lines);
    const errors = doc.errors.map((e) => {
      const pos = lines.linePos(e.pos[0]);
      return { file, line: pos.line, col: pos.col, message: `YAML syntax: ${e.message.split('\n')[0]}` };
    });
    return { source, errors };
  }

  toJS(): unknown {
    return this.doc.toJS({ maxAliasCount: 1000 });
  }

  /** Position of the value at `path` (or of its key when `key` is true); falls back to the nearest parent. */
  position(path: Path, key = false): { line: number; col: number } {
    let node: unknown = this.doc.contents;
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
    const p = this.lines.linePos(best);
    return { line: p.line, col: p.col };
  }

  error(path: Path, message: string, key = false): ConfigError {
    return { file: this.file, ...this.position(path, key), message };
  }
}
