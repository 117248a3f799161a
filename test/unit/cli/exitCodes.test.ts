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

  // Each of these exited 1 (or 78) depending on which of five parsers read it; all are 78 now,
  // naming the variable and the reason, before the verb reads its configuration file.
  it.each([
    ['start', { ARI_REST_CLIENT: 'foo' }, /^after-hours: ARI_REST_CLIENT must be one of own, agent, undici \(got "foo"\)\n$/],
    ['start', { ARI_HEARTBEAT_MS: 'abc' }, /^after-hours: ARI_HEARTBEAT_MS must be a whole number from 100 to 600000 \(got "abc"\)\n$/],
    ['start', { SPOOL_MEMORY_EVENTS: '-5' }, /^after-hours: SPOOL_MEMORY_EVENTS must be a whole number from 0 to 10000000 \(got "-5"\)\n$/],
    [
      'start',
      { LOG_LEVEL: 'loud' },
      /^after-hours: LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent \(got "loud"\)\n$/,
    ],
    ['start', { METRICS_PORT: '99999' }, /^after-hours: METRICS_PORT must be a port number from 0 to 65535 \(got "99999"\)\n$/],
    ['crm-worker', { CRM_CONCURRENCY: '0' }, /^after-hours: CRM_CONCURRENCY must be a whole number from 1 to 64 \(got "0"\)\n$/],
    ['console', { CONSOLE_PORT: 'http' }, /^after-hours: CONSOLE_PORT must be a port number from 0 to 65535 \(got "http"\)\n$/],
    ['override', { AFTER_HOURS_REGION: 'poland' }, /^after-hours: AFTER_HOURS_REGION must be a two-letter country code/],
  ])('%s with %j: 78 naming the variable and the reason', async (verb, env, message) => {
    const args = verb === 'override' ? ['override', 'list'] : [verb, '--config', INVALID];
    const r = await cli(args, env);
    expect(r.code).toBe(EXIT.CONFIG);
    expect(r.stderr).toMatch(message);
  });

  it('a refused secret is never echoed, even from a URL the parser cannot split', async () => {
    const envs: Record<string, string>[] = [
      { FEATURE_CODE_PIN: 'hunter2x' },
      { REDIS_URL: 'redis+sentinel://:hunter2@x@sentinel-a:26379,:hunter2@x@b/mymaster' },
      { REDIS_URL: 'redis://:hunter2@x@[bad/0' },
    ];
    for (const env of envs) {
      const r = await cli(['start', '--config', INVALID], env);
      expect(r.code).toBe(EXIT.CONFIG);
      expect(r.stderr).toMatch(/^after-hours: (FEATURE_CODE_PIN|REDIS_URL)\b/);
      expect(r.stderr).not.toContain('hunter2');
    }
  });

  it("deploy/systemd's units do not restart on a usage error or a refused configuration, and leave node's JIT alone", () => {
    const unitsDir = join(ROOT, 'deploy', 'systemd');
    const units = readdirSync(unitsDir).filter((f) => f.endsWith('.service'));
    expect(units.sort()).toEqual(['after-hours-console.service', 'after-hours-crm-worker.service', 'after-hours.service']);
    for (const unit of units) {
      const text = readFileSync(join(unitsDir, unit), 'utf8');
      expect(text).toMatch(new RegExp(`^RestartPreventExitStatus=${EXIT.USAGE} ${EXIT.CONFIG}$`, 'm'));
      // The worker exits 0 when no CRM is configured (nothing to do): only it is on-failure.
      expect(text).toMatch(unit === 'after-hours-crm-worker.service' ? /^Restart=on-failure$/m : /^Restart=always$/m);
      expect(text).not.toMatch(/^MemoryDenyWriteExecute=/m);
      expect(text).toMatch(/^EnvironmentFile=\/etc\/after-hours\/after-hours.env$/m);
    }
  });

  it('deploy/systemd never gives up for good, fails start on a wrong path, orders after a local Redis, reloads the daemon with SIGHUP', () => {
    const unitsDir = join(ROOT, 'deploy', 'systemd');
    for (const unit of readdirSync(unitsDir).filter((f) => f.endsWith('.service'))) {
      const text = readFileSync(join(unitsDir, unit), 'utf8');
      expect(text).toMatch(/^StartLimitIntervalSec=0$/m);
      expect(text).not.toMatch(/^StartLimitBurst=/m);
      expect(text).toMatch(/^RestartSec=\d+s$/m);
      expect(text).toMatch(/^Type=exec$/m);
      expect(text).toMatch(/^After=.*\bredis-server\.service\b/m);
      expect(text).toMatch(/^Wants=.*\bredis-server\.service\b/m);
      expect(text).not.toMatch(/^Requires=/m);
    }
    const daemon = readFileSync(join(unitsDir, 'after-hours.service'), 'utf8');
    expect(daemon).toMatch(/^After=.*\basterisk\.service\b/m);
    expect(daemon).toMatch(/^ExecReload=\/bin\/kill -HUP \$MAINPID$/m);
  });
});
