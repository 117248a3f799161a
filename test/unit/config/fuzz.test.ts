import { join } from 'node:path';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { loadConfigText } from '../../../src/config/load';

// Property: whatever the text, the loader answers, in bounded time, with positioned, short
// errors. (a) YAML-shaped values whose keys come from the real schema, so they reach the
// deep checks (hours syntax, holidays, forward targets); (b) arbitrary strings, bytes and
// YAML-token soup.
//
// No input's time is asserted (speed is `npm run bench:hostile`'s): run-away expansion (alias
// bombs, day-by-day ranges) costs minutes, and the test's own timeout fails it. The slowest
// input of a run is printed for whoever reads the log.
const MAX_MESSAGE = 500;
const FILE = join(__dirname, '..', '..', 'fixtures', 'config', 'fuzz.yaml');
const NOW = Date.UTC(2026, 5, 1);

const KEYS = [
  'numbers',
  'defaults',
  'forwarding',
  'did',
  'name',
  'timezone',
  'region',
  'hours',
  'daysOff',
  'holidays',
  'afterHours',
  'crm',
  'action',
  'voicemail',
  'forward',
  'hangup',
  'to',
  'timeoutSeconds',
  'fallback',
  'greeting',
  'maxSeconds',
  'maxSilenceSeconds',
  'cause',
  'announcement',
  'country',
  'state',
  'ics',
  'endpoint',
  'allowCountries',
  'lookup',
  'unknownCaller',
  'queue',
  'notify',
  'language',
  'mon',
  'tue',
  'mon-fri',
  'sat,sun',
  'fri-mon',
  'x',
];
const WORDS = [
  '09:00-17:00',
  '22:00-06:00',
  '00:00-24:00',
  '25:00-26:00',
  '09:00-09:00',
  'mon',
  'sun',
  'mon-fri',
  'Europe/Warsaw',
  'America/New_York',
  'Mars/Olympus',
  'UTC',
  '+48 22 123 45 67',
  '+48221234567',
  '+1 268 555 0100',
  '+882 1234',
  '+48 601 234 567',
  '12-25',
  '02-29',
  '02-30',
  '2026-12-24',
  '2026-12-24..2027-01-06',
  '0001-01-01..9999-12-31',
  '2027-01-06..2026-12-24',
  'PL',
  'DE',
  'US',
  'ZZ',
  'voicemail',
  'forward',
  'hangup',
  'continue',
  'busy',
  'lead',
  'first',
  'holidays.ics',
  'nope.ics',
  'sounds/closed.wav',
  'PJSIP/{number}@trunk',
  '',
];

const scalar = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...WORDS) },
  { weight: 2, arbitrary: fc.string({ maxLength: 20 }) },
  { weight: 1, arbitrary: fc.integer({ min: -1e6, max: 1e12 }) },
  { weight: 1, arbitrary: fc.double() },
  { weight: 1, arbitrary: fc.boolean() },
  { weight: 1, arbitrary: fc.constant(null) },
);

const { value: yamlValue } = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalar,
    fc.array(tie('value'), { maxLength: 5 }),
    fc.dictionary(fc.constantFrom(...KEYS), tie('value'), { maxKeys: 6 }),
  ),
}));

/** A top level that mostly looks like a config, so the deep checks run. */
const configLike = fc.record(
  {
    defaults: fc.dictionary(fc.constantFrom(...KEYS), yamlValue, { maxKeys: 6 }),
    forwarding: yamlValue,
    numbers: fc.array(fc.dictionary(fc.constantFrom(...KEYS), yamlValue, { maxKeys: 8 }), { maxLength: 4 }),
  },
  { requiredKeys: ['numbers'] },
);

const tokens = fc
  .array(
    fc.constantFrom(
      'numbers:',
      'hours:',
      'did:',
      ' ',
      '  ',
      '\n',
      '- ',
      ':',
      '[',
      ']',
      '{',
      '}',
      ',',
      '&a ',
      '*a',
      '&b ',
      '*b',
      '"',
      "'",
      '#',
      '|',
      '>',
      '? ',
      '!!str ',
      '<<: ',
      '---\n',
      '...\n',
      '\t',
      '%YAML 1.2\n',
      '09:00-17:00',
      '+48221234567',
    ),
    { maxLength: 60 },
  )
  .map((t) => t.join(''));

const bytes = fc.uint8Array({ maxLength: 300 }).map((b) => new TextDecoder().decode(b));

let slowest = 0;

function check(text: string): void {
  const t0 = performance.now();
  const r = loadConfigText(FILE, text, { now: NOW });
  const ms = performance.now() - t0;
  slowest = Math.max(slowest, ms);
  if (r.ok) return;
  expect(r.errors.length).toBeGreaterThan(0);
  for (const e of r.errors) {
    expect(e.file).toBe(FILE);
    expect(Number.isInteger(e.line) && e.line >= 1).toBe(true);
    expect(Number.isInteger(e.col) && e.col >= 1).toBe(true);
    expect(e.message.length).toBeGreaterThan(0);
    expect(e.message.length).toBeLessThanOrEqual(MAX_MESSAGE);
  }
}

describe('loadConfigText on arbitrary input', () => {
  afterAll(() => {
    process.stdout.write(`fuzz: slowest input ${slowest.toFixed(0)} ms\n`);
  });

  it("YAML-shaped values with the schema's keys (a config-like top level)", () => {
    fc.assert(
      fc.property(configLike, (v) => check(stringify(v))),
      { numRuns: 400 },
    );
  });

  it('any YAML-shaped value, in any YAML style', () => {
    fc.assert(
      fc.property(yamlValue, fc.constantFrom('PLAIN', 'QUOTE_DOUBLE', 'BLOCK_LITERAL'), fc.boolean(), (v, defaultStringType, flow) =>
        check(stringify(v, { defaultStringType: defaultStringType as 'PLAIN', collectionStyle: flow ? 'flow' : 'any' })),
      ),
      { numRuns: 300 },
    );
  });

  it('arbitrary strings, bytes and YAML-token soup', () => {
    fc.assert(fc.property(fc.oneof(fc.string({ maxLength: 300, unit: 'binary' }), bytes, tokens), check), { numRuns: 600 });
  });

  it('the examples that found bugs', () => {
    for (const text of ['numbers: &a [*a]\n', 'numbers: [' + '['.repeat(5000), '\0', 'numbers:\n  - did: 1\n    name: &n [*n]\n'])
      check(text);
  });
});
