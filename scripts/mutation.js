#!/usr/bin/env node
// npm run test:mutation [-- schedule policy phone] [-- --force]: StrykerJS on each folder of the
// pure core in turn (one run per folder keeps each run's static reload small and its report
// apart), then each folder's score. Incremental: a second run re-tests only the mutants whose
// code or tests changed; --force re-tests them all. Reports in reports/mutation/.
const { spawnSync } = require('node:child_process');
const { readFileSync } = require('node:fs');
const { join } = require('node:path');

const FOLDERS = ['schedule', 'policy', 'phone'];
const args = process.argv.slice(2);
const flags = args.filter((a) => a.startsWith('-'));
const asked = args.filter((a) => !a.startsWith('-'));
for (const f of asked) if (!FOLDERS.includes(f)) throw new Error(`unknown folder ${f}: one of ${FOLDERS.join(', ')}`);
const folders = asked.length > 0 ? asked : FOLDERS;
const root = join(__dirname, '..');
const stryker = join(root, 'node_modules', '.bin', 'stryker');

const scores = [];
let failed = false;
for (const folder of folders) {
  const started = Date.now();
  const r = spawnSync(stryker, ['run', ...flags], { cwd: root, stdio: 'inherit', env: { ...process.env, MUTATION_FOLDER: folder } });
  if (r.status !== 0) {
    failed = true;
    continue;
  }
  scores.push({
    folder,
    ...score(join(root, 'reports', 'mutation', `${folder}.json`)),
    seconds: Math.round((Date.now() - started) / 1000),
  });
}

// The mutation score as Stryker computes it: killed (and timed out) over killed, survived and
// not covered. Ignored mutants (static, or outside a sample) and errors (a mutant that does not
// run) are counted apart.
function score(file) {
  const report = JSON.parse(readFileSync(file, 'utf8'));
  const n = {};
  let sampledOut = 0;
  for (const f of Object.values(report.files))
    for (const m of f.mutants) {
      n[m.status] = (n[m.status] ?? 0) + 1;
      if (m.status === 'Ignored' && /sample/.test(m.statusReason ?? '')) sampledOut++;
    }
  const detected = (n.Killed ?? 0) + (n.Timeout ?? 0);
  const undetected = (n.Survived ?? 0) + (n.NoCoverage ?? 0);
  return {
    detected,
    undetected,
    static: (n.Ignored ?? 0) - sampledOut,
    sampledOut,
    errors: (n.RuntimeError ?? 0) + (n.CompileError ?? 0),
    percent: detected + undetected === 0 ? 100 : (100 * detected) / (detected + undetected),
  };
}

const cols = ['folder', 'killed', 'survived', 'static', 'not sampled', 'errors', 'score', 'time'];
console.log(`\n${cols.join('  ')}`);
for (const s of scores)
  console.log(
    [
      s.folder.padEnd(cols[0].length + 2),
      String(s.detected).padStart(cols[1].length),
      String(s.undetected).padStart(cols[2].length),
      String(s.static).padStart(cols[3].length),
      String(s.sampledOut).padStart(cols[4].length),
      String(s.errors).padStart(cols[5].length),
      `${s.percent.toFixed(2)} %`,
      `${s.seconds} s`,
    ].join('  '),
  );
process.exitCode = failed ? 1 : 0;
