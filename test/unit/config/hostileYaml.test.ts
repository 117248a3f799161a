import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderValue } from '../../../src/config/errors';
import { loadConfigText, type LoadResult } from '../../../src/config/load';
import { MAX_SCHEMA_ERRORS } from '../../../src/config/schemaCheck';
import { MAX_MESSAGE_CHARS, MAX_VALUES } from '../../../src/config/yamlBounds';

// YAML aliases are references: nine lines of nine aliases each stand for 9^9 values, and
// `&a [*a]` for an infinite one. The file is refused at the alias, and no message quotes
// more than a short rendering of a value.

const FILE = join(__dirname, '..', '..', 'fixtures', 'config', 'test.yaml');
const NOW = Date.UTC(2026, 5, 1);
const HEAD = 'defaults:\n  timezone: Europe/Warsaw\n  hours: "09:00-17:00"\n'; // lines 1-3

/** Level 0 is a list of nine "x"; each next level is a list of nine aliases of the one before. */
function laughs(levels: number): { text: string; last: string } {
  const names = 'abcdefghijklmnop';
  const lines = ['x-a: &a [x, x, x, x, x, x, x, x, x]'];
  for (let i = 1; i < levels; i++)
    lines.push(
      `x-${names[i]}: &${names[i]} [${Array(9)
        .fill(`*${names[i - 1]}`)
        .join(', ')}]`,
    );
  return { text: lines.join('\n') + '\n', last: names[levels - 1]! };
}

// How long a refusal takes is measured by bench/hostile.ts (npm run bench:hostile), not here:
// the proof of a bound is where it refuses and what it says.
function load(text: string): { r: LoadResult } {
  return { r: loadConfigText(FILE, text, { now: NOW }) };
}

function errorsOf(r: LoadResult) {
  if (r.ok) throw new Error('expected a refusal');
  return r.errors;
}

describe('alias bombs', () => {
  it.each([
    ['as a wrongly typed hours', 'hours'],
    ['as the numbers list', 'numbers'],
    ['as a wrongly typed name', 'name'],
  ])('9 levels %s: refused at the alias, in milliseconds', (_name, key) => {
    const bomb = laughs(9); // lines 4-12
    const text =
      key === 'numbers' ? HEAD + bomb.text + 'numbers: *i\n' : HEAD + bomb.text + `numbers:\n  - did: "+48 22 123 45 67"\n    ${key}: *i\n`;
    const { r } = load(text);
    const errors = errorsOf(r);
    expect(errors).toEqual([
      {
        file: FILE,
        line: key === 'numbers' ? 13 : 15,
        col: key === 'numbers' ? 10 : key.length + 7,
        message: `aliases expand the file to more than ${MAX_VALUES.toLocaleString('en')} values (the limit); alias *i (anchor &i at line 12) alone expands to 435,848,050 values`,
      },
    ]);
  });

  it('a smaller bomb (6 levels, 600k values) passes the size check, and its errors stay short', () => {
    const bomb = laughs(6);
    const proper = HEAD + bomb.text + 'numbers:\n  - did: "+48 22 123 45 67"\n    hours: *f\n';
    const loaded = load(proper);
    const errors = errorsOf(loaded.r);
    const hoursErrors = errors.filter((e) => e.message.startsWith('numbers[0].hours'));
    expect(hoursErrors).toHaveLength(9);
    expect(hoursErrors[0]!.message).toBe(
      'numbers[0].hours[0] must be string (got [[[[["x","x","x","x","x","x","x","x","x"],["x","x","x","x","…)',
    );
    for (const e of errors) expect(e.message.length).toBeLessThanOrEqual(200);
  });

  it('an alias inside its own anchor (a cycle) is refused at the alias', () => {
    expect(errorsOf(load('numbers: &a [*a]\n').r)).toEqual([
      {
        file: FILE,
        line: 1,
        col: 14,
        message: 'alias *a is used inside its own anchor (anchor &a at line 1): the value would be infinite',
      },
    ]);
    const text = HEAD + 'numbers:\n  - did: "+48 22 123 45 67"\n    afterHours: &p\n      action: voicemail\n      forward: *p\n';
    expect(errorsOf(load(text).r)).toEqual([
      {
        file: FILE,
        line: 8,
        col: 16,
        message: 'alias *p is used inside its own anchor (anchor &p at line 6): the value would be infinite',
      },
    ]);
  });

  it('aliases used within the limit still load', () => {
    const text =
      'defaults:\n  timezone: Europe/Warsaw\n  hours: &h { mon-fri: "09:00-17:00", sat: ["10:00-12:00", "13:00-14:00"] }\nnumbers:\n' +
      Array.from(
        { length: 50 },
        (_, i) =>
          `  - did: "+48 22 123 ${String(1000 + i)
            .slice(-4)
            .replace(/(..)(..)/, '$1 $2')}"\n    hours: *h\n`,
      ).join('');
    const { r } = load(text);
    expect(r.ok).toBe(true);
  });
});

describe('wide and deep documents', () => {
  it('a list of 200,000 wrongly typed values: the first problems, then one line with the count', () => {
    const text = HEAD + `numbers:\n  - did: "+48 22 123 45 67"\n    hours: [${Array(200_000).fill('1').join(',')}]\n`;
    const errors = errorsOf(load(text).r);
    expect(errors).toHaveLength(MAX_SCHEMA_ERRORS + 1);
    expect(errors[0]).toEqual({ file: FILE, line: 6, col: 13, message: 'numbers[0].hours[0] must be string (got 1)' });
    expect(errors[MAX_SCHEMA_ERRORS]!.message).toBe(
      `... and ${200_000 - MAX_SCHEMA_ERRORS} more problems with the shape of the file (fix the first ones and validate again)`,
    );
  });

  it('nesting deeper than 100 levels is refused at its position', () => {
    expect(errorsOf(load('numbers: ' + '['.repeat(100_000)).r)).toEqual([
      { file: FILE, line: 1, col: 109, message: 'YAML syntax: nested more than 100 levels deep' },
    ]);
  });

  it('a 100,000-character value is quoted shortened in the message', () => {
    const text = `defaults:\n  timezone: "${'x'.repeat(100_000)}"\n  hours: "09:00-17:00"\nnumbers:\n  - did: "+48 22 123 45 67"\n`;
    const errors = errorsOf(load(text).r);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.message.length).toBeLessThanOrEqual(MAX_MESSAGE_CHARS);
    expect(errors[0]!.message).toMatch(/^unknown time zone "x+ … x+" \(use an IANA name such as Europe\/Warsaw\)$/);
  });
});

describe('renderValue', () => {
  it('renders small values like JSON', () => {
    expect(renderValue('mon')).toBe('"mon"');
    expect(renderValue(42)).toBe('42');
    expect(renderValue(null)).toBe('null');
    expect(renderValue(true)).toBe('true');
    expect(renderValue(['a', 1, { b: [] }])).toBe('["a",1,{"b":[]}]');
    expect(renderValue({})).toBe('{}');
  });

  it('cuts long strings, long lists and big maps at the budget', () => {
    expect(renderValue('x'.repeat(1000), 20)).toBe(`"${'x'.repeat(19)}…`);
    expect(renderValue(Array(1_000_000).fill(1), 10)).toBe('[1,1,1,1,1…');
    const big = Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`k${i}`, i]));
    expect(renderValue(big, 16)).toBe('{"k0":0,"k1":1,"…');
  });

  it('shows strings as printable does: controls, bidi overrides and invisible characters escaped', () => {
    expect(renderValue('\u001b[31mred', 60)).toBe('"\\x1b[31mred"');
    expect(renderValue({ 'k\u202e': 'a\u200bb"\n' })).toBe('{"k\\u202e":"a\\u200bb\\"\\n"}');
  });

  it('walks a shared (alias) graph or a cycle only as far as the budget', () => {
    let v: unknown[] = ['x'];
    for (let i = 0; i < 40; i++) v = [v, v, v, v, v, v, v, v, v]; // 9^40 leaves when expanded
    // Expanded, this is 9^40 leaves: a walk that did not stop at the budget would never return.
    expect(renderValue(v, 60)).toHaveLength(61);
    const cyclic: unknown[] = [];
    cyclic.push(cyclic, cyclic);
    expect(renderValue(cyclic, 12)).toBe('[[[[[[[[[[[[…');
  });
});

describe('the shape of numbers is checked item by item', () => {
  it('100,000 numbers that are not maps: the first 100 with positions, the rest counted', () => {
    const text = `numbers: [${'1,'.repeat(99_999)}1]\n`;
    const r = loadConfigText(join(tmpdir(), 'numbers-not-maps.yaml'), text);
    if (r.ok) throw new Error('loaded');
    expect(r.errors).toHaveLength(101);
    expect(r.errors[0]).toMatchObject({ line: 1, col: 11, message: 'numbers[0] must be object (got 1)' });
    expect(r.errors[99]!.message).toBe('numbers[99] must be object (got 1)');
    expect(r.errors[100]!.message).toMatch(/^\.\.\. and 99900 more problems with the shape of the file/);
  });

  it('problems in the file outside numbers and inside numbers are reported together, in file order', () => {
    const text = 'defaults:\n  timezone: 5\nnumbers:\n  - did: "+48 22 123 45 67"\n    hours: 5\n    bogus: 1\n';
    const r = loadConfigText(join(tmpdir(), 'mixed.yaml'), text);
    if (r.ok) throw new Error('loaded');
    expect(r.errors.map((e) => [e.line, e.message])).toEqual([
      [2, 'defaults.timezone must be string (got 5)'],
      [5, expect.stringMatching(/^numbers\[0\]\.hours /)],
      [6, expect.stringMatching(/^unknown key "bogus" in numbers\[0\]/)],
    ]);
  });
});
