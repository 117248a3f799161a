import { printable, quoted } from '../../../src/shared/printable';

describe('printable (text shown in a terminal)', () => {
  it.each([
    ['plain text and non-ASCII letters stay', 'Zażółć gęślą jaźń — 電話', 'Zażółć gęślą jaźń — 電話'],
    ['ANSI colour', '\u001b[31mred\u001b[0m', '\\x1b[31mred\\x1b[0m'],
    ['OSC title change with BEL', '\u001b]0;owned\u0007', '\\x1b]0;owned\\x07'],
    ['tab, newline, carriage return', 'a\tb\nc\rd', 'a\\tb\\nc\\rd'],
    ['NUL, DEL and the one-byte CSI', '\u0000\u007f\u009b', '\\x00\\x7f\\x9b'],
    ['bidi override and line separator', 'abc\u202edcba\u2028', 'abc\\u202edcba\\u2028'],
    ['a backslash is doubled, so escapes are unambiguous', 'C:\\x1b', 'C:\\\\x1b'],
    ['zero-width space and joiner, byte order mark', 'a\u200bb\u200dc\ufeff', 'a\\u200bb\\u200dc\\ufeff'],
  ])('%s', (_name, input, expected) => expect(printable(input)).toBe(expected));

  it('never lets a C0 or C1 control character through', () => {
    let all = '';
    for (let c = 0; c < 0xa0; c++) all += String.fromCharCode(c);
    expect(printable(all)).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
  });
});

describe('quoted (outside text in a message)', () => {
  it('quotes, escapes a quote as printable escapes the rest, and cuts after 40 characters', () => {
    expect(quoted('say "hi"\n')).toBe('"say \\"hi\\"\\n"');
    expect(quoted('+48\u202e601')).toBe('"+48\\u202e601"');
    expect(quoted('9'.repeat(100))).toBe(`"${'9'.repeat(40)}…"`);
    expect(quoted('9'.repeat(100), 5)).toBe('"99999…"');
  });
});
