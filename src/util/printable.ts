// Text that came from outside (override notes, CRM error messages) is shown in a terminal
// by the CLI. Control characters would move the cursor, rewrite earlier lines or change
// the terminal's state (ANSI escapes), and a tab or newline would break the one-record-a-line,
// tab-separated listings. They are shown as escapes instead; a backslash is doubled so an
// escape in the output always means one character in the data.

const NAMED = new Map([
  ['\t', '\\t'],
  ['\n', '\\n'],
  ['\r', '\\r'],
  ['\\', '\\\\'],
]);

// C0 controls, DEL, C1 controls (U+009B is a one-character CSI on some terminals), the line
// and paragraph separators, and the bidirectional overrides and isolates that reorder what
// the reader sees.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\\]/g;

/** `text` with every control character written as an escape (`\n`, `\x1b`, `\u202e`). */
export function printable(text: string): string {
  return text.replace(UNSAFE, (ch) => {
    const named = NAMED.get(ch);
    if (named !== undefined) return named;
    const code = ch.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}
