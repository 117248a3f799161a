import { normaliseCaller, normaliseNumber, trimSpaces } from '../phone/e164';
import { parseNumberPrefix, type PrefixList } from '../phone/numberPrefix';
import type { HangupCause } from './actions';
import { ANONYMOUS } from './callEvent';

// Callers that bypass the schedule (VIPs, on-call staff) and callers that are always
// rejected. Entries are E.164 numbers or prefixes ("+48601", "+4860"), or `anonymous` (a
// withheld or unreadable caller id); the caller is matched after the lenient caller
// normaliser, so only E.164 digits are compared. Pure: data in, match out.

export interface BlockedCaller {
  /** "+" and digits (a number or a prefix), or ANONYMOUS. */
  number: string;
  cause: HangupCause;
}

/** A number's caller lists as the compiled config holds them (prefixes already in "+digits" form). */
export interface CallerRules {
  bypass: readonly string[];
  block: readonly BlockedCaller[];
}

export type CallerMatch = { rule: 'bypass'; entry: string } | { rule: 'block'; entry: string; cause: HangupCause };

/** Rules by entry, and the entry lengths present (longest first): a lookup per length, not a scan. */
interface CompiledRules {
  byEntry: Map<string, CallerMatch>;
  lengths: number[];
}

const compiled = new WeakMap<CallerRules, CompiledRules>();

function compile(rules: CallerRules): CompiledRules {
  let c = compiled.get(rules);
  if (c) return c;
  const byEntry = new Map<string, CallerMatch>();
  for (const entry of rules.bypass) byEntry.set(entry, { rule: 'bypass', entry });
  // The loader refuses an entry in both lists; should one get through, blocking wins.
  for (const b of rules.block) byEntry.set(b.number, { rule: 'block', entry: b.number, cause: b.cause });
  const lengths = [...new Set([...byEntry.keys()].filter((k) => k !== ANONYMOUS).map((k) => k.length))].sort((a, b) => b - a);
  c = { byEntry, lengths };
  compiled.set(rules, c);
  return c;
}

/**
 * The entry that decides for `caller` (E.164 or ANONYMOUS): the longest matching number or
 * prefix, whichever list it is in; undefined when none matches.
 */
export function matchCaller(rules: CallerRules | undefined, caller: string): CallerMatch | undefined {
  if (rules === undefined || (rules.bypass.length === 0 && rules.block.length === 0)) return undefined;
  const { byEntry, lengths } = compile(rules);
  if (caller === ANONYMOUS) return byEntry.get(ANONYMOUS);
  for (const n of lengths) {
    if (n > caller.length) continue;
    const hit = byEntry.get(caller.slice(0, n));
    if (hit) return hit;
  }
  return undefined;
}

/**
 * A caller id as the trunk (or `check --caller`) gives it, read like the call handler reads
 * it: lenient, national numbers in the called number's country. ANONYMOUS when withheld or
 * unreadable.
 */
export function callerFor(raw: string | undefined, did: string): string {
  const d = normaliseNumber(did);
  return readCaller(raw, d.ok ? d.country : undefined);
}

/** A caller id read in `country` (the called number's): E.164, or ANONYMOUS when withheld or unreadable. */
export function readCaller(raw: string | undefined, country: string | undefined): string {
  if (!raw || /anonymous|unknown|restricted/i.test(raw)) return ANONYMOUS;
  const n = normaliseCaller(raw, country);
  return n.ok ? n.e164 : ANONYMOUS;
}

const CALLER_ENTRIES: PrefixList = {
  minDigits: 3,
  tooShort: '(a country code and more, such as "+4860")',
  matches: 'callers',
  orElse: '"anonymous"',
};

/**
 * An entry as the operator writes it: `anonymous`, or "+" then 3 to 15 digits (spaces, dots,
 * hyphens and parentheses allowed), a whole number or a prefix. Returns the stored form.
 */
export function parseCallerEntry(raw: string): { ok: true; entry: string } | { ok: false; error: string } {
  if (trimSpaces(raw).toLowerCase() === ANONYMOUS) return { ok: true, entry: ANONYMOUS };
  const p = parseNumberPrefix(raw, CALLER_ENTRIES);
  return p.ok ? { ok: true, entry: p.prefix } : p;
}
