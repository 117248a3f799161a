// --env-file, validate --json and the verbs' examples from the built program, run as an
// operator runs it: dist/src/cli/main.js through its shebang (`node --`, so node does not take
// --env-file for itself), with only PATH, TZ and HOME in the environment.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { EXIT } from '../../../src/cli/exitCodes';

const ROOT = resolve(__dirname, '..', '..', '..');
const BIN = join(ROOT, 'dist', 'src', 'cli', 'main.js');
const BASE_ENV = { PATH: process.env.PATH ?? '', TZ: 'UTC', HOME: tmpdir() };

function run(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(BIN, args, { cwd: ROOT, env: { ...BASE_ENV, ...env }, timeout: 60_000 }, (err, stdout, stderr) =>
      done({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr }),
    );
  });
}

let dir: string;
let envFile: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ah-envfile-cli-'));
  envFile = join(dir, 'after-hours.env');
  writeFileSync(envFile, '# the service file\nARI_APP=from-the-file\nARI_USER=file-user\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const stasisApp = (out: string): string | undefined => /Stasis\(([^,]+),/.exec(out)?.[1];
const DIALPLAN = ['asterisk-config', '--only', 'dialplan', '--ari-password', 'long-enough-1'];

describe('--env-file', () => {
  it("puts the file's settings in the environment, before or after the verb", async () => {
    for (const args of [
      ['--env-file', envFile, ...DIALPLAN],
      [...DIALPLAN, `--env-file=${envFile}`],
    ]) {
      const r = await run(args);
      expect(r.code).toBe(0);
      expect(stasisApp(r.stdout)).toBe('from-the-file');
    }
  });

  it('a variable already set wins over the file', async () => {
    const r = await run(['--env-file', envFile, ...DIALPLAN], { ARI_APP: 'from-the-environment' });
    expect(stasisApp(r.stdout)).toBe('from-the-environment');
  });

  it('a file that cannot be read: 78 naming it, before the verb runs', async () => {
    const missing = join(dir, 'nope.env');
    expect(await run(['--env-file', missing, 'validate', 'config/after-hours.yaml'])).toEqual({
      code: EXIT.CONFIG,
      stdout: '',
      stderr: `after-hours: --env-file ${missing} does not exist\n`,
    });
    const bad = join(dir, 'bad.env');
    writeFileSync(bad, 'REDIS_URL=redis://x\nthis is not a setting\n');
    const r = await run(['validate', 'config/after-hours.yaml', '--env-file', bad]);
    expect(r.code).toBe(EXIT.CONFIG);
    expect(r.stderr).toBe(`after-hours: --env-file ${bad}:2: not VAR=value (a name of letters, digits and _, then =)\n`);
  });

  it("a refused setting in the file is refused as the environment's would be (78, naming it)", async () => {
    const loud = join(dir, 'loud.env');
    writeFileSync(loud, 'LOG_LEVEL=loud\n');
    const r = await run(['--env-file', loud, 'start', '--config', 'test/fixtures/config/invalid.yaml']);
    expect(r.code).toBe(EXIT.CONFIG);
    expect(r.stderr).toMatch(/^after-hours: LOG_LEVEL must be one of/);
  });
});

describe('validate --json', () => {
  it('one JSON object: each file ok with its counts, or its problems; exit 1 when one is refused', async () => {
    const good = await run(['validate', '--json', 'config/after-hours.yaml']);
    expect(good.code).toBe(0);
    expect(good.stderr).toBe('');
    expect(JSON.parse(good.stdout)).toEqual({
      ok: true,
      files: [{ file: 'config/after-hours.yaml', ok: true, numbers: 3, timeZones: 2, actions: { voicemail: 1, forward: 1, hangup: 1 } }],
    });
    const mixed = await run(['validate', '--json', 'config/after-hours.yaml', 'test/fixtures/config/invalid.yaml']);
    expect(mixed.code).toBe(1);
    const report = JSON.parse(mixed.stdout) as {
      ok: boolean;
      files: { ok: boolean; errors?: { file: string; line: number; col: number; message: string }[] }[];
    };
    expect(report.ok).toBe(false);
    expect(report.files.map((f) => f.ok)).toEqual([true, false]);
    expect(report.files[1]?.errors?.length).toBeGreaterThan(0);
    for (const e of report.files[1]?.errors ?? [])
      expect(e).toEqual({
        file: 'test/fixtures/config/invalid.yaml',
        line: expect.any(Number),
        col: expect.any(Number),
        message: expect.any(String),
      });
  });
});

describe('--help', () => {
  it.each(['validate', 'check', 'start', 'push', 'override', 'crm-worker', 'console', 'token', 'sound'])(
    '%s --help shows examples and --env-file',
    async (verb) => {
      const r = await run([verb, '--help']);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`\\nExamples:\\n  (sudo )?after-hours .*${verb}`));
      expect(r.stdout).toContain('--env-file <file>');
    },
  );
});
