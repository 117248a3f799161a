// One explanation of a decision, the one GET /decision and `check --json` both print.
import { join, resolve } from 'node:path';
import { loadConfig } from '../../../src/config/load';
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
