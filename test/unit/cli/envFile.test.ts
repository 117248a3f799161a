// --env-file's parts: which files argv names, the file's syntax (systemd's EnvironmentFile= as
// after-hours.env.example uses it), and that a variable already set wins.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { envFilesIn, loadEnvFiles, parseEnvFile } from '../../../src/cli/envFile';
import { SettingsError } from '../../../src/cli/exitCodes';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ah-envfile-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('envFilesIn', () => {
  it('finds --env-file FILE and --env-file=FILE anywhere before --, in order', () => {
    expect(envFilesIn(['--env-file', 'a.env', 'override', 'set', '--env-file=b.env', '--', '--env-file', 'c.env'])).toEqual([
      'a.env',
      'b.env',
    ]);
    expect(envFilesIn(['validate', 'x.yaml'])).toEqual([]);
  });
});

describe('parseEnvFile', () => {
  it('reads VAR=value lines, skips comments and blank lines, unquotes', () => {
    const text =
      '\uFEFF# a comment\n; another\n\nREDIS_URL=redis://10.0.0.5:6379\r\n  ARI_USER = after-hours  \nARI_PASSWORD="sp ace \\"q\\""\nNOTE=\'#not a comment\'\nEMPTY=\n';
    expect(parseEnvFile(text, 'f.env')).toEqual([
      ['REDIS_URL', 'redis://10.0.0.5:6379'],
      ['ARI_USER', 'after-hours'],
      ['ARI_PASSWORD', 'sp ace "q"'],
      ['NOTE', '#not a comment'],
      ['EMPTY', ''],
    ]);
  });

  it('refuses a line that is not VAR=value, naming FILE:LINE', () => {
    expect(() => parseEnvFile('A=1\nexport B=2\n', 'x.env')).toThrow(
      new SettingsError('--env-file x.env:2: not VAR=value (a name of letters, digits and _, then =)'),
    );
    expect(() => parseEnvFile('just words\n', 'x.env')).toThrow(/x\.env:1: not VAR=value/);
  });
});

describe('loadEnvFiles', () => {
  it('sets what is not set yet; a variable already in the environment wins; a later file wins over an earlier', () => {
    const a = join(dir, 'a.env');
    const b = join(dir, 'b.env');
    writeFileSync(a, 'REDIS_URL=redis://from-a\nREDIS_PREFIX=a:\nLOG_LEVEL=debug\n');
    writeFileSync(b, 'REDIS_PREFIX=b:\n');
    const env: NodeJS.ProcessEnv = { LOG_LEVEL: 'warn' };
    loadEnvFiles(['--env-file', a, 'override', 'list', `--env-file=${b}`], env);
    expect(env).toEqual({ LOG_LEVEL: 'warn', REDIS_URL: 'redis://from-a', REDIS_PREFIX: 'b:' });
  });

  it('refuses a missing, unreadable or empty-named file with a SettingsError naming it', () => {
    expect(() => loadEnvFiles(['--env-file', join(dir, 'missing.env')], {})).toThrow(
      new SettingsError(`--env-file ${join(dir, 'missing.env')} does not exist`),
    );
    expect(() => loadEnvFiles(['--env-file', dir], {})).toThrow(SettingsError);
    expect(() => loadEnvFiles(['--env-file='], {})).toThrow(new SettingsError('--env-file needs a file name'));
    if (process.getuid?.() !== 0) {
      const locked = join(dir, 'locked.env');
      writeFileSync(locked, 'A=1\n');
      chmodSync(locked, 0o000);
      expect(() => loadEnvFiles(['--env-file', locked], {})).toThrow(/permission denied/);
    }
  });
});
