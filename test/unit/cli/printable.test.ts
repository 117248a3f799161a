import { printable } from '../../../src/util/printable';

describe('printable (text shown in a terminal)', () => {
  it.each([
    ['plain text and non-ASCII letters stay', 'Zażółć gęślą jaźń — 電話', 'Zażółć gęślą jaźń — 電話'],
    ['ANSI colour', '\u001b[31mred\u001b[0m', '\\x1b[31mred\\x1b[0m'],
    ['OSC title change with BEL', '\u001b]0;owned\u0007', '\\x1b]0;owned\\x07'],
    ['tab, newline, carriage return', 'a\tb\nc\rd', 'a\\tb\\nc\\rd'],
    ['NUL, DEL and the one-byte CSI', '\u0000\u007f\u009b', '\\x00\\x7f\\x9b'],
    ['bidi override and line separator', 'abc\u202edcba\u2028', 'abc\\u202edcba\\u2028'],
    ['a backslash is doubled, so escapes are unambiguous', 'C:\\x1b', 'C:\\\\x1b'],
  ])('%s', (_name, input, expected) => expect(printable(input)).toBe(expected));

  it('never lets a C0 or C1 control character through', () => {
    let all = '';
    for (let c = 0; c < 0xa0; c++) all += String.fromCharCode(c);
    expect(printable(all)).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
  });
});
