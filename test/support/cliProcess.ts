// The CLI as a user runs it, in tests that need no build: src/cli/main.ts under node, compiled
// on require by test/unit/cli/swcRegister.js.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { packageRoot } from '../../src/shared/paths';

const ROOT = packageRoot();
const MAIN = join(ROOT, 'src', 'cli', 'main.ts');
const REGISTER = join(ROOT, 'test', 'unit', 'cli', 'swcRegister.js');

export interface CliRun {
  /** The exit code; null when it was killed (the timeout). */
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `after-hours ARGS` with exactly `env` as its environment, from the repository's root. */
export function runCliSource(args: readonly string[], env: NodeJS.ProcessEnv, timeout = 30_000): Promise<CliRun> {
  return new Promise((done) => {
    execFile(process.execPath, ['-r', REGISTER, MAIN, ...args], { cwd: ROOT, env, timeout }, (err, stdout, stderr) =>
      done({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr }),
    );
  });
}
