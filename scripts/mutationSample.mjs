// A StrykerJS ignorer for a quick estimate: MUTATION_SAMPLE=0.15 keeps about 15 % of the mutants,
// the same ones every run (a hash of file and line); the rest are Ignored. What is sampled:
//
// - MUTATION_SAMPLE_BY=unit (the default): whole units, each top-level function or statement
//   and each class member with every mutant inside it. Every mutant has the same chance.
// - MUTATION_SAMPLE_BY=line: the lines, each with the mutants that lie on it. A node that spans
//   several lines (a block, a condition written over lines) is always kept: such mutants are
//   over-represented, so the estimate leans to them.
import { relative } from 'node:path';
import { declareValuePlugin, PluginKind } from '@stryker-mutator/api/plugin';

const rate = Number(process.env.MUTATION_SAMPLE ?? '1');
const by = process.env.MUTATION_SAMPLE_BY ?? 'unit';
if (by !== 'unit' && by !== 'line') throw new Error(`MUTATION_SAMPLE_BY=${by}: unit or line`);

function kept(key) {
  let h = 0x811c9dc5; // FNV-1a
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193) >>> 0;
  return h % 10000 < rate * 10000;
}

/** A top-level statement or function, or a class member; a class (exported or not) is not one: its members are. */
function isUnit(path) {
  if (path.isClassDeclaration() || path.isExportNamedDeclaration() || path.isExportDefaultDeclaration()) return false;
  const parent = path.parentPath;
  if (!parent) return false;
  if (parent.isProgram() || parent.isClassBody()) return true;
  return (parent.isExportNamedDeclaration() || parent.isExportDefaultDeclaration()) && parent.parentPath?.isProgram() === true;
}

export const strykerPlugins = [
  declareValuePlugin(PluginKind.Ignore, 'sample', {
    shouldIgnore(path) {
      const loc = path.node.loc;
      const file = path.hub?.file?.opts?.filename;
      if (!loc || !file) return undefined;
      if (by === 'unit' ? !isUnit(path) : loc.start.line !== loc.end.line) return undefined;
      return kept(`${relative(process.cwd(), file)}:${loc.start.line}`)
        ? undefined
        : `Not in the sample (MUTATION_SAMPLE=${rate}, by ${by})`;
    },
  }),
];
