// The pure core (src/schedule/, src/policy/) owns its vocabulary: it imports nothing from
// the edges. Config, events, ARI, stores, the CRM side and the CLI import the core, never
// the other way round (type-only imports included: the arrow is the same).
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const SRC = resolve(__dirname, '..', '..', '..', 'src');
const CORE = ['schedule', 'policy'];
/** Where the core must never reach. */
const EDGES = ['config', 'events', 'ari', 'store', 'crm', 'cli', 'daemon', 'httpServer', 'log'];

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? tsFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** Every module specifier of import/export … from, import '…', import('…'), require('…'). */
export function specifiers(text: string): string[] {
  const out: string[] = [];
  const patterns = [
    /\b(?:import|export)\s[^'";]*?\sfrom\s*['"]([^'"]+)['"]/g,
    /\bimport\s*['"]([^'"]+)['"]/g,
    /\b(?:import|require)\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
  ];
  for (const re of patterns) for (const m of text.matchAll(re)) out.push(m[1]!);
  return out;
}

function offending(): string[] {
  const found: string[] = [];
  for (const area of CORE) {
    for (const file of tsFiles(join(SRC, area))) {
      for (const spec of specifiers(readFileSync(file, 'utf8'))) {
        if (!spec.startsWith('.')) continue;
        const target = relative(SRC, resolve(dirname(file), spec))
          .split(/[\\/]/)[0]!
          .replace(/\.ts$/, '');
        if (EDGES.includes(target)) found.push(`src/${relative(SRC, file)} imports ${spec}`);
      }
    }
  }
  return found;
}

describe('the core imports no edge', () => {
  it('no import from src/schedule/ or src/policy/ reaches src/config/, src/events/ or another edge', () => {
    expect(offending()).toEqual([]);
  });

  it('the scan sees every form of import', () => {
    const text = [
      "import type { A } from '../config/types';",
      'import { B,\n  C } from "../events/types";',
      "export { D } from '../config/types';",
      "export type { E } from '../events/types';",
      "import '../events/side';",
      "const f = require('../config/load');",
      "const g = await import('../events/stream');",
    ].join('\n');
    expect(specifiers(text)).toEqual(
      expect.arrayContaining(['../config/types', '../events/types', '../events/side', '../config/load', '../events/stream']),
    );
    expect(specifiers(text)).toHaveLength(7);
  });
});
