import { parsePhoneNumberFromString, type CountryCode, type PhoneNumber } from 'libphonenumber-js/max';
import { CONTROL_CHARACTER, quoted } from '../shared/printable';

// The one phone-number normaliser. `max` metadata: the default `min` set cannot tell
// premium-rate numbers apart, and the toll-fraud guard depends on that.

export type PhoneResult = { ok: true; e164: string; country?: string } | { ok: false; error: string };

// What people write around the digits: a leading +, spaces (also the no-break spaces that
// copying from documents brings), dots, hyphens, parentheses and the slash of German
// "030/901820". Anything else is refused: libphonenumber-js extracts a number from
// surrounding text, so ` ext. 99`, `;foo` or a NUL would otherwise vanish without a word.
/** One character people write inside a number (a RegExp character class). */
export const NUMBER_CHAR = '[0-9 \\u00a0\\u2007\\u202f.\\-()/]';
const NUMBER_CHARS = new RegExp(`^\\+?${NUMBER_CHAR}*$`);

/** `raw` without the spaces around it (not newlines or tabs: those are junk). Linear. */
export function trimSpaces(raw: string): string {
  const isSpace = (c: string) => c === ' ' || c === '\u00a0' || c === '\u2007' || c === '\u202f';
  let start = 0;
  let end = raw.length;
  while (start < end && isSpace(raw[start]!)) start++;
  while (end > start && isSpace(raw[end - 1]!)) end--;
  return raw.slice(start, end);
}

/** Why `text` is not just a phone number, or undefined when it only has number characters. */
function junkIn(raw: string, text: string, region?: string): string | undefined {
  const q = quoted(raw);
  const control = CONTROL_CHARACTER.exec(raw);
  if (control) return `${q} contains a control character (U+${control[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')})`;
  if (NUMBER_CHARS.test(text)) return undefined;
  if (!/[0-9]/.test(text)) return `${q} is not a phone number`;
  if (parsePhoneNumberFromString(text.slice(0, 200), region as CountryCode | undefined)?.ext) {
    return `${q}: extensions are not supported (write the number without "ext.", "x", "#" or ";ext=")`;
  }
  const plus = text.indexOf('+', 1);
  if (plus > 0 && /^\+?[0-9 \u00a0\u2007\u202f.\-()/+]*$/.test(text)) return `${q}: a + is allowed only at the start`;
  const bad = /[^0-9 \u00a0\u2007\u202f.\-()/+]/u.exec(text)![0];
  return `${q} contains characters that are not part of a phone number (${quoted(bad)}; allowed: digits, a leading +, spaces, dots, hyphens, parentheses, /)`;
}

/** Strict parse: only number characters, a valid number. */
function parseStrict(raw: string, defaultRegion?: string): { ok: true; parsed: PhoneNumber } | { ok: false; error: string } {
  const text = trimSpaces(raw);
  const junk = junkIn(raw, text, defaultRegion);
  if (junk) return { ok: false, error: junk };
  if (text === '') return { ok: false, error: 'empty phone number' };
  const parsed = parsePhoneNumberFromString(text, defaultRegion as CountryCode | undefined);
  if (!parsed) return { ok: false, error: `${quoted(raw)} is not a phone number` };
  if (!parsed.isValid())
    return { ok: false, error: `${quoted(raw)} is not a valid phone number${parsed.country ? ` for ${parsed.country}` : ''}` };
  return { ok: true, parsed };
}

/**
 * A DID, forward target or `--did` in a common human format, to E.164. Anything that is
 * not part of a phone number (an extension, `;foo`, a newline, letters) is refused.
 */
export function normaliseNumber(raw: string, defaultRegion?: string): PhoneResult {
  const r = parseStrict(raw, defaultRegion);
  if (!r.ok) return r;
  return { ok: true, e164: r.parsed.number, country: r.parsed.country };
}

/**
 * A forward target: international format only, valid, never premium-rate, and inside the
 * country allow-list when one is set. The loader applies the full toll-fraud policy
 * (`checkForward` in ./tollFraud); this is the target-only part a call re-checks.
 */
export function checkForwardTarget(raw: string, allowCountries: readonly string[]): PhoneResult {
  const text = trimSpaces(raw);
  const junk = junkIn(raw, text);
  if (junk) return { ok: false, error: `forward target ${junk}` };
  if (!text.startsWith('+')) return { ok: false, error: `forward target ${quoted(raw)} must be in international format (+country code)` };
  const parsed = parsePhoneNumberFromString(text);
  if (!parsed || !parsed.isValid()) return { ok: false, error: `forward target ${quoted(raw)} is not a valid phone number` };
  const type = parsed.getType();
  if (type === 'PREMIUM_RATE' || type === 'SHARED_COST') {
    return {
      ok: false,
      error: `forward target ${quoted(raw)} is a ${type === 'PREMIUM_RATE' ? 'premium-rate' : 'shared-cost'} number (toll-fraud guard)`,
    };
  }
  if (allowCountries.length > 0 && (!parsed.country || !allowCountries.includes(parsed.country))) {
    return {
      ok: false,
      error: `forward target ${quoted(raw)} is in ${parsed.country ?? 'an unknown country'}, outside the allowed countries (${allowCountries.join(', ')})`,
    };
  }
  return { ok: true, e164: parsed.number, country: parsed.country };
}

/**
 * A caller number as trunks send it: E.164, `00`-international, national with a trunk
 * prefix (`0…`), or digits without any prefix. Bare digits are read as international when
 * that gives a valid number (trunks often drop the `+`), else as national in `region`;
 * spaces, dashes, dots and parentheses between the digits change nothing.
 *
 * Lenient on purpose, unlike `normaliseNumber`: the caller id comes from the network, not
 * from the operator, and refusing it would only lose who called. A number inside junk
 * (`+48600100200;tag`) is kept; only the E.164 digits ever leave this function.
 */
export function normaliseCaller(raw: string, region?: string): PhoneResult {
  const text = raw.trim();
  // Digits with separators (`61 2 9876 5432`, `(030) 901-820`) read as the digits alone would.
  const digits = /^[\d\s().-]+$/.test(text) ? text.replace(/[\s().-]/g, '') : text;
  if (/^00\d/.test(digits)) return parseLenient(`+${digits.slice(2)}`);
  if (/^[1-9]\d{6,}$/.test(digits)) {
    const intl = parseLenient(`+${digits}`);
    if (intl.ok) return intl;
  }
  return parseLenient(text, region);
}

function parseLenient(text: string, region?: string): PhoneResult {
  if (text === '') return { ok: false, error: 'empty phone number' };
  const parsed = parsePhoneNumberFromString(text.slice(0, 200), region as CountryCode | undefined);
  if (!parsed || !parsed.isValid()) return { ok: false, error: `${quoted(text)} is not a valid phone number` };
  return { ok: true, e164: parsed.number, country: parsed.country };
}
