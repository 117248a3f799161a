import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Command } from 'commander';
import { registerCheckCommand } from '../../../src/cli/check';
import { registerAllCommands, registerCommands } from '../../../src/cli/commands';
import { VERB_SUMMARIES } from '../../../src/cli/verbSummaries';
import { registerValidateCommand } from '../../../src/cli/validate';
import { builtCli } from '../../support/cliProcess';

// Two ways in. A handful of cases run the real process (the built dist/src/cli/main.js,
// see test/support/cliProcess; npm test builds first), all at once in beforeAll, so exit codes
// and stderr are exactly what a user sees. The rest call the
// same commander program in-process, which is fast; `inProcess` maps errors to exit codes
// the way main.ts does, and the real-process cases check that mapping.

const ROOT = resolve(__dirname, '..', '..', '..');
const MAIN = builtCli();
const SAMPLE = 'config/after-hours.yaml';
const VALID = 'test/fixtures/config/valid.yaml';
const INVALID = 'test/fixtures/config/invalid.yaml';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function spawnCli(args: string[]): Promise<Run> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [MAIN, ...args],
      { cwd: ROOT, env: { ...process.env, TZ: 'UTC' }, timeout: 60_000 },
      (err, stdout, stderr) => {
        done({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr });
      },
    );
  });
}

/** The CLI in this process: paths are relative to the repository root (jest's working directory). */
async function inProcess(args: string[], register: (p: Command, args: string[]) => void | Promise<void> = registerCommands): Promise<Run> {
  const out: string[] = [];
  const err: string[] = [];
  const so = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => (out.push(String(chunk)), true));
  const se = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => (err.push(String(chunk)), true));
  const saved = process.exitCode;
  process.exitCode = undefined;
  let code: number;
  try {
    const program = new Command('after-hours')
      .exitOverride()
      .configureOutput({ writeOut: (t) => out.push(t), writeErr: (t) => err.push(t) });
    await register(program, args);
    await program.parseAsync(['node', 'after-hours', ...args]);
    code = typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    const c = (e as { code?: string }).code;
    code = c === 'commander.helpDisplayed' || c === 'commander.help' ? 0 : typeof c === 'string' && c.startsWith('commander.') ? 2 : 1;
    if (code === 1) err.push(`after-hours: ${e instanceof Error ? e.message : String(e)}\n`);
  } finally {
    process.exitCode = saved;
    so.mockRestore();
    se.mockRestore();
  }
  return { code, stdout: out.join(''), stderr: err.join('') };
}
const validateAndCheck = (p: Command) => {
  registerValidateCommand(p);
  registerCheckCommand(p);
};
const cli = (args: string[]) => inProcess(args, validateAndCheck);

const STACK = /\n\s+at .+:\d+:\d+\)?/;
let tmp: string;

const REAL: Record<string, string[]> = {
  validateMixed: ['validate', INVALID, SAMPLE],
  validateUsage: ['validate'],
  checkJson: ['check', '--config', SAMPLE, '--did', '22 123 45 67', '--at', '2026-11-13T22:00:00Z', '--json'],
  checkUnknown: ['check', '--config', SAMPLE, '--did', '+48 22 123 45 99', '--json'],
  checkBadAt: ['check', '--config', SAMPLE, '--did', '+48221234567', '--at', 'tomorrow'],
  help: ['--help'],
  checkHelp: ['check', '--help'],
};
const real: Record<string, Run> = {};

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'after-hours-cli-'));
  const names = Object.keys(REAL);
  const runs = await Promise.all(names.map((n) => spawnCli(REAL[n]!)));
  names.forEach((n, i) => (real[n] = runs[i]!));
}, 120_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('the real process (main.ts): exit codes, streams, no stack traces', () => {
  it('validate: exit 1 listing every problem as FILE:LINE:COL: message, still summarising the good file', () => {
    const r = real.validateMixed!;
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n')).toEqual([
      `${INVALID}:7:15: unknown time zone "Europe/Warsw" (use an IANA name such as Europe/Warsaw)`,
      `${INVALID}:8:10: did +48221234567 is already configured at line 6`,
      `${INVALID}:9:19: "09:00-09:00" is zero-length (start equals end)`,
      `${INVALID}:12:22: forward target "+48700123456" is a premium-rate number (toll-fraud guard)`,
      `${INVALID}: 4 problems`,
      '',
    ]);
    expect(r.stdout).toBe(`${SAMPLE}: ok, 3 numbers in 2 time zones (1 voicemail, 1 forward, 1 hangup)\n`);
  });

  it('validate without a file: exit 2, a usage message', () => {
    expect(real.validateUsage).toEqual({ code: 2, stdout: '', stderr: "error: missing required argument 'files'\n" });
  });

  it('check --json: exit 0 and one JSON object', () => {
    const r = real.checkJson!;
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    expect(JSON.parse(r.stdout)).toEqual({
      did: '+48221234567',
      name: 'Warsaw office',
      timezone: 'Europe/Warsaw',
      at: '2026-11-13T23:00:00+01:00',
      localTime: '2026-11-13T23:00:00+01:00',
      open: true,
      reason: 'working-hours',
      action: 'continue',
      nextChange: '2026-11-14T06:00:00+01:00',
    });
  });

  it('check with an unknown DID: a clear message and a non-zero exit', () => {
    expect(real.checkUnknown).toEqual({ code: 3, stdout: '', stderr: `after-hours: +48221234599 is not configured in ${SAMPLE}\n` });
  });

  it('check with a malformed --at: exit 2', () => {
    const r = real.checkBadAt!;
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: option '--at <iso>' argument 'tomorrow' is invalid/);
    expect(r.stderr).not.toMatch(STACK);
  });

  it('--help and check --help: exit 0', () => {
    expect(real.help).toMatchObject({ code: 0, stdout: expect.stringMatching(/^Usage: after-hours /) });
    expect(real.checkHelp).toMatchObject({ code: 0, stdout: expect.stringMatching(/^Usage: after-hours check /) });
  });
});

describe('after-hours validate (in-process)', () => {
  it('exit 0 and a one-line summary per file', async () => {
    const r = await cli(['validate', SAMPLE, VALID]);
    expect(r).toEqual({
      code: 0,
      stdout: `${SAMPLE}: ok, 3 numbers in 2 time zones (1 voicemail, 1 forward, 1 hangup)\n${VALID}: ok, 4 numbers in 3 time zones (2 voicemail, 1 forward, 1 hangup)\n`,
      stderr: '',
    });
  });

  it('exit 1 without a stack trace for a missing file, a folder, a YAML syntax error and an empty file', async () => {
    writeFileSync(join(tmp, 'syntax.yaml'), 'numbers:\n  - did: "+48 22 123 45 67\n');
    writeFileSync(join(tmp, 'empty.yaml'), '');
    const r = await cli(['validate', 'no/such.yaml', 'config', join(tmp, 'syntax.yaml'), join(tmp, 'empty.yaml')]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).not.toMatch(STACK);
    expect(r.stderr).toContain('no/such.yaml:1:1: configuration file no/such.yaml does not exist\n');
    expect(r.stderr).toContain('config:1:1: configuration file config is a directory, not a regular file\n');
    expect(r.stderr).toContain(`${join(tmp, 'syntax.yaml')}:3:1: YAML syntax: Missing closing "quote\n`);
    expect(r.stderr).toContain(`${join(tmp, 'empty.yaml')}:1:1: the file is empty: it needs at least "numbers:"\n`);
  });

  it.each([
    ['no file', ['validate']],
    ['an unknown option', ['validate', '--bogus', SAMPLE]],
    ['an unknown verb', ['bogus']],
  ])('exit 2 on a usage error: %s', async (_name, args) => {
    const r = await cli(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: /);
    expect(r.stderr).not.toMatch(STACK);
  });
});

describe('after-hours check (in-process)', () => {
  it.each([
    [
      'voicemail on a holiday',
      '+48 22 123 45 67',
      '2026-11-11T10:00:00+01:00',
      { open: false, reason: 'holiday', action: 'voicemail', nextChange: '2026-11-12T08:00:00+01:00' },
    ],
    [
      'forward outside hours (summer time in Berlin)',
      '+49 30 901820',
      '2026-07-01T19:00:00+02:00',
      {
        open: false,
        reason: 'outside-hours',
        action: 'forward',
        nextChange: '2026-07-02T08:30:00+02:00',
        localTime: '2026-07-01T19:00:00+02:00',
      },
    ],
    [
      'hangup on a day off',
      '800 123 456',
      '2026-11-15T12:00:00+01:00',
      { open: false, reason: 'day-off', action: 'hangup', nextChange: '2026-11-16T07:00:00+01:00' },
    ],
  ])('--json: %s', async (_name, did, at, expected) => {
    const r = await cli(['check', '--config', SAMPLE, '--did', did, '--at', at, '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject(expected);
  });

  it('--json: nextChange null when nothing changes within 366 days', async () => {
    const r = await cli(['check', '--config', VALID, '--did', '+48 58 555 12 34', '--at', '2026-06-01T12:00:00Z', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      did: '+48585551234',
      name: 'Always closed',
      open: false,
      reason: 'day-off',
      action: 'voicemail',
      nextChange: null,
    });
  });

  it('without --json: one readable line', async () => {
    const r = await cli(['check', '--config', SAMPLE, '--did', '+48221234567', '--at', '2026-11-13T22:00:00Z']);
    expect(r).toEqual({
      code: 0,
      stdout:
        '+48221234567 (Warsaw office) at Fri 2026-11-13 23:00 Europe/Warsaw: OPEN (working-hours), call → continue; closes Sat 2026-11-14 06:00 +01:00\n',
      stderr: '',
    });
  });

  it('a DID that is no phone number: a clear message and a non-zero exit', async () => {
    const r = await cli(['check', '--config', SAMPLE, '--did', 'reception']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toBe('after-hours: "reception" is not a phone number\n');
  });

  it('an invalid config: its problems as FILE:LINE:COL and exit 1', async () => {
    const r = await cli(['check', '--config', INVALID, '--did', '+48221234567']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${INVALID}:7:15: unknown time zone "Europe/Warsw"`);
    expect(r.stderr).not.toMatch(STACK);
  });

  it.each([
    ['a malformed --at', ['check', '--config', SAMPLE, '--did', '+48221234567', '--at', 'tomorrow']],
    ['no --config', ['check', '--did', '+48221234567']],
    ['no --did', ['check', '--config', SAMPLE]],
  ])('exit 2 on a usage error: %s', async (_name, args) => {
    const r = await cli(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error: /);
    expect(r.stderr).not.toMatch(STACK);
  });
});

describe('--help', () => {
  it('for the program and every verb it lists', async () => {
    const top = await inProcess(['--help']);
    expect(top.code).toBe(0);
    expect(top.stdout).toMatch(/^Usage: after-hours /);
    const verbs = [...top.stdout.split('Commands:')[1]!.matchAll(/^ {2}([a-z][a-z-]*)/gm)].map((m) => m[1]!).filter((v) => v !== 'help');
    expect(verbs).toEqual(expect.arrayContaining(['validate', 'check']));
    for (const verb of verbs) {
      const r = await inProcess([verb, '--help']);
      expect({ verb, code: r.code, usage: r.stdout.startsWith(`Usage: after-hours ${verb}`) }).toEqual({ verb, code: 0, usage: true });
    }
    expect(verbs.sort()).toEqual(Object.keys(VERB_SUMMARIES).sort());
  });

  it("each verb's module registers the verb with the summary the top-level help shows (loaded only when it runs)", async () => {
    const program = new Command('after-hours');
    await registerAllCommands(program);
    expect(program.commands.map((c) => [c.name(), c.description()])).toEqual(Object.entries(VERB_SUMMARIES));
  });
});
