// The shape of one setting in the declaration (declaration.ts) and the parsers of single
// values. Pure: a raw string in, a value or the reason it is refused out.
import { isIP, isIPv6 } from 'node:net';

/** The processes that read settings; each gets one typed object parsed at start. */
export const PROCESSES = ['daemon', 'worker', 'console', 'cli'] as const;
export type Process = (typeof PROCESSES)[number];

/** A refusal of one value: the reason, without the value (the reader adds it unless the setting is a secret). */
export class ValueRefused extends Error {}

export interface Spec<V, P extends readonly Process[] = readonly Process[]> {
  /** What the value is, for the docs: "integer 1–64", "one of own, agent", "URL"… */
  readonly type: string;
  /** The value when unset or empty; `undefined`: unset is a value of its own. */
  readonly default: V;
  /** How the default reads in the docs when it is not a plain value ("every address", "$XDG_STATE_HOME/…"). */
  readonly defaultText?: string;
  /** A secret: never echoed in a refusal or a log line, and may come from a file named by NAME_FILE. */
  readonly secret: boolean;
  /** One line of documentation. */
  readonly doc: string;
  /** Which processes read it. */
  readonly processes: P;
  /** Parses a set (non-empty) value; throws ValueRefused with the reason. */
  parse(raw: string): Exclude<V, undefined>;
}

interface Common<P extends readonly Process[]> {
  doc: string;
  processes: P;
  secret?: boolean;
  defaultText?: string;
}

function spec<T, D extends T | undefined, P extends readonly Process[]>(
  type: string,
  parse: (raw: string) => T,
  o: Common<P> & { default?: D },
): Spec<T | D, P> {
  return {
    type,
    default: o.default as T | D,
    ...(o.defaultText !== undefined ? { defaultText: o.defaultText } : {}),
    secret: o.secret ?? false,
    doc: o.doc,
    processes: o.processes,
    parse: parse as (raw: string) => Exclude<T | D, undefined>,
  };
}

/** Free text (names, contexts, user names, secrets). */
export function text<D extends string | undefined = undefined, const P extends readonly Process[] = readonly Process[]>(
  o: Common<P> & { default?: D; pattern?: RegExp; patternText?: string },
) {
  return spec<string, D, P>(
    o.patternText ?? 'text',
    (raw) => {
      if (o.pattern !== undefined && !o.pattern.test(raw)) throw new ValueRefused(`must be ${o.patternText ?? `of the form ${o.pattern}`}`);
      return raw;
    },
    o,
  );
}

/** A whole number within [min, max]. */
export function integer<D extends number | undefined = undefined, const P extends readonly Process[] = readonly Process[]>(
  o: Common<P> & { default?: D; min: number; max: number; unit?: string },
) {
  const type = `integer ${o.min}–${o.max}${o.unit ? ` (${o.unit})` : ''}`;
  return spec<number, D, P>(
    type,
    (raw) => {
      const t = raw.trim();
      const n = /^-?\d+$/.test(t) ? Number(t) : NaN;
      if (!Number.isSafeInteger(n) || n < o.min || n > o.max) throw new ValueRefused(`must be a whole number from ${o.min} to ${o.max}`);
      return n;
    },
    o,
  );
}

/** A number (fractions allowed) within [min, max]; `above` makes min exclusive. */
export function decimal<D extends number | undefined = undefined, const P extends readonly Process[] = readonly Process[]>(
  o: Common<P> & { default?: D; min: number; max: number; above?: boolean; unit?: string },
) {
  const type = `number ${o.above ? `over ${o.min}` : `${o.min}`}–${o.max}${o.unit ? ` (${o.unit})` : ''}`;
  return spec<number, D, P>(
    type,
    (raw) => {
      const t = raw.trim();
      const n = /^\d+(\.\d+)?$|^\.\d+$/.test(t) ? Number(t) : NaN;
      if (!Number.isFinite(n) || n > o.max || (o.above ? n <= o.min : n < o.min))
        throw new ValueRefused(`must be a number ${o.above ? `over ${o.min}` : `from ${o.min}`} to ${o.max}`);
      return n;
    },
    o,
  );
}

/** A TCP port: 0–65535 (0: any free port) unless min says otherwise. */
export function port<D extends number | undefined = undefined, const P extends readonly Process[] = readonly Process[]>(
  o: Common<P> & { default?: D; min?: 0 | 1 },
) {
  const min = o.min ?? 0;
  return spec<number, D, P>(
    `port ${min}–65535`,
    (raw) => {
      const t = raw.trim();
      const n = /^\d{1,5}$/.test(t) ? Number(t) : NaN;
      if (!(n >= min && n <= 65535)) throw new ValueRefused(`must be a port number from ${min} to 65535`);
      return n;
    },
    o,
  );
}

/** One of a fixed set of words. */
export function oneOf<const W extends string, D extends W | undefined = undefined, const P extends readonly Process[] = readonly Process[]>(
  words: readonly W[],
  o: Common<P> & { default?: D },
) {
  return spec<W, D, P>(
    `one of ${words.join(', ')}`,
    (raw) => {
      const t = raw.trim();
      if (!(words as readonly string[]).includes(t)) throw new ValueRefused(`must be one of ${words.join(', ')}`);
      return t as W;
    },
    o,
  );
}

const TRUE = new Set(['1', 'true', 'yes', 'on']);
const FALSE = new Set(['0', 'false', 'no', 'off']);
/** On or off: 1/true/yes/on or 0/false/no/off. */
export function flag<const P extends readonly Process[]>(o: Common<P> & { default?: boolean }) {
  return spec<boolean, boolean, P>(
    '0 or 1',
    (raw) => {
      const t = raw.trim().toLowerCase();
      if (TRUE.has(t)) return true;
      if (FALSE.has(t)) return false;
      throw new ValueRefused('must be 1 (on) or 0 (off)');
    },
    { ...o, default: o.default ?? false },
  );
}

const HOST_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*$/;
/** A host to listen on or reach: an IPv4 or IPv6 address (brackets allowed: [::1]) or a host name. */
export function parseHost(raw: string): string {
  const t = raw.trim();
  const bracketed = /^\[(.*)\]$/.exec(t);
  if (bracketed) {
    if (!isIPv6(bracketed[1] as string)) throw new ValueRefused(`[${bracketed[1]}] is not an IPv6 address`);
    return bracketed[1] as string;
  }
  if (isIP(t) !== 0 || HOST_NAME.test(t)) return t;
  throw new ValueRefused('is not an IP address or host name (e.g. 127.0.0.1, ::1, [::1], 0.0.0.0)');
}
export function host<D extends string | undefined = undefined, const P extends readonly Process[] = readonly Process[]>(
  o: Common<P> & { default?: D },
) {
  return spec<string, D, P>('IP address or host name', parseHost, o);
}

/** A URL with one of the given schemes; credentials, query and fragment refused unless allowed. */
export function url<D extends string | undefined = undefined, const P extends readonly Process[] = readonly Process[]>(
  o: Common<P> & { default?: D; schemes: readonly string[]; credentials?: boolean },
) {
  return spec<string, D, P>(
    `URL (${o.schemes.map((s) => `${s}://`).join(', ')})`,
    (raw) => {
      const t = raw.trim();
      let u: URL;
      try {
        u = new URL(t);
      } catch {
        throw new ValueRefused(`is not a URL (${o.schemes.map((s) => `${s}://…`).join(' or ')})`);
      }
      const scheme = u.protocol.replace(/:$/, '');
      if (!o.schemes.includes(scheme)) throw new ValueRefused(`must start with ${o.schemes.map((s) => `${s}://`).join(' or ')}`);
      if (!o.credentials && (u.username !== '' || u.password !== '')) throw new ValueRefused('must not carry a user or password');
      return t;
    },
    o,
  );
}

/** A file or folder path (checked for existence where it is used, not here). */
export function path<D extends string | undefined = undefined, const P extends readonly Process[] = readonly Process[]>(
  o: Common<P> & { default?: D },
) {
  return spec<string, D, P>('path', (raw) => raw, o);
}

/** A comma-separated list, each item parsed by `item`. */
export function list<D extends string[] | undefined = undefined, const P extends readonly Process[] = readonly Process[]>(
  o: Common<P> & { default?: D; itemType: string; item: (s: string) => string },
) {
  return spec<string[], D, P>(`comma-separated ${o.itemType}`, (raw) => raw.split(',').map((s) => o.item(s.trim())), o);
}
