// The layer rules (.dependency-cruiser.cjs, run by `npm run lint`) fail on what they forbid:
// depcruise is run with them over test/fixtures/layers, whose modules break one rule each.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..');
const FIXTURE = join(ROOT, 'test', 'fixtures', 'layers');

interface Violation {
  rule: { name: string };
  from: string;
  to: string;
}

function violations(): Violation[] {
  let out: string;
  try {
    out = execFileSync(
      process.execPath,
      [
        join(ROOT, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs'),
        'src',
        '--config',
        join(ROOT, '.dependency-cruiser.cjs'),
        '--output-type',
        'json',
      ],
      { cwd: FIXTURE, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    );
  } catch (err) {
    // depcruise exits with the number of errors; the report is on stdout all the same.
    out = (err as { stdout: string }).stdout;
  }
  return (JSON.parse(out) as { summary: { violations: Violation[] } }).summary.violations;
}

describe('the layer rules', () => {
  const found = violations();
  const of = (rule: string) =>
    found
      .filter((v) => v.rule.name === rule)
      .map((v) => `${v.from} -> ${v.to}`)
      .sort();

  it('fail on a cycle between two folders, with or without a module cycle', () => {
    expect(of('no-folder-cycle')).toEqual([
      'src/config -> src/sounds',
      'src/events -> src/store',
      'src/sounds -> src/config',
      'src/store -> src/events',
    ]);
  });

  it('fail on a cycle between two modules', () => {
    expect(of('no-module-cycle')).toEqual(['src/events/types.ts -> src/store/spool.ts', 'src/policy/a.ts -> src/policy/b.ts']);
  });

  it('keep the schedule pure and the worker apart from the call path', () => {
    expect(of('schedule-is-pure')).toEqual(['src/schedule/clock.ts -> src/shared/helper.ts']);
    expect(of('worker-apart-from-call-path')).toEqual(['src/crm/worker.ts -> src/ari/callHandler.ts']);
  });
});
