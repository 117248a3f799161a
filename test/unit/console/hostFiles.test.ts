// A push through the console's API reads no file of the host but those under the console's
// folder (CONSOLE_CONFIG_DIR): a path outside it is refused with one message whether it exists,
// is a folder or cannot be read, and a kept version never shows such a file. iCalendar text
// sent with the push and files inside the folder are read; the CLI's loader still reads anywhere.
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfigText } from '../../../src/config/load';
import { listVersions } from '../../../src/store/configVersions';
import { startRedisServer } from '../../support/redisServer';
import { useConsoleHarness, type Harness } from './harness';

jest.setTimeout(30_000);

const root = mkdtempSync(join(tmpdir(), 'ah-hostfiles-'));
const folder = join(root, 'console');
mkdirSync(folder);
const ICS = readFileSync(join(__dirname, '../../fixtures/ics/timed.ics'), 'utf8');
// A host file the console's user can read, with a calendar in it and a secret beside it.
const secret = join(root, 'secret.ics');
writeFileSync(secret, `${ICS}\nSECRET-LINE: aht_do_not_show\n`, { mode: 0o600 });
const unreadable = join(root, 'unreadable.ics');
writeFileSync(unreadable, ICS);
chmodSync(unreadable, 0o000);
writeFileSync(join(folder, 'holidays.ics'), ICS);
writeFileSync(join(root, 'greeting.wav'), Buffer.concat([Buffer.from('RIFF\0\0\0\0WAVEfmt '), Buffer.alloc(64)]));
symlinkSync(secret, join(folder, 'link.ics'));
symlinkSync(join(root, 'nothing-here.ics'), join(folder, 'dangling.ics'));

const yamlWith = (holiday: string, extra = '') => `
defaults:
  region: PL
  timezone: Europe/Warsaw
numbers:
  - did: "+48 22 123 45 67"
    name: Hotline
    hours: "09:00-17:00"
    holidays:
      - ics: ${JSON.stringify(holiday)}
${extra}`;

const REFUSAL =
  "a push through the console reads files only from its own folder (CONSOLE_CONFIG_DIR); use sound:NAME for a sound, send an iCalendar file's text with the push, or push with the CLI";

const harness = useConsoleHarness(startRedisServer, { configDir: folder });
let h: Harness;
beforeEach(() => {
  h = harness();
});

describe('a push through the API and the host files', () => {
  const outside: Array<[string, string]> = [
    ['a readable file with a calendar', secret],
    ['a file it cannot read', unreadable],
    ['a path that does not exist', join(root, 'missing.ics')],
    ['a folder', root],
    ['a relative path that climbs out', '../secret.ics'],
    ['a link inside the folder that leads out', 'link.ics'],
    ['a dangling link inside the folder', 'dangling.ics'],
    ['/etc/shadow', '/etc/shadow'],
  ];

  it.each(outside)('refuses %s with the same message, and keeps nothing', async (_what, path) => {
    const admin = await h.token('root', 'admin');
    const res = await h.call({ method: 'POST', url: '/api/config', token: admin, payload: { yaml: yamlWith(path) } });
    expect(res.statusCode).toBe(400);
    const problems: string[] = res.json().problems;
    expect(problems).toHaveLength(1);
    // The same words for each: only the path as it was written, nothing about what is there.
    expect(problems[0]).toBe(`console.yaml:10:9: ${path}: ${REFUSAL}`);
    expect(await listVersions(h.redis, h.prefix)).toEqual([]);
  });

  it('refuses an audio path outside the folder the same way', async () => {
    const admin = await h.token('root', 'admin');
    const extra = `    afterHours:\n      action: voicemail\n      voicemail:\n        greeting: ${join(root, 'greeting.wav')}\n`;
    const res = await h.call({ method: 'POST', url: '/api/config', token: admin, payload: { yaml: yamlWith('holidays.ics', extra) } });
    expect(res.statusCode).toBe(400);
    expect(res.json().problems.join('\n')).toMatch(/greeting\.wav: a push through the console reads files only from its own folder/);
  });

  it('reads a calendar inside the folder, and one sent with the push; the kept version shows only those', async () => {
    const admin = await h.token('root', 'admin');
    const inFolder = await h.call({ method: 'POST', url: '/api/config', token: admin, payload: { yaml: yamlWith('holidays.ics') } });
    expect(inFolder.statusCode).toBe(200);
    const sent = await h.call({
      method: 'POST',
      url: '/api/config',
      token: admin,
      payload: { yaml: yamlWith('/elsewhere/holidays.ics'), ics: { '/elsewhere/holidays.ics': ICS } },
    });
    expect(sent.statusCode).toBe(200);
    const v2 = (await h.call({ method: 'GET', url: `/api/config/versions/${sent.json().version}`, token: admin })).json();
    expect(v2.ics).toEqual([{ path: '/elsewhere/holidays.ics', text: ICS }]);
    for (const n of [1, 2]) {
      const v = await h.call({ method: 'GET', url: `/api/config/versions/${n}`, token: admin });
      expect(v.body).not.toContain('aht_do_not_show');
    }
  });

  it("the CLI's loader (no scope) still reads the operator's own file anywhere", () => {
    const loaded = loadConfigText(join(root, 'after-hours.yaml'), yamlWith('secret.ics'));
    expect(loaded.ok).toBe(true);
  });
});
