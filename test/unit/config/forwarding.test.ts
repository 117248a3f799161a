import { join } from 'node:path';
import { formatConfigError } from '../../../src/config/errors';
import { loadConfig, loadConfigText } from '../../../src/config/load';

// The loader applies the toll-fraud guard per number (the target against the called
// number's country) and refuses junk around DIDs and forward targets, at the position
// where it was written.

const DIR = join(__dirname, '..', '..', 'fixtures', 'config');
const FILE = join(DIR, 'test.yaml');
const NOW = Date.UTC(2026, 5, 1);

function problems(text: string): string[] {
  const r = loadConfigText(FILE, text, { now: NOW });
  if (r.ok) return [];
  return r.errors.map((e) => formatConfigError(e).replace(FILE, 'test.yaml'));
}

const HEAD = `defaults:
  region: PL
  timezone: Europe/Warsaw
  hours: "09:00-17:00"
`;
/** One number (its did on line 6 after HEAD, its target on line 9) forwarding to `to`. */
const forwardFrom = (did: string, to: string) =>
  `numbers:\n  - did: "${did}"\n    afterHours:\n      action: forward\n      forward: { to: "${to}" }\n`;

describe('forward targets: safe by default', () => {
  test.each([
    ['+882 16 1234 5678', 'an international network (+882)'],
    ['+870 773 123 456', 'Inmarsat satellite (+870)'],
    ['+44 70 1234 5678', 'personal-numbering'],
    ['+49 30 901820', "is in DE, outside the called number's country (PL)"],
    ['+1 876 927 1234', 'Caribbean NANP number'],
  ])('%s from a Polish number is refused at the target, saying how to allow it', (to, reason) => {
    const found = problems(HEAD + forwardFrom('+48 22 123 45 67', to));
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/^test\.yaml:9:22: forward target /);
    expect(found[0]).toContain(reason);
    expect(found[0]).toMatch(/forwarding\.allow(Numbers|Countries)/);
  });

  test('the same target is fine from a number in its country', () => {
    expect(problems(HEAD + forwardFrom('+49 30 901820', '+49 30 901821'))).toEqual([]);
    expect(problems(HEAD + forwardFrom('+48 22 123 45 67', '+48 601 234 567'))).toEqual([]);
  });

  test('allowCountries adds countries to the number’s own; it cannot open a high-risk range', () => {
    const allow = 'forwarding:\n  allowCountries: [DE, GB]\n';
    expect(problems(allow + HEAD + forwardFrom('+48 22 123 45 67', '+49 30 901820'))).toEqual([]);
    expect(problems(allow + HEAD + forwardFrom('+48 22 123 45 67', '+48 601 234 567'))).toEqual([]);
    expect(problems(allow + HEAD + forwardFrom('+48 22 123 45 67', '+44 70 1234 5678'))).toHaveLength(1);
  });

  test('allowNumbers opens exactly what it names, and the loaded config keeps it in E.164', () => {
    const allow = 'forwarding:\n  allowNumbers: ["+882 16", "+49 30 901820"]\n';
    const text =
      allow +
      HEAD +
      forwardFrom('+48 22 123 45 67', '+882 16 1234 5678') +
      '  - did: "+48 22 123 45 68"\n    afterHours: { action: forward, forward: { to: "+49 30 901820" } }\n';
    const r = loadConfigText(FILE, text, { now: NOW });
    expect(r.ok && r.config.forwarding).toEqual({
      endpoint: 'PJSIP/{number}@trunk',
      allowCountries: [],
      allowNumbers: ['+88216', '+4930901820'],
    });
    expect(problems(allow + HEAD + forwardFrom('+48 22 123 45 67', '+883 5100 1234 5678'))).toHaveLength(1);
    expect(problems(allow + HEAD + forwardFrom('+48 22 123 45 67', '+49 30 901821'))).toHaveLength(1);
  });

  test('a bad allowNumbers entry is refused at the entry', () => {
    expect(problems('forwarding:\n  allowNumbers: ["+44", "882 16"]\n' + HEAD + 'numbers:\n  - did: "+48 22 123 45 67"\n')).toEqual([
      'test.yaml:2:18: forwarding.allowNumbers: "+44" is too short: give at least 4 digits (such as "+882 16"); to allow a whole country, use forwarding.allowCountries',
      'test.yaml:2:25: forwarding.allowNumbers: "882 16" must be an international number or prefix: "+", then digits (spaces, dots, hyphens and parentheses allowed)',
    ]);
  });

  test('a forward inherited from defaults is checked against each number’s country, at that number', () => {
    const text =
      HEAD +
      '  afterHours: { action: forward, forward: { to: "+48 601 234 567" } }\nnumbers:\n  - did: "+48 22 123 45 67"\n  - did: "+49 30 901820"\n';
    const found = problems(text);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(
      /^test\.yaml:8:10: the forward from defaults: forward target "\+48601234567" is in PL, outside the called number's country \(DE\)/,
    );
  });

  test('a number that does not forward is not refused for an inherited target it never uses', () => {
    const text = HEAD + '  afterHours: { action: voicemail, forward: { to: "+48 601 234 567" } }\nnumbers:\n  - did: "+49 30 901820"\n';
    expect(problems(text)).toEqual([]);
  });
});

describe('junk around numbers is refused where it was written', () => {
  test.each([
    ['"+48 22 123 45 67 ext. 99"', 'extensions are not supported'],
    ['"+48 22 123 45 67;foo"', 'contains characters that are not part of a phone number'],
    ['"+48 22 123 45 67\\n"', 'contains a control character (U+000A)'],
    ['"+48 22 123 45 67\\0"', 'contains a control character (U+0000)'],
    ['"+48 22 123 45 67abc"', 'contains characters that are not part of a phone number'],
  ])('did: %s', (did, reason) => {
    const found = problems(HEAD + `numbers:\n  - did: ${did}\n`);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/^test\.yaml:6:10: did: /);
    expect(found[0]).toContain(reason);
  });

  test.each([
    ['+48 601 234 567 ext. 99', 'extensions are not supported'],
    ['+48 601 234 567;foo', 'contains characters that are not part of a phone number'],
  ])('forward target %j', (to, reason) => {
    const found = problems(HEAD + forwardFrom('+48 22 123 45 67', to));
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/^test\.yaml:9:22: forward target /);
    expect(found[0]).toContain(reason);
  });
});

test('the sample configuration and the valid fixture stay valid', () => {
  for (const file of [join(__dirname, '..', '..', '..', 'config', 'after-hours.yaml'), join(DIR, 'valid.yaml')]) {
    const r = loadConfig(file, { now: NOW });
    expect(r.ok ? [] : r.errors.map(formatConfigError)).toEqual([]);
  }
});
