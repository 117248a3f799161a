// The loader's side of caller lists, per-holiday actions and the days-off action: what is
// accepted, what it compiles to, and what is refused where it was written.
import { join, resolve } from 'node:path';
import { loadConfigText, type LoadResult } from '../../../src/config/load';

const SOUNDS = resolve(__dirname, '..', '..', 'fixtures', 'sounds');
const xmas = join(SOUNDS, 'short-announcement.wav');

function load(lines: string[]): LoadResult {
  return loadConfigText('test.yaml', ['defaults: { region: PL, timezone: Europe/Warsaw }', ...lines, ''].join('\n'), {
    now: Date.UTC(2026, 5, 1),
  });
}
function ok(lines: string[]) {
  const r = load(lines);
  if (!r.ok) throw new Error(r.errors.map((e) => `${e.line}:${e.col} ${e.message}`).join('\n'));
  return r.config;
}
function errors(lines: string[]): string[] {
  const r = load(lines);
  if (r.ok) throw new Error('expected the file to be refused');
  return r.errors.map((e) => `${e.line}: ${e.message}`);
}

describe('callers', () => {
  it('stores bypass and block entries as +digits (anonymous kept), block cause defaulting to rejected', () => {
    const c = ok([
      'numbers:',
      '  - did: "+48221234567"',
      '    hours: {}',
      '    callers: { bypass: ["+48 601-100-200", "+4860"], block: ["+48 500", { number: "+4850010", cause: busy }, anonymous] }',
    ]);
    expect(c.numbers[0]!.callers).toEqual({
      bypass: ['+48601100200', '+4860'],
      block: [
        { number: '+48500', cause: 'rejected' },
        { number: '+4850010', cause: 'busy' },
        { number: 'anonymous', cause: 'rejected' },
      ],
    });
  });

  it("numbers inherit the defaults' lists unless they write their own; none at all leaves no key", () => {
    const c = loadConfigText(
      'test.yaml',
      [
        'defaults: { region: PL, timezone: Europe/Warsaw, callers: { bypass: ["+48601100200"] } }',
        'numbers:',
        '  - { did: "+48221234567", hours: {} }',
        '  - { did: "+48221234568", hours: {}, callers: { block: ["+48500"] } }',
        '',
      ].join('\n'),
    );
    if (!c.ok) throw new Error('refused');
    expect(c.config.numbers[0]!.callers).toEqual({ bypass: ['+48601100200'], block: [] });
    expect(c.config.numbers[1]!.callers).toEqual({ bypass: [], block: [{ number: '+48500', cause: 'rejected' }] });
    expect(ok(['numbers:', '  - { did: "+48221234567", hours: {} }']).numbers[0]).not.toHaveProperty('callers');
  });

  it('refuses national numbers, short prefixes, junk and an entry in both lists, at the entry', () => {
    const e = errors([
      'numbers:',
      '  - did: "+48221234567"',
      '    hours: {}',
      '    callers:',
      '      bypass: ["0601100200", "+48", "+48 601 x", "+48601"]',
      '      block: [{ number: "+48 601", cause: busy }]',
    ]);
    expect(e).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^6: callers\.bypass: "0601100200" must be "anonymous" or an international number/),
        expect.stringMatching(/^6: callers\.bypass: "\+48" is too short/),
        expect.stringMatching(/^6: callers\.bypass: "\+48 601 x" must be/),
        expect.stringMatching(/^7: callers\.block: \+48601 is already in callers\.bypass/),
      ]),
    );
    expect(
      errors(['numbers:', '  - { did: "+48221234567", hours: {}, callers: { block: [{ number: "+48500", cause: nope }] } }']).join('\n'),
    ).toMatch(/^3: .*cause must be one of: busy/);
  });
});

describe('per-holiday actions and the days-off action', () => {
  it("a holiday map carries a name and its own policy over the number's; the string forms stay as they were", () => {
    const c = ok([
      'numbers:',
      '  - did: "+48221234567"',
      '    hours: { mon-fri: "09:00-17:00" }',
      '    holidays:',
      '      - 2026-12-25',
      `      - { date: 12-24, name: Christmas Eve, afterHours: { action: hangup, hangup: { announcement: "${xmas}" } } }`,
      '      - { date: "2026-12-31", name: New Year\'s Eve }',
      '      - { country: PL }',
      '    afterHours: { action: hangup, hangup: { cause: rejected } }',
      '    daysOffAfterHours: { action: hangup, hangup: { cause: no_answer } }',
    ]);
    const n = c.numbers[0]!;
    expect(n.holidays).toEqual([
      { kind: 'date', date: '2026-12-25' },
      { kind: 'yearly', month: 12, day: 24 },
      { kind: 'date', date: '2026-12-31' },
      { kind: 'country', country: 'PL' },
    ]);
    expect(n.holidayPolicies).toEqual([
      null,
      {
        name: 'Christmas Eve',
        afterHours: expect.objectContaining({ action: 'hangup', hangup: { cause: 'rejected', announcement: xmas } }),
      },
      { name: "New Year's Eve" },
      null,
    ]);
    expect(n.daysOffAfterHours).toMatchObject({ action: 'hangup', hangup: { cause: 'no_answer' } });
    expect(n.afterHours).toMatchObject({ action: 'hangup', hangup: { cause: 'rejected' } });
  });

  it('without names or policies the compiled number is unchanged (no holidayPolicies, no daysOffAfterHours)', () => {
    const n = ok(['numbers:', '  - { did: "+48221234567", hours: {}, holidays: ["12-24", { country: PL }] }']).numbers[0]!;
    expect(n).not.toHaveProperty('holidayPolicies');
    expect(n).not.toHaveProperty('daysOffAfterHours');
  });

  it('numbers written alike with different afterHours do not share a holiday policy read over another base', () => {
    const line = (did: string, cause: string) =>
      `  - { did: "${did}", hours: {}, holidays: [{ date: 12-24, afterHours: { action: hangup } }], afterHours: { action: hangup, hangup: { cause: ${cause} } } }`;
    const c = ok(['numbers:', line('+48221234567', 'busy'), line('+48221234568', 'congestion')]);
    expect(c.numbers[0]!.holidayPolicies![0]!.afterHours!.hangup.cause).toBe('busy');
    expect(c.numbers[1]!.holidayPolicies![0]!.afterHours!.hangup.cause).toBe('congestion');
  });

  it('refuses a bad date, a date with a country, and a holiday action without its settings, where written', () => {
    const e = errors([
      'numbers:',
      '  - did: "+48221234567"',
      '    hours: {}',
      '    holidays:',
      '      - { date: 12-32, name: Nope }',
      '      - { date: 12-24, country: PL }',
      '      - { date: 12-26, afterHours: { action: forward } }',
      '    daysOffAfterHours: { action: dialplan }',
    ]);
    expect(e).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^6: holiday "12-32" is not a real month-day/),
        expect.stringMatching(/^7: a holiday entry has one of "date", "country" or "ics"/),
        expect.stringMatching(/^8: action "forward" needs afterHours\.forward\.to/),
        expect.stringMatching(/^9: action "dialplan" needs afterHours\.dialplan/),
      ]),
    );
  });

  it("a holiday forward is checked against the called number's country (toll-fraud guard)", () => {
    const e = errors([
      'numbers:',
      '  - did: "+48221234567"',
      '    hours: {}',
      '    holidays: [{ date: 12-24, afterHours: { action: forward, forward: { to: "+49 30 901820" } } }]',
    ]);
    expect(e.join('\n')).toMatch(/^5: forward target .*\+49 30 901820.*outside the called number's country/m);
  });
});
