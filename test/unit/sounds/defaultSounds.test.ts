// The shipped sounds in two languages: which file a call gets, that every file exists in the
// format Asterisk plays, and how a number's `language` is read from the configuration.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatConfigError } from '../../../src/config/errors';
import { loadConfigText } from '../../../src/config/load';
import { packageRoot } from '../../../src/shared/paths';
import { allDefaultSounds, chooseSound, defaultSoundFile } from '../../../src/sounds/defaultSounds';
import { wavInfo } from '../../support/wav';

const ROOT = packageRoot();
const shipped = (kind: 'greeting' | 'closed', language: 'en' | 'pl') => defaultSoundFile(ROOT, kind, language);

describe('the shipped sounds', () => {
  it("a number's language picks the greeting when it names none (or `default`); its own file wins", () => {
    expect(chooseSound(undefined, 'greeting', 'pl', shipped)).toBe(join(ROOT, 'sounds', 'pl', 'greeting.wav'));
    expect(chooseSound(undefined, 'greeting', 'en', shipped)).toBe(join(ROOT, 'sounds', 'en', 'greeting.wav'));
    expect(chooseSound('default', 'greeting', 'pl', shipped)).toBe(join(ROOT, 'sounds', 'pl', 'greeting.wav'));
    expect(chooseSound('/etc/after-hours/warsaw.wav', 'greeting', 'pl', shipped)).toBe('/etc/after-hours/warsaw.wav');
    expect(chooseSound('sound:christmas', 'greeting', 'pl', shipped)).toBe('sound:christmas');
  });

  it('the closed announcement plays when asked for (`default`), in the language; no announcement plays nothing', () => {
    expect(chooseSound('default', 'closed', 'pl', shipped)).toBe(join(ROOT, 'sounds', 'pl', 'closed.wav'));
    expect(chooseSound('default', 'closed', 'en', shipped)).toBe(join(ROOT, 'sounds', 'en', 'closed.wav'));
    expect(chooseSound(undefined, 'closed', 'pl', shipped)).toBeUndefined();
  });

  it.each(allDefaultSounds(ROOT).map((f) => [f.slice(ROOT.length + 1), f]))(
    '%s is 8 kHz mono 16-bit PCM speech of a few seconds',
    (_, file) => {
      const info = wavInfo(readFileSync(file));
      expect(info).toMatchObject({ channels: 1, rate: 8000, bits: 16 });
      expect(info.seconds).toBeGreaterThan(2);
      expect(info.seconds).toBeLessThan(20);
    },
  );

  it('the two languages are different recordings', () => {
    expect(readFileSync(shipped('greeting', 'pl')).equals(readFileSync(shipped('greeting', 'en')))).toBe(false);
    expect(readFileSync(shipped('closed', 'pl')).equals(readFileSync(shipped('closed', 'en')))).toBe(false);
  });
});

describe("a number's language in the configuration", () => {
  const FILE = join(__dirname, '..', '..', 'fixtures', 'config', 'test.yaml');
  const load = (numbers: string, defaults = '') => {
    const r = loadConfigText(
      FILE,
      `defaults: { region: PL, timezone: Europe/Warsaw, hours: "09:00-17:00"${defaults} }\nnumbers:\n${numbers}`,
      {
        now: Date.UTC(2026, 5, 1),
      },
    );
    if (!r.ok) throw new Error(r.errors.map(formatConfigError).join('\n'));
    return r.config.numbers.map((n) => [n.language, n.crm.language]);
  };

  it("its own, else the defaults', else crm.language as written, else en; crm.language follows it unless written", () => {
    expect(
      load(
        '  - { did: "+48 22 100 00 01" }\n' +
          '  - { did: "+48 22 100 00 02", language: pl }\n' +
          '  - { did: "+48 22 100 00 03", crm: { language: pl } }\n' +
          '  - { did: "+48 22 100 00 04", language: pl, crm: { language: en } }\n',
      ),
    ).toEqual([
      ['en', 'en'],
      ['pl', 'pl'],
      ['pl', 'pl'],
      ['pl', 'en'],
    ]);
    expect(load('  - { did: "+48 22 100 00 01" }\n  - { did: "+48 22 100 00 02", language: en }\n', ', language: pl')).toEqual([
      ['pl', 'pl'],
      ['en', 'en'],
    ]);
    // crm.language written in defaults is every number's notification language, whatever the number speaks.
    expect(load('  - { did: "+48 22 100 00 01", language: en }\n', ', crm: { language: pl }')).toEqual([['en', 'pl']]);
  });

  it('`greeting: default` and `announcement: default` are kept for the call to resolve in its language', () => {
    const r = loadConfigText(
      FILE,
      [
        'defaults: { region: PL, timezone: Europe/Warsaw, hours: "09:00-17:00", afterHours: { voicemail: { greeting: ../../../sounds/warsaw.wav } } }',
        'numbers:',
        '  - { did: "+48 22 100 00 01", language: pl, afterHours: { action: hangup, hangup: { announcement: default }, voicemail: { greeting: default } } }',
        '',
      ].join('\n'),
      { now: Date.UTC(2026, 5, 1) },
    );
    if (!r.ok) throw new Error(r.errors.map(formatConfigError).join('\n'));
    expect(r.config.numbers[0]!.afterHours.hangup.announcement).toBe('default');
    expect(r.config.numbers[0]!.afterHours.voicemail.greeting).toBe('default');
  });

  it('refuses a language it has no sounds for', () => {
    const r = loadConfigText(FILE, 'numbers:\n  - { did: "+48 22 100 00 01", timezone: Europe/Warsaw, hours: {}, language: de }\n', {
      now: Date.UTC(2026, 5, 1),
    });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors.map(formatConfigError).join('\n')).toMatch(/language/);
  });
});
