import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ERROR_CODES } from '../../../src/shared/errorCodes';
import { packageRoot } from '../../../src/shared/paths';

// One list of error codes: every code the sources use is in it, and the README explains each.

const root = packageRoot();

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

describe('error codes', () => {
  it('every AH_ERR_ code in src/ is listed in src/shared/errorCodes.ts', () => {
    const used = new Set<string>();
    for (const f of sources(join(root, 'src'))) for (const m of readFileSync(f, 'utf8').matchAll(/AH_ERR_[A-Z_]+/g)) used.add(m[0]);
    expect([...used].filter((c) => !(c in ERROR_CODES)).sort()).toEqual([]);
    expect(used.size).toBeGreaterThanOrEqual(Object.keys(ERROR_CODES).length);
  });

  it('the README or docs/ names every code', () => {
    const docs = join(root, 'docs');
    const readme = [
      join(root, 'README.md'),
      ...readdirSync(docs)
        .filter((f) => f.endsWith('.md'))
        .map((f) => join(docs, f)),
    ]
      .map((f) => readFileSync(f, 'utf8'))
      .join('\n');
    expect(Object.keys(ERROR_CODES).filter((c) => !readme.includes(`\`${c}\``))).toEqual([]);
  });
});
