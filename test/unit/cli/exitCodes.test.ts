// Exit codes as a service manager sees them, from the real process (the built
// dist/src/cli/main.js, see test/support/cliProcess): --version, a refused configuration or setting
// (78, which deploy/systemd's units do not restart). The CRM worker's own cases (no CRM: 0)
// are in crmWorkerExit.test.ts.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { EXIT } from '../../../src/cli/exitCodes';
import { builtCli } from '../../support/cliProcess';

const ROOT = resolve(__dirname, '..', '..', '..');
const MAIN = builtCli();
const INVALID = 'test/fixtures/config/invalid.yaml';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

// Only what the verb needs: no CRM, ARI or Redis settings leak in from the machine.
const BASE_ENV = { PATH: process.env.PATH ?? '', TZ: 'UTC', HOME: tmpdir() };

function cli(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((done) => {
    execFile(process.execPath, [MAIN, ...args], { cwd: ROOT, env: { ...BASE_ENV, ...env }, timeout: 60_000 }, (err, stdout, stderr) =>
      done({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr }),
    );
  });
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ah-exit-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('exit codes', () => {
  it('--version prints the version in package.json and exits 0', async () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(await cli(['--version'])).toEqual({ code: 0, stdout: `${pkg.version}\n`, stderr: '' });
  });

  it('start with a refused configuration file: 78 and every problem', async () => {
    const r = await cli(['start', '--config', INVALID]);
    expect(r.code).toBe(EXIT.CONFIG);
    expect(r.stderr).toMatch(/^after-hours: configuration refused:\ntest\/fixtures\/config\/invalid.yaml:\d+:\d+: /);
  });

  it('crm-worker with a refused configuration file: 78', async () => {
    expect((await cli(['crm-worker', '--config', INVALID])).code).toBe(EXIT.CONFIG);
  });

  it('X and X_FILE both set: 78 before the verb runs; X_FILE alone is read', async () => {
    const pw = join(dir, 'ari-password');
    writeFileSync(pw, 'from-a-file\n');
    const both = await cli(['start', '--config', INVALID], { ARI_PASSWORD: 'x', ARI_PASSWORD_FILE: pw });
    expect(both).toEqual({
      code: EXIT.CONFIG,
      stdout: '',
      stderr: 'after-hours: ARI_PASSWORD and ARI_PASSWORD_FILE are both set; set one\n',
    });
    const alone = await cli(['validate', 'config/after-hours.yaml'], { ARI_PASSWORD_FILE: pw });
    expect(alone.code).toBe(0);
  });

  it("deploy/systemd's units do not restart on a usage error or a refused configuration, and leave node's JIT alone", () => {
    const unitsDir = join(ROOT, 'deploy', 'systemd');
    const units = readdirSync(unitsDir).filter((f) => f.endsWith('.service'));
    expect(units.sort()).toEqual(['after-hours-console.service', 'after-hours-crm-worker.service', 'after-hours.service']);
    for (const unit of units) {
      const text = readFileSync(join(unitsDir, unit), 'utf8');
      expect(text).toMatch(new RegExp(`^RestartPreventExitStatus=${EXIT.USAGE} ${EXIT.CONFIG}$`, 'm'));
      expect(text).toMatch(/^Restart=on-failure$/m);
      expect(text).not.toMatch(/^MemoryDenyWriteExecute=/m);
      expect(text).toMatch(/^EnvironmentFile=\/etc\/after-hours\/after-hours.env$/m);
    }
  });
});
