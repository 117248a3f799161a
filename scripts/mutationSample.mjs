// A StrykerJS ignorer for a quick estimate: MUTATION_SAMPLE=0.3 keeps the mutants of about 30 %
// of the lines (the same lines every run: a hash of file and line), the rest are Ignored.
// A node that spans several lines is always kept (its mutants are few: a block, a condition).
import { relative } from 'node:path';
import { declareValuePlugin, PluginKind } from '@stryker-mutator/api/plugin';

const rate = Number(process.env.MUTATION_SAMPLE ?? '1');

function keep(key) {
  let h = 0x811c9dc5; // FNV-1a
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193) >>> 0;
  return h % 10000 < rate * 10000;
}

export const strykerPlugins = [
  declareValuePlugin(PluginKind.Ignore, 'sample', {
    shouldIgnore(path) {
      const loc = path.node.loc;
      const file = path.hub?.file?.opts?.filename;
      if (!loc || !file || loc.start.line !== loc.end.line) return undefined;
      return keep(`${relative(process.cwd(), file)}:${loc.start.line}`) ? undefined : `Not in the sample (MUTATION_SAMPLE=${rate})`;
    },
  }),
];
