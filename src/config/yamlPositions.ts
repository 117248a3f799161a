import { CORE_SCHEMA, load as loadFast } from 'js-yaml';
import { isMap, isPair, isScalar, isSeq, parseDocument, type Node } from 'yaml';

// Where a path of a YAML file was written: its offset, found by one js-yaml pass that follows
// the wanted paths only (locateOffsets), or by the `yaml` library's full parse (yamlOffsets,
// the reference, for small files), and as a line and column (lineCols).

export type Path = ReadonlyArray<string | number>;

/** A wanted position: of the value at `path`, or of its key when `key` is true. */
export interface PositionQuery {
  path: Path;
  key?: boolean;
}

/**
 * The offsets the `yaml` library gives the values (or keys) at `queries`: the reference
 * locateOffsets follows, parsing the whole file with every node's position.
 */
export function yamlOffsets(text: string, queries: readonly PositionQuery[]): number[] {
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: false });
  return queries.map(({ path, key = false }) => {
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
    return best;
  });
}

/** 1-based line and column (in UTF-16 units, as the `yaml` library counts) of each offset. */
export function lineCols(text: string, offsets: readonly number[]): Array<{ line: number; col: number }> {
  const order = offsets.map((_, i) => i).sort((a, b) => offsets[a]! - offsets[b]!);
  const out: Array<{ line: number; col: number }> = new Array(offsets.length);
  let line = 1;
  let lineStart = 0;
  let next = text.indexOf('\n');
  for (const i of order) {
    const at = offsets[i]!;
    while (next !== -1 && next < at) {
      line++;
      lineStart = next + 1;
      next = text.indexOf('\n', lineStart);
    }
    out[i] = { line, col: at - lineStart + 1 };
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// Offsets of wanted paths by one js-yaml pass.
//
// js-yaml calls the listener with "open" when it starts reading a node (composeNode) and
// "close" when the node is read, with the parser state: state.position, and at close
// state.kind ("scalar", "sequence", "mapping"; null for an alias or an empty node) and
// state.result. The calls nest like the nodes, but a node's role in its parent is not
// given, so it is worked out from the text around the node:
//   - a block sequence ("- " where the parent's content starts): every child is an item,
//     opened after its "-"; an item with nothing after its "-" has no events, so the
//     dashes between items are counted;
//   - a flow sequence ("["): every child is an item, except "k: v" pairs (a key followed
//     by ":", then its value), which are one-pair mappings;
//   - a flow mapping ("{"): children are keys, each followed by its value when ":" follows;
//   - a block mapping: children are keys and values. Its first implicit key opens where the
//     parent's content starts, as does a node that js-yaml first tries as a key and keeps as
//     the parent itself ("k:\n  [a, b]" reads "[a, b]" one level deeper), so such a child
//     is a key when ":" follows it, else the parent itself (a wrapper);
//   - an explicit key ("? k") opens right after its "?", and has a value when ":" follows.
// Only nodes on a wanted path are followed; the rest is counted as depth only, so memory is
// proportional to the number of wanted paths. A node's offset is where the `yaml` library
// starts it: at its content, after any anchor or tag; an empty value right after its ":"
// or "-" and the blanks and properties that follow on that line.
// ---------------------------------------------------------------------------------------

type Kind = 'map' | 'seq' | 'other';

/** What was found at one wanted path: its value's offset (-1: a key without a value), its key's (-1: an item). */
interface Found {
  offset: number;
  keyOffset: number;
  kind: Kind;
}

interface Trie {
  next: Map<string, Trie> | undefined;
  found: Found | undefined;
}

const enum Shape {
  Unknown,
  BlockSeq,
  FlowSeq,
  FlowMap,
  BlockMap,
  Wrapper,
}

const enum Role {
  Root,
  /** An item of a block sequence. */
  Item,
  /** An item of a flow sequence, or the key of a one-pair mapping in it. */
  FlowItem,
  Key,
  Value,
  /** The first child where the parent's content starts: a block mapping's first key, or the parent itself. */
  First,
}

interface Frame {
  /** This node's path, when it leads to a wanted path: its children are followed. */
  trie: Trie | undefined;
  role: Role;
  open: number;
  /** Where the content starts (after blanks, comments, anchors and tags). */
  cs: number;
  shape: Shape;
  /** Items seen (sequences). */
  index: number;
  /** Block sequence: where to count dashes from. */
  scan: number;
  /** Item: its "-"; Value: its ":". */
  indicator: number;
  /** Key: written after "?". */
  explicit: boolean;
  /** First / FlowItem: length of the log when opened (undone if it turns out to be a key). */
  logStart: number;
  /** A key read, its value to come. */
  pending: { trie: Trie | undefined; colon: number } | undefined;
}

const SPACE = 0x20;
const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;
const HASH = 0x23;
const AMP = 0x26;
const BANG = 0x21;
const STAR = 0x2a;
const DASH = 0x2d;
const COLON = 0x3a;
const QUESTION = 0x3f;
const LBRACKET = 0x5b;
const LBRACE = 0x7b;

function isWsOrEnd(c: number): boolean {
  return c === SPACE || c === TAB || c === LF || c === CR || c === 0 || Number.isNaN(c);
}
function isFlowIndicator(c: number): boolean {
  return c === 0x2c || c === LBRACKET || c === 0x5d || c === LBRACE || c === 0x7d;
}

/** A node being read on a wanted path, or SKIP: one off every wanted path (counted as depth only). */
const SKIP = null;

/** One js-yaml pass over a file that records in a trie of wanted paths where each one's key and value start. */
class PathWalk {
  /** js-yaml's copy of the text (after a byte order mark, ending in "\0"). */
  private input: string;
  /** False when the walk met a construct it does not follow (then the offsets are those of parents). */
  exact = true;
  /** The tries given a position, in order: undone when a node turns out to be a key. */
  private readonly log: Trie[] = [];
  private readonly stack: Array<Frame | typeof SKIP> = [];

  constructor(
    private readonly root: Trie,
    text: string,
  ) {
    this.input = text;
  }

  /** Reads `text` (which js-yaml reads without error), following the wanted paths. */
  walk(text: string): void {
    loadFast(text, {
      schema: CORE_SCHEMA,
      listener: (event, state) => {
        if (event === 'open') {
          if (this.stack.length === 0) this.input = state.input;
          this.onOpen(state.position);
        } else this.onClose(state.position, state.kind, state.result);
      },
    });
  }

  private set(t: Trie, found: Found) {
    t.found = found;
    this.log.push(t);
  }
  private undo(from: number) {
    for (let i = from; i < this.log.length; i++) this.log[i]!.found = undefined;
    this.log.length = from;
  }
  private child(t: Trie | undefined, name: string | undefined) {
    return t && name !== undefined ? t.next?.get(name) : undefined;
  }

  /** Past blanks, line breaks and comments. */
  private skipBlanks(i: number, end = Infinity): number {
    for (; i < end;) {
      const c = this.input.charCodeAt(i);
      if (c === SPACE || c === TAB || c === LF || c === CR) i++;
      else if (c === HASH) {
        while (i < end && !(this.input.charCodeAt(i) === LF || this.input.charCodeAt(i) === CR || i >= this.input.length)) i++;
      } else break;
    }
    return i;
  }
  /** Past one anchor or tag at `i`, if there is one. */
  private skipProperty(i: number): number {
    const c = this.input.charCodeAt(i);
    if (c === AMP) {
      i++;
      while (!isWsOrEnd(this.input.charCodeAt(i)) && !isFlowIndicator(this.input.charCodeAt(i))) i++;
    } else if (c === BANG) {
      i++;
      while (!isWsOrEnd(this.input.charCodeAt(i))) i++;
    }
    return i;
  }
  private contentStart(i: number): number {
    for (;;) {
      i = this.skipBlanks(i);
      const j = this.skipProperty(i);
      if (j === i) return i;
      i = j;
    }
  }
  /** Where the `yaml` library puts an empty value written after an indicator ending before `i`. */
  private emptyAt(i: number): number {
    for (;;) {
      while (this.input.charCodeAt(i) === SPACE || this.input.charCodeAt(i) === TAB) i++;
      const j = this.skipProperty(i);
      if (j === i) return i;
      i = j;
    }
  }
  /** The ":" after a key ending at `i` (-1: none). */
  private colonAfter(i: number): number {
    i = this.skipBlanks(i);
    return this.input.charCodeAt(i) === COLON ? i : -1;
  }
  private kindOf(kind: string | null): Kind {
    return kind === 'mapping' ? 'map' : kind === 'sequence' ? 'seq' : 'other';
  }
  /** The key as the `yaml` library compares it (String of a scalar's value); undefined: not a scalar. */
  private keyName(f: Frame, empty: boolean, kind: string | null, result: unknown): string | undefined {
    if (empty) return 'null';
    if (kind !== 'scalar' || this.input.charCodeAt(f.cs) === STAR) return undefined;
    return String(result);
  }
  /** Dashes in [from, to) of a block sequence: the last is returned, the others are empty items. */
  private dashes(seq: Frame, from: number, to: number): number {
    let dash = -1;
    for (let i = this.skipBlanks(from, to); i < to; i = this.skipBlanks(i, to)) {
      if (this.input.charCodeAt(i) !== DASH) {
        this.exact = false;
        break;
      }
      if (dash >= 0) {
        const t = this.child(seq.trie, String(seq.index++));
        if (t) this.set(t, { offset: this.emptyAt(dash + 1), keyOffset: -1, kind: 'other' });
      }
      dash = i++;
    }
    return dash;
  }
  private frame(trie: Trie | undefined, role: Role, open: number): Frame {
    return {
      trie,
      role,
      open,
      cs: this.contentStart(open),
      shape: Shape.Unknown,
      index: 0,
      scan: 0,
      indicator: -1,
      explicit: false,
      logStart: this.log.length,
      pending: undefined,
    };
  }

  private onOpen(pos: number) {
    if (this.stack.length === 0) {
      this.stack.push(this.frame(this.root, Role.Root, pos));
      return;
    }
    const parent = this.stack[this.stack.length - 1]!;
    if (parent === SKIP || parent.trie === undefined) {
      this.stack.push(SKIP);
      return;
    }
    if (parent.shape === Shape.Unknown) {
      if (pos <= parent.cs) {
        this.stack.push(this.frame(parent.trie, Role.First, pos));
        return;
      }
      const c = this.input.charCodeAt(parent.cs);
      parent.shape =
        c === DASH
          ? Shape.BlockSeq
          : c === LBRACKET
            ? Shape.FlowSeq
            : c === LBRACE
              ? Shape.FlowMap
              : c === QUESTION
                ? Shape.BlockMap
                : Shape.Wrapper;
      parent.scan = parent.cs;
    }
    switch (parent.shape) {
      case Shape.BlockSeq: {
        const dash = this.dashes(parent, parent.scan, pos);
        if (dash < 0) this.exact = false;
        const f = this.frame(this.child(parent.trie, String(parent.index++)), Role.Item, pos);
        f.indicator = dash;
        this.stack.push(f);
        return;
      }
      case Shape.FlowSeq:
      case Shape.FlowMap:
      case Shape.BlockMap: {
        if (parent.pending) {
          const f = this.frame(parent.pending.trie, Role.Value, pos);
          f.indicator = parent.pending.colon;
          parent.pending = undefined;
          this.stack.push(f);
        } else if (parent.shape === Shape.FlowSeq) {
          this.stack.push(this.frame(this.child(parent.trie, String(parent.index++)), Role.FlowItem, pos));
        } else {
          const f = this.frame(undefined, Role.Key, pos);
          f.explicit = parent.shape === Shape.BlockMap && this.input.charCodeAt(pos - 1) === QUESTION;
          this.stack.push(f);
        }
        return;
      }
      default:
        // A second child of a node that is not a collection: not a case js-yaml produces.
        this.exact = false;
        this.stack.push(SKIP);
    }
  }

  private key(f: Frame, parent: Frame, end: number, empty: boolean, kind: string | null, result: unknown) {
    const colon = this.colonAfter(end);
    // An implicit key not followed by ":" is js-yaml looking for one more key where the mapping ends.
    if (colon < 0 && parent.shape === Shape.BlockMap && !f.explicit) return;
    const t = this.child(parent.trie, this.keyName(f, empty, kind, result));
    if (t) this.set(t, { offset: -1, keyOffset: empty ? this.emptyAt(f.open) : f.cs, kind: 'other' });
    if (colon >= 0) parent.pending = { trie: t, colon };
  }

  private onClose(end: number, kind: string | null, result: unknown) {
    const f = this.stack.pop();
    if (f === SKIP || f === undefined) return;
    const parent = this.stack[this.stack.length - 1];
    const empty = end <= f.cs;
    if (f.trie && f.role !== Role.First) {
      // Empty items at the end of a block sequence (or one holding nothing but empty items).
      if (f.shape === Shape.Unknown && kind === 'sequence' && this.input.charCodeAt(f.cs) === DASH) {
        f.shape = Shape.BlockSeq;
        f.scan = f.cs;
      }
      if (f.shape === Shape.BlockSeq) {
        const last = this.dashes(f, f.scan, end);
        if (last >= 0) {
          const t = this.child(f.trie, String(f.index++));
          if (t) this.set(t, { offset: this.emptyAt(last + 1), keyOffset: -1, kind: 'other' });
        }
      }
    }
    switch (f.role) {
      case Role.Root:
        this.set(f.trie!, { offset: f.cs, keyOffset: -1, kind: this.kindOf(kind) });
        return;
      case Role.Item:
        if (parent) parent.scan = end;
        if (f.trie) this.set(f.trie, { offset: empty ? this.emptyAt(f.indicator + 1) : f.cs, keyOffset: -1, kind: this.kindOf(kind) });
        return;
      case Role.Value:
        if (f.trie?.found) {
          f.trie.found.offset = empty ? this.emptyAt(f.indicator + 1) : f.cs;
          f.trie.found.kind = this.kindOf(kind);
        }
        return;
      case Role.FlowItem: {
        const colon = this.colonAfter(end);
        if (colon < 0) {
          if (f.trie) this.set(f.trie, { offset: f.cs, keyOffset: -1, kind: this.kindOf(kind) });
          return;
        }
        // "[k: v]": the item is a one-pair mapping starting at its key.
        this.undo(f.logStart);
        if (f.trie) this.set(f.trie, { offset: f.cs, keyOffset: -1, kind: 'map' });
        const t = this.child(f.trie, this.keyName(f, empty, kind, result));
        if (t) this.set(t, { offset: -1, keyOffset: f.cs, kind: 'other' });
        parent!.pending = { trie: t, colon };
        return;
      }
      case Role.Key:
        this.key(f, parent!, end, empty, kind, result);
        return;
      case Role.First:
        if (this.colonAfter(end) >= 0) {
          this.undo(f.logStart);
          parent!.shape = Shape.BlockMap;
          this.key(f, parent!, end, empty, kind, result);
        } else parent!.shape = Shape.Wrapper;
        return;
    }
  }
}

/**
 * The offsets (UTF-16 units into `text`) the `yaml` library would give the values (or keys)
 * at `queries`, nearest existing parent included, found by one js-yaml pass over the file
 * (which must be one js-yaml reads without error). `exact` is false when the walk met a
 * construct it does not follow (then the offsets are those of parents).
 */
export function locateOffsets(text: string, queries: readonly PositionQuery[]): { offsets: number[]; exact: boolean } {
  const root: Trie = { next: undefined, found: undefined };
  for (const { path } of queries) {
    let t = root;
    for (const seg of path) {
      t.next ??= new Map();
      const name = String(seg);
      let n = t.next.get(name);
      if (!n) t.next.set(name, (n = { next: undefined, found: undefined }));
      t = n;
    }
  }

  // js-yaml drops a byte order mark and reads a copy of the text ending in "\0".
  const shift = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const walk = new PathWalk(root, text);
  walk.walk(text);

  const offsets = queries.map(({ path, key = false }) => {
    let t: Trie | undefined = root;
    let kind: Kind = root.found?.kind ?? 'other';
    let best = root.found?.offset ?? 0;
    for (let i = 0; i < path.length; i++) {
      const seg = path[i]!;
      const last = i === path.length - 1;
      if (kind === 'map') {
        t = t!.next?.get(String(seg));
        const found = t?.found;
        if (!found || found.keyOffset < 0) break;
        if (last && key) {
          best = found.keyOffset;
          break;
        }
        if (found.offset < 0) {
          best = found.keyOffset;
          kind = 'other';
        } else {
          best = found.offset;
          kind = found.kind;
        }
      } else if (kind === 'seq' && typeof seg === 'number') {
        t = t!.next?.get(String(seg));
        const found = t?.found;
        if (!found) break;
        best = found.offset;
        kind = found.kind;
      } else break;
    }
    return best + shift;
  });
  return { offsets, exact: walk.exact };
}
