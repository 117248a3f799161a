import { quoted } from '../shared/printable';
import { NUMBER_CHAR, trimSpaces } from './e164';

// A number or a prefix an operator lists (callers.bypass and callers.block, forwarding.allowNumbers):
// "+", then digits in the characters people write numbers with. Stored as "+digits" and
// matched against E.164 numbers by prefix. Each list says how short an entry may be.

export interface PrefixList {
  /** The fewest digits an entry has, its country code included. */
  minDigits: number;
  /** What follows "give at least N digits " when an entry is shorter: an example, where to go instead. */
  tooShort: string;
  /** What the list is matched against, for the "(0)" refusal: "callers", "numbers". */
  matches: string;
  /** What else an entry may be, for the refusal of one that is not a number ('"anonymous"'). */
  orElse?: string;
}

const WRITTEN = new RegExp(`^\\+${NUMBER_CHAR}+$`);

export function parseNumberPrefix(raw: string, list: PrefixList): { ok: true; prefix: string } | { ok: false; error: string } {
  const text = trimSpaces(raw);
  const q = quoted(text);
  if (/\(0\)/.test(text)) return { ok: false, error: `${q}: leave out the national prefix "(0)": ${list.matches} are matched in E.164` };
  if (!WRITTEN.test(text)) {
    const what = `${list.orElse ? `${list.orElse} or ` : ''}an international number or prefix`;
    return { ok: false, error: `${q} must be ${what}: "+", then digits (spaces, dots, hyphens and parentheses allowed)` };
  }
  const digits = text.replace(/[^0-9]/g, '');
  if (digits.length < list.minDigits)
    return { ok: false, error: `${q} is too short: give at least ${list.minDigits} digits ${list.tooShort}` };
  if (digits.length > 15) return { ok: false, error: `${q} is longer than any phone number (15 digits)` };
  if (digits.startsWith('0')) return { ok: false, error: `${q}: no country code starts with 0` };
  return { ok: true, prefix: `+${digits}` };
}
