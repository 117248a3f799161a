// Runs the CLI from source as a user runs it: src/cli/main.ts under node, compiled on require
// by test/unit/cli/swcRegister.js (no build needed), to completion.
import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..', '..');
const MAIN = join(ROOT, 'src', 'cli', 'main.ts');
const REGISTER = join(ROOT, 'test', 'unit', 'cli', 'swcRegister.js');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runSourceCli(args: string[], env: Record<string, string>, timeout = 30_000): Promise<CliRun> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      ['-r', REGISTER, MAIN, ...args],
      { cwd: ROOT, env: { ...process.env, TZ: 'UTC', LOG_LEVEL: 'silent', ...env }, timeout },
      (err, stdout, stderr) => done({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr }),
    );
  });
}
