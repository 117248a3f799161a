import type { ErrorCode } from '../shared/errorCodes';
import { quoted } from '../shared/printable';
/** A problem in a configuration file, at the position of the offending key or value. */
export interface ConfigError {
  file: string;
  line: number;
  col: number;
  message: string;
}

export function formatConfigError(e: ConfigError): string {
  return `${e.file}:${e.line}:${e.col}: ${e.message}`;
}

/** Thrown by callers that need an exception; carries every problem found. */
export class ConfigInvalidError extends Error {
  readonly code: ErrorCode = 'AH_ERR_CONFIG_INVALID';
  constructor(readonly errors: ConfigError[]) {
    super(`configuration refused:\n${errors.map(formatConfigError).join('\n')}`);
  }
}

export function levenshtein(a: string, b: string): number {
  const dp = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = dp[0]!;
    dp[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = dp[j]!;
      dp[j] = Math.min(dp[j]! + 1, dp[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return dp[b.length]!;
}

/** The closest candidate, when close enough to be a likely typo. */
export function nearest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = levenshtein(word.toLowerCase(), c.toLowerCase());
    if (d < bestD) [best, bestD] = [c, d];
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

/**
 * A short rendering of a value from the file, for "(got …)" in messages: JSON-like (strings
 * as `quoted` shows them), cut at `maxChars` with "…". It walks the value with that budget,
 * so a value built from YAML aliases (shared, possibly cyclic, exponentially large when
 * expanded) costs at most `maxChars` steps, never its expanded size.
 */
export function renderValue(v: unknown, maxChars = 60): string {
  let out = '';
  // Work stack of values still to render and literal text to emit, in order.
  const todo: Array<{ text: string } | { value: unknown }> = [{ value: v }];
  while (todo.length > 0 && out.length <= maxChars) {
    const next = todo.pop()!;
    if ('text' in next) {
      out += next.text;
      continue;
    }
    const x = next.value;
    if (Array.isArray(x)) {
      const parts: Array<{ text: string } | { value: unknown }> = [{ text: '[' }];
      // Only as many items as could still show: each takes at least one character.
      const shown = Math.min(x.length, maxChars - out.length + 1);
      for (let i = 0; i < shown; i++) parts.push(...(i > 0 ? [{ text: ',' }] : []), { value: x[i] });
      if (shown < x.length) parts.push({ text: ',…' });
      parts.push({ text: ']' });
      for (let i = parts.length - 1; i >= 0; i--) todo.push(parts[i]!);
    } else if (x !== null && typeof x === 'object') {
      const parts: Array<{ text: string } | { value: unknown }> = [{ text: '{' }];
      let i = 0;
      for (const k in x) {
        if (!Object.prototype.hasOwnProperty.call(x, k)) continue;
        if (i > maxChars - out.length) {
          parts.push({ text: ',…' });
          break;
        }
        parts.push({ text: `${i > 0 ? ',' : ''}${quoted(k, maxChars)}:` }, { value: (x as Record<string, unknown>)[k] });
        i++;
      }
      parts.push({ text: '}' });
      for (let j = parts.length - 1; j >= 0; j--) todo.push(parts[j]!);
    } else out += scalar(x, maxChars);
  }
  return out.length > maxChars || todo.length > 0 ? `${out.slice(0, maxChars)}…` : out;
}

function scalar(x: unknown, maxChars: number): string {
  if (typeof x === 'string') return quoted(x, maxChars);
  if (x === undefined) return 'undefined';
  if (typeof x === 'bigint') return `${x}`;
  if (typeof x === 'number' || typeof x === 'boolean' || x === null) return String(x);
  return typeof x;
}
