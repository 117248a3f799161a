// Text that came from outside (override notes, CRM error messages, what an operator wrote in
// the configuration) is shown in a terminal, a log or an error message. Control characters
// would move the cursor, rewrite earlier lines or change the terminal's state (ANSI escapes),
// a tab or newline would break the one-record-a-line, tab-separated listings, and invisible
// characters would make two different texts look the same. They are shown as escapes
// instead; a backslash is doubled so an escape in the output always means one character in
// the data. The one place that quotes such text: `printable` for listings, `quoted` in messages.

const NAMED = new Map([
  ['\t', '\\t'],
  ['\n', '\\n'],
  ['\r', '\\r'],
  ['\\', '\\\\'],
]);

// C0 controls, DEL, C1 controls (U+009B is a one-character CSI on some terminals), the
// zero-width characters and marks, the line and paragraph separators, the bidirectional
// overrides and isolates that reorder what the reader sees, the invisible operators and the
// byte order mark.
const CONTROLS = '\\u0000-\\u001f\\u007f-\\u009f\\u200b-\\u200f\\u2028-\\u202e\\u2060-\\u2069\\ufeff';
/** One character that is not shown as itself: a control, invisible or bidirectional character. */
export const CONTROL_CHARACTER = new RegExp(`[${CONTROLS}]`, 'u');
const UNSAFE = new RegExp(`[${CONTROLS}\\\\]`, 'g');

/** `text` with every control character written as an escape (`\n`, `\x1b`, `\u202e`). */
export function printable(text: string): string {
  return text.replace(UNSAFE, (ch) => {
    const named = NAMED.get(ch);
    if (named !== undefined) return named;
    const code = ch.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/**
 * `text` in double quotes for a message, as printable shows it (a `"` escaped too), cut after
 * `maxChars` characters with "…" so that a pasted essay does not flood the message.
 */
export function quoted(text: string, maxChars = 40): string {
  const cut = text.length > maxChars ? `${text.slice(0, maxChars)}…` : text;
  return `"${printable(cut).replace(/"/g, '\\"')}"`;
}
