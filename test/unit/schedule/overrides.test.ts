import { decide, decideNow } from '../../../src/schedule/decide';
import { openIntervals } from '../../../src/schedule/openIntervals';
import { addOverride, covers, overrideBoundaries, overrideInForce } from '../../../src/schedule/overrides';
import type { Override } from '../../../src/schedule/types';
import { at, build, isoIn } from './support';

// Several overrides on one number: a scheduled closure beside the current state, an "open for
// an hour" set during it, and what the engine, nextChange and the open intervals make of them.

const office = build({ timezone: 'Europe/Warsaw', hours: { 'mon-fri': '09:00-17:00' } });
const W = (iso: string) => at(`${iso}+01:00`); // Warsaw in winter
const show = (ms: number | null) => (ms === null ? null : isoIn(ms, 'Europe/Warsaw'));

// Friday 2026-12-04, the staff meeting 14:00-18:00, set on Monday.
const meeting: Override = {
  state: 'closed',
  from: W('2026-12-04T14:00:00'),
  until: W('2026-12-04T18:00:00'),
  setAt: W('2026-11-30T10:00:00'),
};

describe('a scheduled override', () => {
  it('does nothing before it starts, but nextChange stops at its start', () => {
    const d = decide(office.schedule, [meeting], W('2026-12-04T10:00:00'));
    expect({ ...d, nextChange: show(d.nextChange) }).toEqual({
      open: true,
      reason: 'working-hours',
      nextChange: '2026-12-04T14:00:00+01:00',
    });
    // Days before, the schedule's own flips come first.
    expect(show(decide(office.schedule, [meeting], W('2026-12-03T10:00:00')).nextChange)).toBe('2026-12-03T17:00:00+01:00');
  });

  it('applies in its window; after it, the schedule (closed by then, so the next flip is Monday 09:00)', () => {
    const d = decide(office.schedule, [meeting], W('2026-12-04T14:30:00'));
    expect({ ...d, nextChange: show(d.nextChange) }).toEqual({ open: false, reason: 'override', nextChange: '2026-12-07T09:00:00+01:00' });
    expect(decideNow(office.schedule, [meeting], W('2026-12-04T18:00:00'))).toEqual({ open: false, reason: 'outside-hours' });
  });

  it('an open override starting exactly when the schedule closes: no flip then, the flip is its end', () => {
    const late: Override = { state: 'open', from: W('2026-12-03T17:00:00'), until: W('2026-12-03T19:00:00'), setAt: 1 };
    expect(show(decide(office.schedule, [late], W('2026-12-03T10:00:00')).nextChange)).toBe('2026-12-03T19:00:00+01:00');
  });
});

describe('several in force: the most recently set wins', () => {
  const openHour: Override = {
    state: 'open',
    from: W('2026-12-04T15:00:00'),
    until: W('2026-12-04T16:00:00'),
    setAt: W('2026-12-04T14:50:00'),
  };
  const both = [meeting, openHour];

  it('an hour opened during the closure, then the closure again', () => {
    const at1430 = decide(office.schedule, both, W('2026-12-04T14:30:00'));
    expect([at1430.open, show(at1430.nextChange)]).toEqual([false, '2026-12-04T15:00:00+01:00']);
    const at1530 = decide(office.schedule, both, W('2026-12-04T15:30:00'));
    expect([at1530.open, at1530.reason, show(at1530.nextChange)]).toEqual([true, 'override', '2026-12-04T16:00:00+01:00']);
    const at1600 = decide(office.schedule, both, W('2026-12-04T16:00:00'));
    expect([at1600.open, at1600.reason, show(at1600.nextChange)]).toEqual([false, 'override', '2026-12-07T09:00:00+01:00']);
  });

  it('the order in the list does not matter, only when each was set', () => {
    const t = W('2026-12-04T15:30:00');
    expect(overrideInForce([openHour, meeting], t)).toBe(openHour);
    expect(overrideInForce([meeting, { ...openHour, setAt: 0 }], t)).toEqual(meeting);
  });

  it('a single override (the form before several) is still taken', () => {
    expect(decideNow(office.schedule, meeting, W('2026-12-04T15:00:00'))).toEqual({ open: false, reason: 'override' });
  });
});

describe('addOverride keeps only what can still apply', () => {
  const now = W('2026-12-01T10:00:00');
  const closedForever: Override = { state: 'closed', setAt: now - 1000 };
  const expired: Override = { state: 'open', until: now - 1, setAt: now - 5000 };

  it('drops expired ones and those the new one covers completely', () => {
    const openForever: Override = { state: 'open', setAt: now };
    expect(addOverride([closedForever, expired, meeting], openForever, now)).toEqual([openForever]);
  });

  it('drops an expired one even when the new one would not cover it; one ending now has expired', () => {
    const later: Override = { state: 'closed', from: now + 3_600_000, until: now + 7_200_000, setAt: now };
    const endsNow: Override = { state: 'closed', until: now, setAt: now - 5000 };
    const endsLater: Override = { state: 'closed', until: now + 1, setAt: now - 5000 };
    expect(addOverride([expired, endsNow, endsLater], later, now)).toEqual([endsLater, later]);
  });

  it('keeps a scheduled one the new one does not cover', () => {
    const forAnHour: Override = { state: 'open', until: now + 3_600_000, setAt: now };
    expect(addOverride([closedForever, meeting], forAnHour, now)).toEqual([closedForever, meeting, forAnHour]);
    expect(covers(forAnHour, meeting, now)).toBe(false);
    expect(covers({ state: 'open', from: meeting.from, until: meeting.until, setAt: now }, meeting, now)).toBe(true);
  });
});

describe('covers: the newer window holds what is left of the older one', () => {
  const now = W('2026-12-01T10:00:00');
  const h = 3_600_000;
  const older: Override = { state: 'closed', from: now + h, until: now + 3 * h, setAt: now - 1000 };

  it('a newer one starting later never covers, even one without an end', () => {
    expect(covers({ state: 'open', from: now + 2 * h, setAt: now }, older, now)).toBe(false);
    expect(covers({ state: 'open', from: now + h + 1, until: now + 4 * h, setAt: now }, older, now)).toBe(false);
    expect(addOverride([older], { state: 'open', from: now + 2 * h, setAt: now }, now)).toHaveLength(2);
  });

  it('one starting at the same instant or earlier covers when it ends as late or later, or never', () => {
    expect(covers({ state: 'open', from: now + h, until: now + 3 * h, setAt: now }, older, now)).toBe(true);
    expect(covers({ state: 'open', setAt: now }, older, now)).toBe(true);
    expect(covers({ state: 'open', until: now + 3 * h - 1, setAt: now }, older, now)).toBe(false);
    // What has begun is compared from now: an older one already in force is covered by one set now.
    expect(covers({ state: 'open', until: now + 3 * h, setAt: now }, { ...older, from: now - h }, now)).toBe(true);
  });
});

describe('overrideBoundaries', () => {
  it('offers the starts and ends in (after, limit] only: ascending, each once', () => {
    const a = W('2026-12-01T10:00:00');
    const list: Override[] = [
      { state: 'closed', from: a, until: a + 10, setAt: 0 }, // a start at `after` is not offered
      { state: 'open', from: a + 5, until: a + 20, setAt: 1 }, // an end at the limit is
      { state: 'open', from: a - 5, until: a, setAt: 2 }, // nor an end at `after`, nor anything before
      { state: 'closed', from: a + 10, until: a + 21, setAt: 3 }, // past the limit: not offered; a + 10 once
      { state: 'open', setAt: 4 },
    ];
    expect(overrideBoundaries(list, a, a + 20)).toEqual([a + 5, a + 10, a + 20]);
    expect(overrideBoundaries(list, a + 20, a + 20)).toEqual([]);
  });
});

describe('openIntervals', () => {
  it('the week with the staff meeting: Friday closes at 14:00', () => {
    const list = openIntervals(office.schedule, [meeting], W('2026-11-30T00:00:00'), W('2026-12-07T00:00:00'));
    expect(list.map((i) => `${show(i.start)} ${show(i.end)}`)).toEqual([
      '2026-11-30T09:00:00+01:00 2026-11-30T17:00:00+01:00',
      '2026-12-01T09:00:00+01:00 2026-12-01T17:00:00+01:00',
      '2026-12-02T09:00:00+01:00 2026-12-02T17:00:00+01:00',
      '2026-12-03T09:00:00+01:00 2026-12-03T17:00:00+01:00',
      '2026-12-04T09:00:00+01:00 2026-12-04T14:00:00+01:00',
    ]);
  });

  it('clips to the window, merges an open override with the hours it touches, and refuses a window over 366 days', () => {
    const evening: Override = { state: 'open', from: W('2026-12-01T17:00:00'), until: W('2026-12-01T20:00:00'), setAt: 1 };
    const list = openIntervals(office.schedule, [evening], W('2026-12-01T12:00:00'), W('2026-12-02T10:00:00'));
    expect(list.map((i) => `${show(i.start)} ${show(i.end)}`)).toEqual([
      '2026-12-01T12:00:00+01:00 2026-12-01T20:00:00+01:00',
      '2026-12-02T09:00:00+01:00 2026-12-02T10:00:00+01:00',
    ]);
    expect(() => openIntervals(office.schedule, undefined, 0, 367 * 86_400_000)).toThrow(/at most 366 days/);
    expect(() => openIntervals(office.schedule, undefined, 10, 5)).toThrow(/end after it starts/);
  });

  it('across the spring DST change the day keeps its wall-clock hours (one hour shorter night)', () => {
    const shop = build({ timezone: 'Europe/Warsaw', hours: '22:00-06:00' });
    const list = openIntervals(shop.schedule, undefined, at('2027-03-27T12:00:00+01:00'), at('2027-03-28T12:00:00+02:00'));
    expect(list.map((i) => `${show(i.start)} ${show(i.end)}`)).toEqual(['2027-03-27T22:00:00+01:00 2027-03-28T06:00:00+02:00']);
    expect(list[0]!.end - list[0]!.start).toBe(7 * 3_600_000);
  });
});
