import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { quoted } from '../shared/printable';
import { checkForwardTarget, type PhoneResult } from './e164';
import { parseNumberPrefix, type PrefixList } from './numberPrefix';

// The toll-fraud guard for forward targets. Safe by default: a forward stays in the
// country of the number that was called, never reaches premium-rate or shared-cost
// numbers, and never reaches a high-risk range (satellite, international networks,
// personal numbering, universal access) unless the operator allows it by name.
// Pure: data in, decision out.

/** Where forwards may go besides the called number's own country (the `forwarding` settings). */
export interface ForwardRules {
  /** ISO 3166 alpha-2 countries forwards may reach in addition to the DID's own. */
  allowCountries: readonly string[];
  /** E.164 prefixes ("+" and digits, see `parseAllowedPrefix`) allowed on purpose. */
  allowNumbers?: readonly string[];
}

// Number types libphonenumber-js (max metadata) reports that fraud lists and carriers flag:
// the operator must allow them by prefix. VOIP is not among them: national VoIP ranges
// (+48 39, +44 56, +43 720) are ordinary business lines; the international VoIP networks
// (+882, +883) belong to no country and are caught below.
const HIGH_RISK_TYPES: Readonly<Record<string, string>> = {
  PERSONAL_NUMBER: 'is a personal-numbering number (such as +44 70 or +49 700), a common toll-fraud destination',
  UAN: 'is a universal access number, often charged at a special rate',
};

// Calling codes that belong to no country (ITU "global services"). They are outside every
// DID's country, and allowCountries cannot name them.
const GLOBAL_SERVICES: Readonly<Record<string, string>> = {
  '800': 'international freephone (+800)',
  '808': 'international shared-cost (+808)',
  '870': 'Inmarsat satellite (+870)',
  '878': 'universal personal telecommunications (+878)',
  '881': 'a satellite network (+881: Iridium, Globalstar, Thuraya ranges)',
  '882': 'an international network (+882)',
  '883': 'an international network (+883)',
  '888': 'a humanitarian network (+888)',
  '979': 'international premium rate (+979)',
};

// NANP countries outside the US and Canada that dial like a domestic +1 number but are billed
// as international, and that fraud lists flag (Caribbean and Atlantic area codes). The
// country rule refuses them from a US or Canadian number; the message says why.
const CARIBBEAN_NANP = new Set([
  'AG',
  'AI',
  'BB',
  'BM',
  'BS',
  'DM',
  'DO',
  'GD',
  'JM',
  'KN',
  'KY',
  'LC',
  'MS',
  'SX',
  'TC',
  'TT',
  'VC',
  'VG',
]);

const HOW_TO_ALLOW = 'to forward there on purpose, add the number or its prefix to forwarding.allowNumbers';

/**
 * The target alone: international format, valid, never premium-rate or shared-cost (no
 * setting allows those), and not in a high-risk range unless `allowNumbers` names it.
 */
export function checkForwardRisk(raw: string, rules: ForwardRules): PhoneResult {
  const t = targetOf(raw);
  if (!t.ok) return t;
  if (t.risk && !isAllowedNumber(t.e164, rules))
    return { ok: false, error: `forward target ${quoted(raw)} ${t.risk} (toll-fraud guard); ${HOW_TO_ALLOW}` };
  return { ok: true, e164: t.e164, country: t.country };
}

/**
 * The target against the called number: inside the DID's own country (`homeCountry`), a
 * country in `allowCountries`, or named in `allowNumbers`. A target with problems of its
 * own (not valid, premium-rate, high-risk) is `checkForwardRisk`'s to report: it passes here.
 */
export function checkForwardCountry(
  raw: string,
  homeCountry: string | undefined,
  rules: ForwardRules,
): { ok: true } | { ok: false; error: string } {
  const t = targetOf(raw);
  if (!t.ok || t.risk || isAllowedNumber(t.e164, rules)) return { ok: true };
  const country = t.country!;
  if (country === homeCountry || rules.allowCountries.includes(country)) return { ok: true };
  const nanp = CARIBBEAN_NANP.has(country)
    ? ' (a Caribbean NANP number: it dials like +1 but is billed as international, a common toll-fraud destination)'
    : '';
  const q = quoted(raw);
  if (rules.allowCountries.length > 0) {
    const allowed = [...new Set([...(homeCountry ? [homeCountry] : []), ...rules.allowCountries])];
    return { ok: false, error: `forward target ${q} is in ${country}${nanp}, outside the allowed countries (${allowed.join(', ')})` };
  }
  return {
    ok: false,
    error: `forward target ${q} is in ${country}${nanp}, outside the called number's country (${homeCountry ?? 'none'}); forwards abroad are refused by default (toll-fraud guard): to forward there on purpose, add ${country} to forwarding.allowCountries, or the number to forwarding.allowNumbers`,
  };
}

/** Both checks: the whole decision for a forward from `did` (E.164) to `raw`. */
export function checkForward(raw: string, did: string, rules: ForwardRules): PhoneResult {
  const r = checkForwardRisk(raw, rules);
  if (!r.ok) return r;
  const home = parsePhoneNumberFromString(did)?.country;
  const c = checkForwardCountry(raw, home, rules);
  return c.ok ? r : c;
}

const ALLOWED_NUMBERS: PrefixList = {
  minDigits: 4,
  tooShort: '(such as "+882 16"); to allow a whole country, use forwarding.allowCountries',
  matches: 'numbers',
};

/**
 * One `forwarding.allowNumbers` entry, to "+" and digits: a whole number or a prefix of
 * at least 4 digits (so that a bare country code cannot slip in; allowCountries names
 * whole countries), in the characters people write numbers with.
 */
export function parseAllowedPrefix(raw: string): { ok: true; prefix: string } | { ok: false; error: string } {
  return parseNumberPrefix(raw, ALLOWED_NUMBERS);
}

function isAllowedNumber(e164: string, rules: ForwardRules): boolean {
  return (rules.allowNumbers ?? []).some((p) => e164.startsWith(p));
}

type Target = { ok: true; e164: string; country?: string; risk?: string } | { ok: false; error: string };

// Many numbers forward to the same few targets: remember what each one is (bounded).
const targets = new Map<string, Target>();

/** A forward target checked on its own, with why it is high-risk (if it is). */
function targetOf(raw: string): Target {
  let t = targets.get(raw);
  if (t) return t;
  const checked = checkForwardTarget(raw, []);
  if (!checked.ok) t = checked;
  else {
    const parsed = parsePhoneNumberFromString(checked.e164);
    const type = parsed?.getType();
    const service = checked.country ? undefined : (GLOBAL_SERVICES[parsed?.countryCallingCode ?? ''] ?? 'a network outside every country');
    const risk = (type && HIGH_RISK_TYPES[type]) ?? (service ? `is on ${service}, a high-risk range` : undefined);
    t = { ...checked, ...(risk ? { risk } : {}) };
  }
  if (raw.length > 64) return t; // keys stay small: no phone number is written that long
  if (targets.size >= 10_000) targets.clear();
  targets.set(raw, t);
  return t;
}
