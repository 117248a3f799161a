// The pure planning of a call: caller lists before the schedule, then the holiday's own
// policy, the days-off policy or the number's; and the explanation that names the holiday.
import { loadConfigText } from '../../../src/config/load';
import type { AfterHoursPolicy } from '../../../src/policy/actions';
import { decideCall, type NumberPolicies } from '../../../src/policy/afterHours';
import { callerFor, matchCaller, parseCallerEntry } from '../../../src/policy/callers';
import { explainDecision } from '../../../src/policy/decisionReport';
import { NumberDirectory } from '../../../src/schedule/directory';

const hangup = (cause: 'busy' | 'rejected' | 'no_answer', announcement?: string): AfterHoursPolicy =>
  ({
    action: 'hangup',
    hangup: { cause, ...(announcement ? { announcement } : {}) },
    voicemail: { maxSeconds: 120, maxSilenceSeconds: 5 },
  }) as unknown as AfterHoursPolicy;

const rules = {
  bypass: ['+48601100200', '+4860'],
  block: [
    { number: '+486011', cause: 'busy' as const },
    { number: 'anonymous', cause: 'rejected' as const },
  ],
};

describe('matchCaller', () => {
  it('the longest matching entry decides, whichever list it is in', () => {
    expect(matchCaller(rules, '+48601100200')).toEqual({ rule: 'bypass', entry: '+48601100200' });
    expect(matchCaller(rules, '+48601100201')).toEqual({ rule: 'block', entry: '+486011', cause: 'busy' });
    expect(matchCaller(rules, '+48602000000')).toEqual({ rule: 'bypass', entry: '+4860' });
    expect(matchCaller(rules, '+48500000000')).toBeUndefined();
    expect(matchCaller(rules, 'anonymous')).toEqual({ rule: 'block', entry: 'anonymous', cause: 'rejected' });
    expect(matchCaller(undefined, '+48601100200')).toBeUndefined();
  });

  it('entries are +digits or anonymous; national numbers and junk are refused', () => {
    expect(parseCallerEntry('+48 (601) 100-200')).toEqual({ ok: true, entry: '+48601100200' });
    expect(parseCallerEntry('Anonymous')).toEqual({ ok: true, entry: 'anonymous' });
    for (const bad of ['0601100200', '+48', '+48 601 x', '+0123', '+1234567890123456', '+48 (0) 601'])
      expect(parseCallerEntry(bad).ok).toBe(false);
  });

  it("callerFor reads caller ids as the call handler does (national in the DID's country)", () => {
    expect(callerFor('601100200', '+48221234567')).toBe('+48601100200');
    expect(callerFor('0048601100200', '+48221234567')).toBe('+48601100200');
    expect(callerFor('Anonymous', '+48221234567')).toBe('anonymous');
    expect(callerFor(undefined, '+48221234567')).toBe('anonymous');
  });
});

describe('decideCall', () => {
  const number: NumberPolicies = {
    afterHours: hangup('busy'),
    daysOffAfterHours: hangup('no_answer'),
    holidayPolicies: [null, { name: 'Christmas Eve', afterHours: hangup('rejected', '/s/xmas.wav') }, { name: 'New Year' }],
    callers: rules,
  };
  const closed = { open: false, reason: 'outside-hours' as const };

  it('a bypass caller continues on a closed number, others get the closed action', () => {
    expect(decideCall({ ...closed, caller: '+48601100200' }, number).plan).toEqual({ kind: 'continue', reason: 'caller-bypass' });
    expect(decideCall({ ...closed, caller: '+48500000000' }, number).plan).toMatchObject({
      kind: 'hangup',
      reason: 'outside-hours',
      hangup: { cause: 'busy' },
    });
    expect(decideCall(closed, number).plan.kind).toBe('hangup'); // caller unknown: no list applies
  });

  it('a blocked caller is rejected with its cause even when open, without an announcement', () => {
    const p = decideCall({ open: true, reason: 'working-hours', caller: '+48601100999' }, number);
    expect(p.plan).toEqual({ kind: 'hangup', reason: 'caller-blocked', hangup: { cause: 'busy' } });
    expect(p.caller).toEqual({ rule: 'block', entry: '+486011', cause: 'busy' });
    expect(decideCall({ open: true, reason: 'working-hours', caller: '+48601100200' }, number).plan).toEqual({
      kind: 'continue',
      reason: 'working-hours',
    });
  });

  it("a holiday with its own policy gets it; without one, the days-off policy; a day off the days-off one; else the number's", () => {
    const xmas = decideCall({ open: false, reason: 'holiday', holidayRule: 1 }, number);
    expect(xmas).toMatchObject({
      source: 'holiday',
      holiday: { rule: 1, name: 'Christmas Eve' },
      plan: { kind: 'hangup', hangup: { cause: 'rejected', announcement: '/s/xmas.wav' } },
    });
    expect(decideCall({ open: false, reason: 'holiday', holidayRule: 2 }, number)).toMatchObject({
      source: 'days-off',
      holiday: { rule: 2, name: 'New Year' },
      plan: { hangup: { cause: 'no_answer' } },
    });
    expect(decideCall({ open: false, reason: 'holiday', holidayRule: 0 }, number)).toMatchObject({
      source: 'days-off',
      holiday: { rule: 0 },
    });
    expect(decideCall({ open: false, reason: 'day-off' }, number)).toMatchObject({
      source: 'days-off',
      plan: { hangup: { cause: 'no_answer' } },
    });
    expect(decideCall({ open: false, reason: 'override', holidayRule: 1 }, number)).toMatchObject({
      source: 'number',
      plan: { hangup: { cause: 'busy' } },
    });
    const { daysOffAfterHours: _d, ...plain } = number;
    expect(decideCall({ open: false, reason: 'day-off' }, plain)).toMatchObject({
      source: 'number',
      plan: { hangup: { cause: 'busy' } },
    });
  });
});

describe('explainDecision with holidays and callers', () => {
  const t = Date.parse('2026-12-24T10:00:00Z'); // Thursday 11:00 in Warsaw, Christmas Eve
  const loaded = loadConfigText(
    'test.yaml',
    [
      'defaults: { region: PL, timezone: Europe/Warsaw }',
      'numbers:',
      '  - did: "+48221234567"',
      '    name: Office',
      '    hours: { mon-fri: "09:00-17:00" }',
      '    holidays: ["12-25", { date: 12-24, name: Christmas Eve, afterHours: { action: hangup, hangup: { cause: rejected } } }, { country: PL }]',
      '    afterHours: { action: voicemail }',
      '    callers: { bypass: ["+48601"], block: ["+48500"] }',
      '',
    ].join('\n'),
    { now: t },
  );
  if (!loaded.ok) throw new Error(loaded.errors.map((e) => e.message).join('\n'));
  const entry = new NumberDirectory(loaded.config, loaded.zones).get('+48221234567')!;

  it('names the holiday and says its own action applies', () => {
    expect(explainDecision(entry, undefined, t)).toMatchObject({
      open: false,
      reason: 'holiday',
      holiday: { rule: 1, name: 'Christmas Eve' },
      policy: 'holiday',
      action: 'hangup',
    });
  });

  it('a holiday without a name is named by its rule; the first matching rule wins', () => {
    const xmas = Date.parse('2026-12-25T10:00:00Z'); // 12-25 and a PL public holiday: the first rule
    expect(explainDecision(entry, undefined, xmas)).toMatchObject({
      reason: 'holiday',
      holiday: { rule: 0, name: '12-25' },
      action: 'voicemail',
    });
    expect(explainDecision(entry, undefined, xmas)).not.toHaveProperty('policy');
    const easterMonday = Date.parse('2027-03-29T10:00:00Z');
    expect(explainDecision(entry, undefined, easterMonday)).toMatchObject({
      reason: 'holiday',
      holiday: { rule: 2, name: 'public holiday (PL)' },
    });
  });

  it('with a caller: the entry that matched, and the action that caller gets', () => {
    expect(explainDecision(entry, undefined, t, '+48601100200')).toMatchObject({
      open: false,
      action: 'continue',
      caller: { number: '+48601100200', rule: 'bypass', entry: '+48601' },
    });
    const open = Date.parse('2026-12-22T10:00:00Z');
    expect(explainDecision(entry, undefined, open, '+48500100200')).toMatchObject({
      open: true,
      action: 'hangup',
      caller: { rule: 'block', entry: '+48500', cause: 'rejected' },
    });
    expect(explainDecision(entry, undefined, open, '+48700100200')).toMatchObject({
      open: true,
      action: 'continue',
      caller: { rule: 'none' },
    });
    expect(explainDecision(entry, undefined, open)).not.toHaveProperty('caller');
  });
});
