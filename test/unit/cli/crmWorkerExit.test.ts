// The CRM worker's exit codes from the real process (see exitCodes.test.ts): with no CRM
// configured it exits 0 with the reason, so no restart policy retries it (compose's
// `restart: on-failure`, systemd's Restart=on-failure); half configured it exits 78.
import { execFile } from 'node:child_process';
import { tmpdir } from 'node:os';
import { resolve } from 'node:path';
import { EXIT } from '../../../src/cli/exitCodes';
import { builtCli } from '../../support/cliProcess';

const ROOT = resolve(__dirname, '..', '..', '..');
const MAIN = builtCli();

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

describe('crm-worker exit codes', () => {
  it('crm-worker with no CRM configured: exit 0 and "no CRM configured: nothing to do", without touching Redis', async () => {
    const r = await cli(['crm-worker'], { REDIS_URL: 'redis://127.0.0.1:1' });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const line = JSON.parse(r.stdout.trim()) as { level: number; msg: string };
    expect(line.level).toBe(40);
    expect(line.msg).toMatch(/^no CRM configured: nothing to do \(set BITRIX24_WEBHOOK_URL/);
  });

  it('crm-worker with a CRM half configured: 78 and what is missing', async () => {
    const r = await cli(['crm-worker'], { CRM_ADAPTER: 'webhook', WEBHOOK_URL: 'https://crm.example.test/hook' });
    expect(r).toEqual({ code: EXIT.CONFIG, stdout: '', stderr: 'after-hours: WEBHOOK_SECRET is not set\n' });
  });

  it.each(['0', '65'])('crm-worker with CRM_CONCURRENCY=%s: 78 and the allowed range, before it connects', async (n) => {
    const r = await cli(['crm-worker'], {
      BITRIX24_WEBHOOK_URL: 'https://portal.example.test/rest/1/secret/',
      CRM_CONCURRENCY: n,
      REDIS_URL: 'redis://127.0.0.1:1',
    });
    expect(r).toEqual({
      code: EXIT.CONFIG,
      stdout: '',
      stderr: `after-hours: CRM_CONCURRENCY must be a whole number from 1 to 64 (got "${n}")\n`,
    });
  });
});
