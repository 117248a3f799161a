import { checkForwardTarget, normaliseCaller, normaliseNumber, trimSpaces } from '../../../src/phone/e164';
import { parseNumberPrefix } from '../../../src/phone/numberPrefix';

// Junk after (or inside) a phone number is refused, not silently dropped: libphonenumber-js
// extracts a number from surrounding text, so without this check ` ext. 99` or a NUL would
// vanish from a DID, a forward target or `check --did`.

const NUMBERS: Array<[string, string | undefined, string]> = [
  ['+48 22 123 45 67', undefined, '+48221234567'],
  ['22 123 45 67', 'PL', '+48221234567'],
  ['+49 30 901820', undefined, '+4930901820'],
  ['+1 212-555-0123', undefined, '+12125550123'],
  ['+44 20 7946 0000', undefined, '+442079460000'],
];

// Every common human way of writing the same digits.
const HUMAN_FORMATS: Array<[string, (s: string) => string]> = [
  ['as written', (s) => s],
  ['without spaces', (s) => s.replace(/ /g, '')],
  ['with dots', (s) => s.replace(/ /g, '.')],
  ['with hyphens', (s) => s.replace(/ /g, '-')],
  ['with no-break spaces', (s) => s.replace(/ /g, '\u00a0')],
  ['with surrounding spaces', (s) => `  ${s} `],
];

const JUNK: Array<[string, string, RegExp]> = [
  ['an extension "ext. 99"', ' ext. 99', /extensions are not supported/],
  ['an extension "x99"', ' x99', /extensions are not supported/],
  ['an RFC 3966 ";ext=99"', ';ext=99', /extensions are not supported/],
  ['";foo"', ';foo', /contains characters that are not part of a phone number \(";"/],
  ['trailing letters', 'abc', /contains characters that are not part of a phone number \("a"/],
  ['a newline', '\n', /contains a control character \(U\+000A\)/],
  ['a NUL', '\u0000', /contains a control character \(U\+0000\)/],
  ['a tab and more digits', '\t99', /contains a control character \(U\+0009\)/],
  ['a second number', ' +48 22 123 45 68', /a \+ is allowed only at the start/],
  ['a right-to-left mark', '\u200f', /contains a control character \(U\+200F\)/],
];

describe('normaliseNumber: the common human formats are read', () => {
  for (const [raw, region, e164] of NUMBERS) {
    test.each(HUMAN_FORMATS)(`${raw} %s`, (_name, format) => {
      expect(normaliseNumber(format(raw), region)).toMatchObject({ ok: true, e164 });
    });
  }
  test('parentheses and the German slash', () => {
    expect(normaliseNumber('(030) 901820', 'DE')).toMatchObject({ ok: true, e164: '+4930901820' });
    expect(normaliseNumber('030/901820', 'DE')).toMatchObject({ ok: true, e164: '+4930901820' });
  });
});

describe('normaliseNumber: anything else is refused, saying what', () => {
  for (const [raw, region] of NUMBERS) {
    test.each(JUNK)(`${raw} followed by %s`, (_name, junk, reason) => {
      const r = normaliseNumber(raw + junk, region);
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.error).toMatch(reason);
        // The message quotes the input escaped: no raw control characters in an error line.
        expect(r.error).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u200b-\u200f]/);
      }
    });
  }

  test('junk in front of or inside the digits, too', () => {
    expect(normaliseNumber('tel:+48221234567').ok).toBe(false);
    expect(normaliseNumber('+48 22 123\u0000 45 67').ok).toBe(false);
    expect(normaliseNumber('+48 22 123 45 67', 'PL').ok).toBe(true);
  });

  test('a long input is quoted truncated', () => {
    const r = normaliseNumber(`+48 22 123 45 67 ${'x'.repeat(10_000)}`);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.length).toBeLessThan(300);
  });

  test('hostile lengths are answered in bounded time (no backtracking on spaces)', () => {
    const started = Date.now();
    for (const raw of [`${' '.repeat(200_000)}x`, `1${' '.repeat(200_000)}1`, '1 '.repeat(100_000), `+${'9'.repeat(200_000)}`]) {
      expect(normaliseNumber(raw, 'PL').ok).toBe(false);
      expect(checkForwardTarget(raw, []).ok).toBe(false);
    }
    expect(Date.now() - started).toBeLessThan(2000);
  });

  test('text without digits stays "not a phone number"', () => {
    expect(normaliseNumber('hello', 'PL')).toEqual({ ok: false, error: '"hello" is not a phone number' });
  });
});

describe('forward targets refuse the same junk', () => {
  test.each(JUNK)('+48 601 234 567 followed by %s', (_name, junk, reason) => {
    const r = checkForwardTarget(`+48 601 234 567${junk}`, []);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(reason);
  });
  test('and still read a clean target', () => {
    expect(checkForwardTarget('+48 601-234-567', [])).toMatchObject({ ok: true, e164: '+48601234567' });
  });
});

describe('caller ids stay lenient: the network sends them, and a call must not lose its caller', () => {
  test.each([
    ['+48600100200;tag=x', '+48600100200'],
    ['+48600100200 ext. 5', '+48600100200'],
    ['0048600100200\n', '+48600100200'],
  ])('%j is read as %s', (raw, e164) => {
    expect(normaliseCaller(raw, 'PL')).toMatchObject({ ok: true, e164 });
  });
  test('an unreadable caller is refused (the call handler then records it as anonymous)', () => {
    expect(normaliseCaller('\u0000\u0000', 'PL').ok).toBe(false);
    expect(normaliseCaller('x'.repeat(100_000), 'PL').ok).toBe(false);
  });
});

describe('the edges of each refusal', () => {
  test('trimSpaces drops the spaces people paste around a number, and only those', () => {
    expect(trimSpaces('  +48 22\u00a0 ')).toBe('+48 22');
    expect(trimSpaces('\u2007\u202f1\u202f')).toBe('1');
    expect(trimSpaces('\t1\n')).toBe('\t1\n');
    expect(trimSpaces('   ')).toBe('');
  });

  test('an empty or blank number is "empty", not "not a phone number"', () => {
    expect(normaliseNumber('')).toEqual({ ok: false, error: 'empty phone number' });
    expect(normaliseNumber('  \u00a0 ', 'PL')).toEqual({ ok: false, error: 'empty phone number' });
    expect(normaliseCaller('', 'PL')).toEqual({ ok: false, error: 'empty phone number' });
    expect(normaliseCaller('  ', 'PL')).toEqual({ ok: false, error: 'empty phone number' });
  });

  test('digits that are no number of the country say which country', () => {
    expect(normaliseNumber('+48 22 123 456')).toEqual({ ok: false, error: '"+48 22 123 456" is not a valid phone number for PL' });
    expect(normaliseNumber('123', 'PL')).toEqual({ ok: false, error: '"123" is not a valid phone number for PL' });
    // No country to name: the sentence ends at "number".
    expect(normaliseNumber('+1 555 0000')).toEqual({ ok: false, error: '"+1 555 0000" is not a valid phone number' });
    expect(normaliseNumber('+49 1')).toEqual({ ok: false, error: '"+49 1" is not a phone number' });
  });

  test('a read number carries its country', () => {
    expect(normaliseNumber('+48 22 123 45 67')).toEqual({ ok: true, e164: '+48221234567', country: 'PL' });
    expect(normaliseCaller('0048221234567', 'DE')).toEqual({ ok: true, e164: '+48221234567', country: 'PL' });
  });

  test('a forward target outside the allowed countries names its country and the list', () => {
    expect(checkForwardTarget('+49 30 901820', ['PL', 'CZ'])).toEqual({
      ok: false,
      error: 'forward target "+49 30 901820" is in DE, outside the allowed countries (PL, CZ)',
    });
    expect(checkForwardTarget('+49 30 901820', ['DE'])).toEqual({ ok: true, e164: '+4930901820', country: 'DE' });
    // A number of no country is outside every list.
    expect(checkForwardTarget('+800 1234 5678', ['PL'])).toEqual({
      ok: false,
      error: 'forward target "+800 1234 5678" is in an unknown country, outside the allowed countries (PL)',
    });
    expect(checkForwardTarget('+800 1234 5678', [])).toMatchObject({ ok: true, e164: '+80012345678' });
  });
});

describe('long input: only its first 200 characters are read for a number (libphonenumber-js reads none past 250)', () => {
  test('a caller id with long junk after the number keeps the number', () => {
    expect(normaliseCaller(`+48600100200;${'x'.repeat(300)}`, 'PL')).toEqual({ ok: true, e164: '+48600100200', country: 'PL' });
  });
  test('an extension followed by long junk is still named as an extension', () => {
    const r = normaliseNumber(`+48 22 123 45 67 ext. 99${' '.repeat(300)}x`);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(/extensions are not supported/);
  });
});

describe('each refusal in its own words', () => {
  test('forward targets: national format, not a valid number, premium-rate, shared-cost', () => {
    expect(checkForwardTarget('022 123 45 67', [])).toEqual({
      ok: false,
      error: 'forward target "022 123 45 67" must be in international format (+country code)',
    });
    expect(checkForwardTarget('+48 12', [])).toEqual({ ok: false, error: 'forward target "+48 12" is not a valid phone number' });
    expect(checkForwardTarget('+48 701 234 567', [])).toEqual({
      ok: false,
      error: 'forward target "+48 701 234 567" is a premium-rate number (toll-fraud guard)',
    });
    expect(checkForwardTarget('+33 8 10 12 34 56', [])).toEqual({
      ok: false,
      error: 'forward target "+33 8 10 12 34 56" is a shared-cost number (toll-fraud guard)',
    });
  });

  test('no digit at all; a letter with a + further on is named as the letter', () => {
    expect(normaliseNumber('abc')).toEqual({ ok: false, error: '"abc" is not a phone number' });
    expect(normaliseNumber('+48600a100+200')).toEqual({
      ok: false,
      error:
        '"+48600a100+200" contains characters that are not part of a phone number ("a"; allowed: digits, a leading +, spaces, dots, hyphens, parentheses, /)',
    });
  });

  test('caller ids: 00-international read without a region; what is no number says so', () => {
    expect(normaliseCaller('0048600100200')).toEqual({ ok: true, e164: '+48600100200', country: 'PL' });
    expect(normaliseCaller('zzz')).toEqual({ ok: false, error: '"zzz" is not a valid phone number' });
  });
});

describe('number prefixes', () => {
  test('a list that takes a word too names it in the refusal', () => {
    const list = { minDigits: 4, tooShort: '', matches: 'callers', orElse: '"anonymous"' };
    expect(parseNumberPrefix('anon', list)).toEqual({
      ok: false,
      error:
        '"anon" must be "anonymous" or an international number or prefix: "+", then digits (spaces, dots, hyphens and parentheses allowed)',
    });
  });
});
