// afterHours.voicemail.email: the recipients of the voicemail e-mail, written at any level
// (defaults, a number, a holiday, daysOffAfterHours) and inherited like the other settings.
import { join } from 'node:path';
import { formatConfigError } from '../../../src/config/errors';
import { loadConfigText } from '../../../src/config/load';

const DIR = join(__dirname, '..', '..', 'fixtures', 'config');
const FILE = join(DIR, 'test.yaml');

function load(text: string) {
  return loadConfigText(FILE, text, { now: Date.UTC(2026, 5, 1) });
}

const HEAD = `defaults:
  region: PL
  timezone: Europe/Warsaw
  hours: "09:00-17:00"
  afterHours: { action: voicemail, voicemail: { email: [office@example.com] } }
numbers:
`;

describe('afterHours.voicemail.email', () => {
  it('inherited from defaults, replaced by a number, turned off with []; a forward falls back to a voicemail that mails', () => {
    const r = load(
      HEAD +
        '  - did: "+48 22 123 45 67"\n' +
        '  - did: "+48 22 123 45 68"\n    afterHours: { voicemail: { email: [a@example.com, b.c+vm@mail.example.pl] } }\n' +
        '  - did: "+48 22 123 45 69"\n    afterHours: { voicemail: { email: [] } }\n' +
        '  - did: "+48 22 123 45 70"\n    afterHours: { action: forward, forward: { to: "+48 601 234 567" } }\n',
    );
    if (!r.ok) throw new Error(r.errors.map(formatConfigError).join('\n'));
    const [inherited, own, off, forward] = r.config.numbers;
    expect(inherited!.afterHours.voicemail.email).toEqual(['office@example.com']);
    expect(own!.afterHours.voicemail.email).toEqual(['a@example.com', 'b.c+vm@mail.example.pl']);
    expect(off!.afterHours.voicemail.email).toBeUndefined();
    expect(forward!.afterHours.voicemail.email).toEqual(['office@example.com']);
  });

  it('refuses what is not a plain address, and a repeat, at the item', () => {
    const r = load(
      HEAD +
        '  - did: "+48 22 123 45 67"\n    afterHours: { voicemail: { email: [x@example.com, "Jan <j@example.com>", X@Example.com, nobody] } }\n',
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors.map((e) => formatConfigError(e).replace(FILE, 'test.yaml'))).toEqual([
      'test.yaml:8:55: "Jan <j@example.com>" is not an e-mail address (local@domain, without a name or <>)',
      'test.yaml:8:78: "X@Example.com" is listed twice',
      'test.yaml:8:93: "nobody" is not an e-mail address (local@domain, without a name or <>)',
    ]);
  });
});
