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
  readonly code = 'AH_ERR_CONFIG_INVALID';
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
