// npm run docs:settings: rewrites the variable tables in README.md and docs/*.md from
// src/settings/declaration.ts (between <!-- settings:PROCESS --> markers). --check: exit 1
// and name the files that differ, without writing.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { withSettingsTables } from '../src/settings/docs';
import { packageRoot } from '../src/shared/paths';

const root = packageRoot();
const docs = join(root, 'docs');
const files = [
  join(root, 'README.md'),
  ...(existsSync(docs)
    ? readdirSync(docs)
        .filter((f) => f.endsWith('.md'))
        .map((f) => join(docs, f))
    : []),
];
const check = process.argv.includes('--check');
const stale: string[] = [];
for (const file of files) {
  const text = readFileSync(file, 'utf8');
  const next = withSettingsTables(text);
  if (next === text) continue;
  stale.push(file);
  if (!check) writeFileSync(file, next);
}
if (check && stale.length > 0) {
  process.stderr.write(`settings tables out of date in ${stale.join(', ')}: run npm run docs:settings\n`);
  process.exit(1);
}
process.stdout.write(check ? 'settings tables up to date\n' : `settings tables written: ${stale.length} file(s) changed\n`);
