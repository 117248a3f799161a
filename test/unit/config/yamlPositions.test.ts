import { isDeepStrictEqual } from 'node:util';
import { CORE_SCHEMA, load } from 'js-yaml';
import { isMap, isPair, isScalar, isSeq, parseDocument, type Node } from 'yaml';
import { FULL_PARSE_LIMIT, YamlSource } from '../../../src/config/yamlSource';
import { locateOffsets, yamlOffsets, type Path, type PositionQuery } from '../../../src/config/yamlPositions';

// Error positions come from one js-yaml pass that follows the wanted paths (locateOffsets);
// the `yaml` library, which keeps every node's position, is the reference it must match,
// offset for offset, on every path of generated files in every style YAML allows.

/** Deterministic random numbers (mulberry32). */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Gen {
  r: () => number;
  anchors: string[];
  count: number;
}
const pick = <T>(g: Gen, xs: readonly T[]): T => xs[Math.floor(g.r() * xs.length)]!;
const chance = (g: Gen, p: number) => g.r() < p;
const pad = (n: number) => ' '.repeat(n);

function anchor(g: Gen): string {
  const name = `a${g.count++}`;
  g.anchors.push(name);
  return name;
}

function scalar(g: Gen, flow: boolean): string {
  const n = g.count++;
  const plain = [`w${n}`, String(n), `-${n}.5`, 'true', 'null', '~', `two words ${n}`, '0x1F', `http://x/${n}`];
  const quoted = [`"q ${n} \\" x"`, `'s ${n} '' y'`, `"09:00-17:00"`, `''`, `"a: b, [c]"`];
  const s = chance(g, 0.3) ? pick(g, quoted) : pick(g, flow ? plain.filter((p) => !p.includes(':')) : plain);
  if (chance(g, 0.1)) return `!!str ${s}`;
  if (chance(g, 0.1)) return `&${anchor(g)} ${s}`;
  if (g.anchors.length > 0 && chance(g, 0.08)) return `*${pick(g, g.anchors)}`;
  return s;
}

function key(g: Gen, flow: boolean): string {
  const n = g.count++;
  return pick(
    g,
    flow ? [`k${n}`, `"k ${n}"`, `'k${n}'`, String(n)] : [`k${n}`, `"k ${n}"`, `'k ${n}'`, String(n), `k ${n}`, `&${anchor(g)} k${n}`],
  );
}

function comment(g: Gen): string {
  return chance(g, 0.3) ? ` # c${g.count++} - x: [y]` : '';
}

function flowNode(g: Gen, depth: number, indent: number): string {
  const multi = chance(g, 0.3);
  const sep = multi ? `,${chance(g, 0.5) ? ' # c' : ''}\n${pad(indent + 2)}` : ', ';
  const props = chance(g, 0.15) ? `&${anchor(g)} ` : '';
  const items: string[] = [];
  const n = Math.floor(g.r() * 4);
  const value = () => (depth < 3 && chance(g, 0.3) ? flowNode(g, depth + 1, indent + 2) : scalar(g, true));
  if (chance(g, 0.5)) {
    for (let i = 0; i < n; i++) items.push(chance(g, 0.15) ? `${key(g, true)}: ${value()}` : value());
    return `${props}[${items.join(sep)}${multi && chance(g, 0.5) ? `,\n${pad(indent)}` : ''}]`;
  }
  for (let i = 0; i < n; i++) {
    const k = key(g, true);
    items.push(chance(g, 0.15) ? k : chance(g, 0.1) ? `${k}: ` : `${k}: ${value()}`);
  }
  return `${props}{${items.join(sep)}}`;
}

/** A node written after "key:" or "- ": what follows on that line, then the lines below it. */
function blockNode(g: Gen, depth: number, indent: number, inSeq: boolean): { head: string; lines: string[] } {
  const kinds =
    depth >= 4
      ? ['scalar', 'flow', 'empty', 'block-scalar']
      : [
          'scalar',
          'scalar',
          'map',
          'map',
          'seq',
          'seq',
          'flow',
          'flow-below',
          'scalar-below',
          'empty',
          'block-scalar',
          'multi-plain',
          'multi-quoted',
        ];
  const kind = pick(g, kinds);
  const inner = indent + 2;
  switch (kind) {
    case 'scalar':
      return { head: ` ${scalar(g, false)}${comment(g)}`, lines: [] };
    case 'flow':
      return { head: ` ${flowNode(g, 0, inner)}${comment(g)}`, lines: [] };
    case 'flow-below':
      return { head: comment(g), lines: [`${pad(inner)}${flowNode(g, 0, inner)}`] };
    case 'scalar-below':
      return { head: chance(g, 0.3) ? ` &${anchor(g)}` : '', lines: [`${pad(inner)}${scalar(g, false)}`] };
    case 'empty':
      return { head: pick(g, ['', ' ', '  # empty', ` &${anchor(g)}`, ' !!null']), lines: [] };
    case 'block-scalar':
      return {
        head: ` ${pick(g, ['|', '>', '|-', '>+', '|2'])}${comment(g)}`,
        lines: [`${pad(inner)}text ${g.count++}`, '', `${pad(inner)}  more: [x]`],
      };
    case 'multi-plain':
      return { head: ` first ${g.count++}`, lines: [`${pad(inner)}second line`, `${pad(inner)}third`] };
    case 'multi-quoted':
      return { head: ` "first ${g.count++}`, lines: [`${pad(inner)}second"`] };
    case 'map': {
      const props = chance(g, 0.2) ? ` &${anchor(g)}` : chance(g, 0.1) ? ' !!map' : '';
      const lines = blockMap(g, depth + 1, inner);
      if (inSeq && !props && chance(g, 0.6)) {
        // Compact: the first key on the dash's line.
        const first = lines.findIndex((l) => l.trim() !== '' && !l.trim().startsWith('#'));
        if (first === 0) return { head: ` ${lines[0]!.trimStart()}`, lines: lines.slice(1) };
      }
      return { head: props + comment(g), lines };
    }
    default: {
      const props = chance(g, 0.2) ? ` &${anchor(g)}` : '';
      // A sequence may sit at its key's indentation.
      const at = !inSeq && chance(g, 0.4) ? indent : inner;
      const lines = blockSeq(g, depth + 1, at);
      if (inSeq && !props && chance(g, 0.5)) return { head: ` ${lines[0]!.trimStart()}`, lines: lines.slice(1) };
      return { head: props + comment(g), lines };
    }
  }
}

function filler(g: Gen, indent: number): string[] {
  return chance(g, 0.2) ? [pick(g, ['', `${pad(indent)}# between`, '#  at column one', `${pad(indent + 3)}# deeper`])] : [];
}

function blockMap(g: Gen, depth: number, indent: number): string[] {
  const lines: string[] = [];
  const n = 1 + Math.floor(g.r() * 4);
  for (let i = 0; i < n; i++) {
    if (i > 0) lines.push(...filler(g, indent));
    const node = blockNode(g, depth, indent, false);
    if (chance(g, 0.07)) {
      // Explicit key, with or without a value.
      lines.push(`${pad(indent)}? ${key(g, false)}${comment(g)}`);
      if (chance(g, 0.8)) lines.push(`${pad(indent)}:${node.head}`, ...node.lines);
    } else lines.push(`${pad(indent)}${key(g, false)}${chance(g, 0.1) ? ' ' : ''}:${node.head}`, ...node.lines);
  }
  return lines;
}

function blockSeq(g: Gen, depth: number, indent: number): string[] {
  const lines: string[] = [];
  const n = 1 + Math.floor(g.r() * 4);
  for (let i = 0; i < n; i++) {
    if (i > 0) lines.push(...filler(g, indent));
    const node = blockNode(g, depth, indent, true);
    lines.push(`${pad(indent)}-${node.head}`, ...node.lines);
  }
  return lines;
}

function document(seed: number): string {
  const g: Gen = { r: random(seed), anchors: [], count: 0 };
  const head = pick(g, ['', '---\n', '# a comment\n', '--- # started\n', '\n\n']);
  const body = chance(g, 0.8) ? blockMap(g, 0, 0) : chance(g, 0.5) ? blockSeq(g, 0, 0) : [flowNode(g, 0, 0)];
  return head + body.join('\n') + pick(g, ['\n', '', '\n# end\n', '\n\n']);
}

/** Every path in the document (by the `yaml` library), and paths that go one step too far. */
function queriesOf(text: string): PositionQuery[] {
  const doc = parseDocument(text);
  const out: PositionQuery[] = [];
  const walk = (node: unknown, path: Array<string | number>) => {
    out.push({ path }, { path: [...path, 'missing'] }, { path: [...path, 0] }, { path: [...path, 99] });
    if (isMap(node)) {
      for (const p of node.items) {
        if (!isPair(p) || !isScalar(p.key)) continue;
        const k = String(p.key.value);
        const seg = /^\d+$/.test(k) ? Number(k) : k; // as ajv's paths give them
        out.push({ path: [...path, seg], key: true });
        walk(p.value, [...path, seg]);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => {
        out.push({ path: [...path, String(i)] }, { path: [...path, i], key: true });
        walk(item, [...path, i]);
      });
    }
  };
  walk(doc.contents as Node | null, []);
  return out;
}

/**
 * Read alike by both parsers. They disagree on a few documents (js-yaml takes "- x" after
 * an empty item "  - " as one more item of the inner list): there the paths of js-yaml's
 * value are not the `yaml` library's, and no position can be the same.
 */
function valid(text: string): boolean {
  let value: unknown;
  try {
    value = load(text, { schema: CORE_SCHEMA });
  } catch {
    return false;
  }
  const doc = parseDocument(text, { uniqueKeys: true });
  return doc.errors.length === 0 && isDeepStrictEqual(doc.toJS(), value);
}

describe('positions from one js-yaml pass match the yaml library', () => {
  it('on every path of 600 generated files in mixed styles', () => {
    let files = 0;
    let queries = 0;
    let seed = 1;
    for (; files < 600; seed++) {
      const text = document(seed);
      if (!valid(text)) continue;
      files++;
      const qs = queriesOf(text);
      queries += qs.length;
      const found = locateOffsets(text, qs);
      const expected = yamlOffsets(text, qs);
      const wrong = qs.map((q, i) => ({ ...q, got: found.offsets[i], want: expected[i] })).filter((x) => x.got !== x.want);
      if (wrong.length > 0 || !found.exact) {
        throw new Error(`seed ${seed}: ${found.exact ? '' : 'not exact; '}${JSON.stringify(wrong.slice(0, 5))}\n${text}`);
      }
    }
    expect(queries).toBeGreaterThan(20_000);
    expect(seed).toBeLessThan(1200); // most generated files are read alike by both parsers
  });

  it.each([
    ['empty values and comments', 'a: 1\nb:\nc:   # c\nd: &x\ne: !!str\nf:\n  # x\n  g: 2\n'],
    ['empty items', '- &x\n- \n-  # c\n-\n- x\n-\n'],
    ['a sequence at its key’s indentation, empty items last', 'x:\n- a\n-\n-\nb: 1\n'],
    ['explicit keys', '- ? a\n  : b\n- ? c\n- ? "d" # c\n\n  :\n    e\n  ? f\n'],
    ['flow pairs and keys without values', '[a: b, c, {d, e: , f: [1, {g: h}]}]\n'],
    ['values on the next line', 'k:\n  [a, b]\nl:\n  "s"\nm: &m\n  n: 1\no:\n  *m\n'],
    ['anchored keys', '- &x a: 1\n  b: 2\n- !!str c: 3\n'],
    ['a byte order mark and CRLF line ends', '\ufeffa: 1\r\nb:\r\n  - x\r\n  - y\r\n'],
    ['a document marker', '--- # doc\n%\n'.replace('%', 'a: [1, 2]')],
    ['block scalars', 'a: |\n  x\nb: >-\n  y\n  z\nc:\n- |2\n   w\n'],
  ])('%s', (_name, text) => {
    expect(valid(text)).toBe(true);
    const qs = queriesOf(text);
    const found = locateOffsets(text, qs);
    expect(found.exact).toBe(true);
    expect(found.offsets).toEqual(yamlOffsets(text, qs));
  });
});

describe('YamlSource errors', () => {
  const text = 'numbers:\n  - did: "1"\n    name: x\n  - did: "2"\n';
  const source = () => YamlSource.parse('f.yaml', text).source;

  it('take their positions in one batch, when first read', () => {
    const s = source();
    const a = s.error(['numbers', 1, 'did'], 'a');
    const b = s.error(['numbers', 0, 'name'], 'b', true);
    const c = s.errorCiting(['numbers', 1, 'did'], ['numbers', 0, 'did'], (line) => `first at line ${line}`);
    expect([a, b, c]).toEqual([
      { file: 'f.yaml', line: 4, col: 10, message: 'a' },
      { file: 'f.yaml', line: 3, col: 5, message: 'b' },
      { file: 'f.yaml', line: 4, col: 10, message: 'first at line 2' },
    ]);
    expect(Object.keys(a)).toEqual(['file', 'line', 'col', 'message']);
    expect(JSON.parse(JSON.stringify(c))).toEqual({ file: 'f.yaml', line: 4, col: 10, message: 'first at line 2' });
  });

  it('fall back to the nearest parent that exists', () => {
    const s = source();
    const cases: Array<[Path, boolean, { line: number; col: number }]> = [
      [[], false, { line: 1, col: 1 }],
      [['numbers', 5, 'did'], false, { line: 2, col: 3 }],
      [['numbers', 0, 'nope', 'deeper'], false, { line: 2, col: 5 }],
      [['numbers', 0, 'name'], true, { line: 3, col: 5 }],
      [['numbers', '0'], false, { line: 2, col: 3 }],
    ];
    for (const [path, key, want] of cases) expect(s.position(path, key)).toEqual(want);
  });
});

describe('syntax errors in large files', () => {
  it('are reported as js-yaml words them, without parsing the file with the yaml library', () => {
    const items = Math.ceil(FULL_PARSE_LIMIT / 20) + 10;
    const text = `numbers:\n${'  - did: "+48 22 1"\n'.repeat(items)}  - did: "unclosed\n`;
    expect(text.length).toBeGreaterThan(FULL_PARSE_LIMIT);
    const { errors } = YamlSource.parse('big.yaml', text);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.line).toBeGreaterThan(items);
    expect(errors[0]!.message).toMatch(/^YAML syntax: unexpected end of the stream within a double quoted scalar/);
    // The same error in a small file keeps the yaml library's words.
    expect(YamlSource.parse('small.yaml', 'numbers:\n  - did: "unclosed\n').errors[0]!.message).toBe('YAML syntax: Missing closing "quote');
  });
});
