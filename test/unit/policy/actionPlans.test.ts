// planAction's rules, as dispositionFor and decideCall show them: the plan carries the action's
// settings, a fallback action shows in the plan (two levels at most), and a missing setting
// falls back to voicemail, then to normal routing.
import type { AfterHoursPolicy } from '../../../src/policy/actions';
import { dispositionFor, decideCall, settingsOf } from '../../../src/policy/afterHours';
import { explainDecision } from '../../../src/policy/decisionReport';
import { compileSchedule } from '../../../src/schedule/compile';
import type { HolidaySpec } from '../../../src/schedule/types';
import { ZoneOffsetsCache } from '../../../src/schedule/zoneOffsets';

const policy = (p: Record<string, unknown>) => p as unknown as AfterHoursPolicy;
const VOICEMAIL = { maxSeconds: 120, maxSilenceSeconds: 5 };
const HANGUP = { cause: 'busy' };
const FORWARD = (fallback: string) => ({ to: '+48601234567', ringSeconds: 20, fallback });
const closed = { open: false, reason: 'outside-hours' as const };

describe('dispositionFor', () => {
  test('an open number continues with the schedule reason; a closed one gets the action with its settings', () => {
    const p = policy({ action: 'hangup', hangup: HANGUP, voicemail: VOICEMAIL });
    expect(dispositionFor({ open: true, reason: 'working-hours' }, p)).toEqual({ kind: 'continue', reason: 'working-hours' });
    expect(dispositionFor(closed, p)).toEqual({ kind: 'hangup', reason: 'outside-hours', hangup: HANGUP });
  });

  test('a fallback action shows in the plan', () => {
    expect(dispositionFor(closed, policy({ action: 'forward', forward: FORWARD('hangup'), hangup: HANGUP, voicemail: VOICEMAIL }))).toEqual(
      {
        kind: 'forward',
        reason: 'outside-hours',
        forward: FORWARD('hangup'),
        fallback: { kind: 'hangup', reason: 'outside-hours', hangup: HANGUP },
      },
    );
  });

  test('a fallback is not shown when it names the action itself, "action", or an action without settings', () => {
    for (const fallback of ['forward', 'action', 'dialplan']) {
      const plan = dispositionFor(closed, policy({ action: 'forward', forward: FORWARD(fallback), hangup: HANGUP, voicemail: VOICEMAIL }));
      expect(plan).toEqual({ kind: 'forward', reason: 'outside-hours', forward: FORWARD(fallback) });
    }
  });

  test('fallbacks nest two levels deep, no more', () => {
    const p = policy({
      action: 'forward',
      forward: FORWARD('voicemail'),
      voicemail: { ...VOICEMAIL, fallback: 'hangup' },
      hangup: { ...HANGUP, fallback: 'voicemail' },
    });
    const plan = dispositionFor(closed, p);
    expect(plan.kind === 'forward' && plan.fallback).toMatchObject({ kind: 'voicemail', fallback: { kind: 'hangup' } });
    expect(plan.kind === 'forward' && plan.fallback?.kind === 'voicemail' && plan.fallback.fallback).not.toHaveProperty('fallback');
  });

  test('an action without its settings gets voicemail; without voicemail settings either, normal routing', () => {
    expect(dispositionFor(closed, policy({ action: 'forward', voicemail: VOICEMAIL, hangup: HANGUP }))).toEqual({
      kind: 'voicemail',
      reason: 'outside-hours',
      voicemail: VOICEMAIL,
    });
    expect(dispositionFor(closed, policy({ action: 'forward', hangup: HANGUP }))).toEqual({ kind: 'continue', reason: 'outside-hours' });
    expect(dispositionFor(closed, policy({ action: 'voicemail', hangup: HANGUP }))).toEqual({ kind: 'continue', reason: 'outside-hours' });
  });

  test('the voicemail taken for missing settings is one level down: its own fallback nests once more, no further', () => {
    const p = policy({ action: 'forward', voicemail: { ...VOICEMAIL, fallback: 'hangup' }, hangup: { ...HANGUP, fallback: 'voicemail' } });
    expect(dispositionFor(closed, p)).toEqual({
      kind: 'voicemail',
      reason: 'outside-hours',
      voicemail: { ...VOICEMAIL, fallback: 'hangup' },
      fallback: { kind: 'hangup', reason: 'outside-hours', hangup: { ...HANGUP, fallback: 'voicemail' } },
    });
  });

  test("settingsOf gives the plan's own action's settings", () => {
    const plan = decideCall(closed, { afterHours: policy({ action: 'hangup', hangup: HANGUP, voicemail: VOICEMAIL }) }).plan;
    expect(settingsOf(plan as { kind: 'hangup' })).toEqual(HANGUP);
  });
});

describe('explainDecision names a holiday without a name by its rule as written', () => {
  const zones = new ZoneOffsetsCache(Date.UTC(2026, 0, 1), Date.UTC(2027, 0, 1));
  const ICS = ['BEGIN:VCALENDAR', 'BEGIN:VEVENT', 'UID:a', 'DTSTART;VALUE=DATE:20260701', 'END:VEVENT', 'END:VCALENDAR'].join('\r\n');
  const hours = { 1: [], 2: [], 3: [{ start: 540, end: 1020 }], 4: [], 5: [], 6: [], 7: [] };
  const explain = (rule: HolidaySpec, withRules = true) => {
    const input = { timezone: 'UTC', hours, daysOff: [], holidays: [rule] };
    const number = {
      did: '+48221234567',
      name: 'Office',
      timezone: 'UTC',
      afterHours: policy({ action: 'hangup', hangup: HANGUP, voicemail: VOICEMAIL }),
      ...(withRules ? { holidays: [rule] } : {}),
    };
    // Wednesday 1 July 2026, 10:00 UTC.
    return explainDecision({ number, schedule: compileSchedule(input, zones) }, undefined, Date.UTC(2026, 6, 1, 10)).holiday;
  };

  test.each<[HolidaySpec, string]>([
    [{ kind: 'date', date: '2026-07-01' }, '2026-07-01'],
    [{ kind: 'yearly', month: 7, day: 1 }, '07-01'],
    [{ kind: 'range', from: '2026-06-29', to: '2026-07-03' }, '2026-06-29..2026-07-03'],
    [{ kind: 'ics', path: 'config/ics/summer.ics', text: ICS }, 'iCalendar summer.ics'],
    [{ kind: 'ics', path: 'C:\\config\\summer.ics', text: ICS }, 'iCalendar summer.ics'],
  ])('%j is "%s"', (rule, name) => {
    expect(explain(rule)).toEqual({ rule: 0, name });
  });

  test('a rule the explanation does not have is "holiday"', () => {
    expect(explain({ kind: 'date', date: '2026-07-01' }, false)).toEqual({ rule: 0, name: 'holiday' });
  });
});
