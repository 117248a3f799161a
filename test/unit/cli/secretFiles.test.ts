// X_FILE for every secret setting: the file's trimmed content becomes X; both set, an
// unreadable, empty, oversized, non-UTF-8 or non-regular file is refused as a setting (exit 78),
// with the messages of the configuration file's reader (src/config/boundedRead.ts).
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSecretFiles, SECRET_SETTINGS } from '../../../src/cli/secretFiles';
import { SettingsError } from '../../../src/cli/exitCodes';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ah-secrets-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: string | Buffer): string {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
}

describe('loadSecretFiles', () => {
  it('covers the secrets of the daemon and the worker', () => {
    expect([...SECRET_SETTINGS].sort()).toEqual(
      [
        'ARI_PASSWORD',
        'REDIS_URL',
        'REDIS_PASSWORD',
        'REDIS_SENTINEL_PASSWORD',
        'BITRIX24_WEBHOOK_URL',
        'BITRIX24_CLIENT_SECRET',
        'WEBHOOK_SECRET',
        'SMTP_URL',
        'SMTP_PASSWORD',
        'FEATURE_CODE_PIN',
      ].sort(),
    );
  });

  it.each(SECRET_SETTINGS.map((s) => [s]))('%s_FILE: the trimmed content of the file becomes %s', (name) => {
    const vars: NodeJS.ProcessEnv = { [`${name}_FILE`]: file(`${name}.txt`, `  value-of-${name}\n\n`) };
    loadSecretFiles(vars);
    expect(vars[name]).toBe(`value-of-${name}`);
  });

  it('leaves the environment alone without X_FILE, and treats an empty X_FILE as unset (compose passes empty values)', () => {
    const vars: NodeJS.ProcessEnv = { ARI_PASSWORD: 'direct', REDIS_URL_FILE: '', WEBHOOK_SECRET: 'w'.repeat(16) };
    loadSecretFiles(vars);
    expect(vars).toEqual({ ARI_PASSWORD: 'direct', REDIS_URL_FILE: '', WEBHOOK_SECRET: 'w'.repeat(16) });
  });

  it('accepts an empty X beside X_FILE (compose passes unset variables as empty)', () => {
    const vars: NodeJS.ProcessEnv = { ARI_PASSWORD: '', ARI_PASSWORD_FILE: file('pw', 'from-file') };
    loadSecretFiles(vars);
    expect(vars.ARI_PASSWORD).toBe('from-file');
  });

  it.each([
    [
      'both X and X_FILE',
      () => ({ ARI_PASSWORD: 'x', ARI_PASSWORD_FILE: file('both', 'y') }),
      'ARI_PASSWORD and ARI_PASSWORD_FILE are both set; set one',
    ],
    ['a missing file', () => ({ WEBHOOK_SECRET_FILE: join(dir, 'missing') }), /^WEBHOOK_SECRET_FILE .*missing does not exist$/],
    ['an empty file', () => ({ REDIS_URL_FILE: file('empty', ' \n') }), /^REDIS_URL_FILE .*empty is empty$/],
    [
      'a folder',
      () => {
        mkdirSync(join(dir, 'folder'), { recursive: true });
        return { BITRIX24_CLIENT_SECRET_FILE: join(dir, 'folder') };
      },
      /^BITRIX24_CLIENT_SECRET_FILE .*folder is a directory, not a regular file$/,
    ],
    [
      'a file that is not UTF-8 text',
      () => ({ WEBHOOK_SECRET_FILE: file('latin1', Buffer.from([0x73, 0x65, 0x63, 0x72, 0xe9, 0x74])) }),
      /^WEBHOOK_SECRET_FILE .*latin1 is not UTF-8 text \(line 1\): save it as UTF-8$/,
    ],
    [
      'a file over 64 KiB',
      () => ({ BITRIX24_WEBHOOK_URL_FILE: file('big', Buffer.alloc(64 * 1024 + 1, 'a')) }),
      /^BITRIX24_WEBHOOK_URL_FILE .*big is too large \(65537 bytes; the limit is 65536 bytes\)$/,
    ],
  ])('refuses %s as a SettingsError naming the setting', (_what, make, message) => {
    const vars = make() as NodeJS.ProcessEnv;
    let err: unknown;
    try {
      loadSecretFiles(vars);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SettingsError);
    if (typeof message === 'string') expect((err as Error).message).toBe(message);
    else expect((err as Error).message).toMatch(message);
  });
});
