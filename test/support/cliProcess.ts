// The CLI as a user runs it: the built dist/src/cli/main.js under node. npm test builds first;
// a single file run without a build (or after src changed) gets a clear error, not a test of
// old code.
import { execFile } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../src/shared/paths';

const ROOT = packageRoot();
const BUILT = join(ROOT, 'dist', 'src', 'cli', 'main.js');

let checked: string | undefined;

/** The newest modification time (ms) of a .ts file under dir. */
function newestTs(dir: string): { file: string; mtimeMs: number } {
  let newest = { file: '', mtimeMs: 0 };
  for (const f of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    if (!f.endsWith('.ts')) continue;
    const m = statSync(join(dir, f)).mtimeMs;
    if (m > newest.mtimeMs) newest = { file: f, mtimeMs: m };
  }
  return newest;
}

/**
 * The path of the built CLI (dist/src/cli/main.js). Throws when it is missing or older than
 * a file under src/ (then the tests would run yesterday's code): run `npm run build`.
 */
export function builtCli(): string {
  if (checked) return checked;
  let built: number;
  try {
    built = statSync(BUILT).mtimeMs;
  } catch {
    throw new Error(`the CLI is not built (no dist/src/cli/main.js): run \`npm run build\` first (npm test does)`);
  }
  const src = newestTs(join(ROOT, 'src'));
  if (src.mtimeMs > built)
    throw new Error(`dist/ is older than src/${src.file}: run \`npm run build\` first (npm test does), the CLI tests run the built CLI`);
  checked = BUILT;
  return checked;
}

export interface CliRun {
  /** The exit code; null when it was killed (the timeout). */
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `after-hours ARGS` (the built CLI) with exactly `env` as its environment, from the repository's root. */
export function runCliSource(args: readonly string[], env: NodeJS.ProcessEnv, timeout = 30_000): Promise<CliRun> {
  const main = builtCli();
  return new Promise((done) => {
    execFile(process.execPath, [main, ...args], { cwd: ROOT, env, timeout }, (err, stdout, stderr) =>
      done({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr }),
    );
  });
}
