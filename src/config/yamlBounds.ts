import { CORE_SCHEMA, load as loadFast } from 'js-yaml';
import type { ConfigError } from './errors';

// Bounds on what a YAML file may make the loader do: the values its aliases expand to (an
// alias bomb is refused with the alias to blame) and the length of a problem's message.

/**
 * The most values a document may hold once its aliases are expanded, each alias counted
 * every time it is used: everything after the parser (the schema check, the loader) walks
 * the expanded document. About three times the 100,000-number benchmark file (1.6 million).
 */
export const MAX_VALUES = 5_000_000;

/** The longest message a problem gets; longer ones (a quoted 1 MB value) lose their middle. */
export const MAX_MESSAGE_CHARS = 400;

export function bounded(message: string): string {
  if (message.length <= MAX_MESSAGE_CHARS) return message;
  const tail = 150;
  return `${message.slice(0, MAX_MESSAGE_CHARS - tail - 3)} … ${message.slice(-tail)}`;
}

/**
 * js-yaml builds an alias as a second reference to the anchored value: cheap to parse, but
 * nine lines of nine aliases each ("billion laughs") expand to 9^9 values for anything that
 * walks the result, and `&a [*a]` is a cycle. Counts the expanded size with one visit per
 * distinct value (sizes of shared values are remembered), stopping at the first cycle or as
 * soon as the count passes MAX_VALUES.
 */
export function checkExpandedSize(file: string, text: string, root: unknown): ConfigError | undefined {
  const aliases = text.includes('*'); // no "*" in the text: no alias, a plain tree
  const result = aliases ? expandedSize(root, MAX_VALUES) : treeSize(root, MAX_VALUES);
  if (result.ok) return undefined;
  const what = result.cycle !== undefined ? 'cycle' : 'size';
  const alias = aliases ? worstAlias(text, what === 'cycle') : undefined;
  if (!alias) {
    return { file, line: 1, col: 1, message: `the file holds more than ${MAX_VALUES.toLocaleString('en')} values (the limit)` };
  }
  const anchor = alias.anchor ? ` (anchor &${alias.name} at line ${alias.anchor.line})` : '';
  const message =
    what === 'cycle'
      ? `alias *${alias.name} is used inside its own anchor${anchor}: the value would be infinite`
      : `aliases expand the file to more than ${MAX_VALUES.toLocaleString('en')} values (the limit); alias *${alias.name}${anchor} alone expands to ${alias.size.toLocaleString('en')} values`;
  return { file, line: alias.line, col: alias.col, message: bounded(message) };
}

type SizeResult = { ok: true; size: number } | { ok: false; cycle?: true };

function childrenOf(x: object): unknown[] {
  return Array.isArray(x) ? x : Object.values(x);
}

function treeSize(root: unknown, limit: number): SizeResult {
  let size = 0;
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const x = stack.pop();
    if (++size > limit) return { ok: false };
    if (x !== null && typeof x === 'object') for (const c of childrenOf(x)) stack.push(c);
  }
  return { ok: true, size };
}

/** Expanded size (a value and everything below it, shared values counted at every use). */
function expandedSize(root: unknown, limit: number, memo = new Map<object, number>()): SizeResult {
  if (root === null || typeof root !== 'object') return { ok: true, size: 1 };
  const known = memo.get(root);
  if (known !== undefined) return known > limit ? { ok: false } : { ok: true, size: known };
  // Iterative post-order: js-yaml allows 100 levels, deeper than is safe to recurse on.
  interface Frame {
    node: object;
    children: unknown[];
    next: number;
    size: number;
  }
  const open = new Set<object>();
  const stack: Frame[] = [{ node: root, children: childrenOf(root), next: 0, size: 1 }];
  open.add(root);
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    if (top.next === top.children.length) {
      stack.pop();
      open.delete(top.node);
      memo.set(top.node, top.size);
      if (stack.length > 0) stack[stack.length - 1]!.size += top.size;
      continue;
    }
    const c = top.children[top.next++];
    if (c !== null && typeof c === 'object') {
      if (open.has(c)) return { ok: false, cycle: true };
      const s = memo.get(c);
      if (s !== undefined) top.size += s;
      else {
        open.add(c);
        stack.push({ node: c, children: childrenOf(c), next: 0, size: 1 });
        continue;
      }
    } else top.size += 1;
    if (top.size > limit) return { ok: false };
  }
  return memo.get(root)! > limit ? { ok: false } : { ok: true, size: memo.get(root)! };
}

interface AliasUse {
  name: string;
  line: number;
  col: number;
  size: number;
  anchor?: { line: number };
}

/**
 * Which alias to blame, found by parsing again with a listener (only on a refused file):
 * for a cycle, the first alias read while its anchored value was still being built;
 * otherwise the alias whose value is the largest once expanded.
 */
function worstAlias(text: string, cycle: boolean): AliasUse | undefined {
  const uses: Array<{ offset: number; target: unknown }> = [];
  const opened: number[] = [];
  const built = new WeakSet<object>();
  let cyclic: number | undefined;
  loadFast(text, {
    schema: CORE_SCHEMA,
    listener(event, state) {
      if (event === 'open') {
        opened.push(state.position);
        return;
      }
      const from = opened.pop()!;
      const result: unknown = state.result;
      // The node was an alias when its first character (after blanks and comments) is "*".
      const at = skipBlanks(text, from);
      if (text.charCodeAt(at) === 42 /* * */) {
        uses.push({ offset: at, target: result });
        if (cyclic === undefined && result !== null && typeof result === 'object' && !built.has(result)) cyclic = at;
      } else if (result !== null && typeof result === 'object') built.add(result);
    },
  });
  let best: { offset: number; size: number } | undefined;
  if (cycle) {
    if (cyclic !== undefined) best = { offset: cyclic, size: Infinity };
  } else {
    const memo = new Map<object, number>();
    for (const u of uses) {
      const r = expandedSize(u.target, Number.MAX_SAFE_INTEGER, memo);
      const size = r.ok ? r.size : Infinity;
      if (!best || size > best.size) best = { offset: u.offset, size };
    }
  }
  if (!best) return undefined;
  const name = /^\*([^\s,[\]{}]+)/.exec(text.slice(best.offset, best.offset + 1025))?.[1] ?? '';
  const pos = lineCol(text, best.offset);
  const anchorAt = findAnchor(text, name, best.offset);
  return { name, ...pos, size: best.size, ...(anchorAt !== undefined ? { anchor: { line: lineCol(text, anchorAt).line } } : {}) };
}

function skipBlanks(text: string, i: number): number {
  for (;;) {
    const c = text.charCodeAt(i);
    if (c === 32 || c === 9 || c === 10 || c === 13) i++;
    else if (c === 35 /* # */) {
      const nl = text.indexOf('\n', i);
      if (nl === -1) return text.length;
      i = nl + 1;
    } else return i;
  }
}

/** The last "&name" before the alias (anchors are defined before use). */
function findAnchor(text: string, name: string, before: number): number | undefined {
  if (name === '') return undefined;
  for (let i = text.lastIndexOf(`&${name}`, before); i !== -1; i = text.lastIndexOf(`&${name}`, i - 1)) {
    const end = text.charCodeAt(i + name.length + 1);
    if (Number.isNaN(end) || /[\s,[\]{}]/.test(String.fromCharCode(end))) return i;
    if (i === 0) break;
  }
  return undefined;
}

function lineCol(text: string, offset: number): { line: number; col: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, col: offset - lineStart + 1 };
}
