// The docs' variable tables, generated from the declaration: one per process, between
// <!-- settings:PROCESS --> and <!-- /settings:PROCESS --> markers in any Markdown file.
// `npm run docs:settings` rewrites them; a unit test fails when a file differs.
import { SETTINGS, type SettingName } from './declaration';
import { namesOf } from './read';
import type { Process, Spec } from './spec';

function defaultOf(spec: Spec<unknown>): string {
  if (spec.defaultText !== undefined) return spec.defaultText;
  const d = spec.default;
  if (d === undefined) return 'unset';
  if (typeof d === 'boolean') return d ? '1' : '0';
  if (Array.isArray(d)) return d.length === 0 ? 'none' : `\`${d.join(',')}\``;
  return `\`${String(d)}\``;
}

const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The Markdown table of one process's settings. */
export function settingsTable(process: Process): string {
  const rows = namesOf(process).map((name: SettingName) => {
    const spec: Spec<unknown> = SETTINGS[name];
    const secret = spec.secret ? ' **Secret**: never logged or echoed; or from a file: `' + name + '_FILE`.' : '';
    return `| \`${name}\` | ${cell(defaultOf(spec))} | ${cell(spec.type)} | ${cell(spec.doc)}.${secret} |`;
  });
  return ['| Variable | Default | Type | Meaning |', '|---|---|---|---|', ...rows].join('\n');
}

const BLOCK = /(<!-- settings:(daemon|worker|console|cli) -->)[\s\S]*?(<!-- \/settings:\2 -->)/g;

/** `text` with every marked block replaced by its generated table. */
export function withSettingsTables(text: string): string {
  return text.replace(BLOCK, (_m, open: string, process: Process, close: string) => `${open}\n${settingsTable(process)}\n${close}`);
}
