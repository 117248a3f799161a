// One explanation of a decision, the one GET /decision and `check --json` both print.
import { join, resolve } from 'node:path';
import { loadConfig, loadConfigText } from '../../../src/config/load';
import { explainDecision } from '../../../src/policy/decisionReport';
import { NumberDirectory } from '../../../src/schedule/directory';

const SAMPLE = resolve(__dirname, '..', '..', '..', 'config', 'after-hours.yaml');

function entryOf(did: string, now: number) {
  const loaded = loadConfig(join(SAMPLE), { now });
  if (!loaded.ok) throw new Error(loaded.errors.map((e) => e.message).join('\n'));
  return new NumberDirectory(loaded.config, loaded.zones).get(did)!;
}

describe('explainDecision', () => {
  const t = Date.parse('2026-11-13T22:00:00Z'); // Friday 23:00 in Warsaw

  it("says who, when (with the number's offset), what and until when", () => {
    expect(explainDecision(entryOf('+48221234567', t), undefined, t)).toEqual({
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

  it('an override decides, and the action is the one a call would get', () => {
    const r = explainDecision(entryOf('+48221234567', t), { state: 'closed' }, t);
    expect(r).toMatchObject({ open: false, reason: 'override', nextChange: null });
    expect(r.action).not.toBe('continue');
  });

  it('nextChange carries the offset of the instant it names, across a DST change', () => {
    // Late October: the next change is after the switch to winter time.
    const before = Date.parse('2026-10-24T20:00:00Z');
    const r = explainDecision(entryOf('+48221234567', before), undefined, before);
    expect(r.at).toMatch(/\+02:00$/);
    expect(r.nextChange).toMatch(/\+01:00$/);
  });
});

describe('explainDecision: which policy, for which caller', () => {
  const did = '+48221234567';
  const yaml = [
    'defaults: { region: PL, timezone: Europe/Warsaw }',
    'numbers:',
    `  - did: "${did}"`,
    '    hours: { mon-fri: "09:00-17:00" }',
    '    holidays:',
    '      - { date: 12-24, afterHours: { action: hangup } }',
    '      - { date: 12-31 }',
    '    afterHours: { action: voicemail }',
    '    daysOffAfterHours: { action: hangup, hangup: { cause: no_answer } }',
    '    callers: { bypass: ["+48 601"], block: ["+48 500"] }',
    '  - { did: "+48221234568", hours: { mon-fri: "09:00-17:00" }, holidays: [{ country: DE, state: BY }], afterHours: { action: voicemail } }',
    '',
  ].join('\n');
  const christmasEve = Date.parse('2026-12-24T11:00:00Z'); // Thursday, 12:00 in Warsaw
  const entry = (() => {
    const loaded = loadConfigText('after-hours.yaml', yaml, { now: christmasEve });
    if (!loaded.ok) throw new Error(loaded.errors.map((e) => e.message).join('\n'));
    return new NumberDirectory(loaded.config, loaded.zones).get(did)!;
  })();

  it("a holiday's own action says so; a holiday without one gets the days-off action", () => {
    expect(explainDecision(entry, undefined, christmasEve)).toMatchObject({ reason: 'holiday', action: 'hangup', policy: 'holiday' });
    const newYearsEve = Date.parse('2026-12-31T11:00:00Z');
    expect(explainDecision(entry, undefined, newYearsEve)).toMatchObject({ reason: 'holiday', action: 'hangup', policy: 'days-off' });
  });

  it('a holiday without a name is described as written', () => {
    const loaded = loadConfigText('after-hours.yaml', yaml, { now: christmasEve });
    if (!loaded.ok) throw new Error('refused');
    const bavaria = new NumberDirectory(loaded.config, loaded.zones).get('+48221234568')!;
    const epiphany = Date.parse('2026-01-06T11:00:00Z');
    expect(explainDecision(bavaria, undefined, epiphany).holiday).toEqual({ rule: 0, name: 'public holiday (DE/BY)' });
  });

  it('a blocked or a bypass caller on that holiday: no policy is named, the caller rule is', () => {
    const blocked = explainDecision(entry, undefined, christmasEve, '+48500100200');
    expect(blocked.policy).toBeUndefined();
    expect(blocked.caller).toMatchObject({ rule: 'block' });
    const bypass = explainDecision(entry, undefined, christmasEve, '+48601100200');
    expect(bypass.policy).toBeUndefined();
    expect(bypass).toMatchObject({ action: 'continue', caller: { rule: 'bypass' } });
  });
});
