import { at, build, closed, OPEN, stateOf, verdict } from './support';

// The README's semantics, rule by rule, in Europe/Warsaw in January 2026 (CET, +01:00, no
// DST nearby). Week used: Mon 2026-01-05 … Sun 2026-01-11, Mon 2026-01-12.
const TZ = 'Europe/Warsaw';

describe('hours are HH:MM wall-clock times in the number zone', () => {
  const b = build({ timezone: TZ, hours: { 'mon-fri': '09:00-17:00' } });

  it.each([
    ['2026-01-05T08:59:59.999+01:00', closed('outside-hours')],
    ['2026-01-05T09:00:00+01:00', OPEN],
    ['2026-01-05T16:59:59.999+01:00', OPEN],
    ['2026-01-05T17:00:00+01:00', closed('outside-hours')],
    // 08:30 UTC is 09:30 in Warsaw: the zone decides, not UTC.
    ['2026-01-05T08:30:00Z', OPEN],
    ['2026-01-05T16:30:00Z', closed('outside-hours')],
  ])('%s', (instant, expected) => {
    expect(stateOf(b, at(instant))).toEqual(expected);
  });

  it('one string applies to every day', () => {
    const every = build({ timezone: TZ, hours: '09:00-17:00' });
    expect(stateOf(every, at('2026-01-11T10:00:00+01:00'))).toEqual(OPEN); // Sunday
    expect(stateOf(every, at('2026-01-10T18:00:00+01:00'))).toEqual(closed('outside-hours'));
  });

  it('a list of ranges leaves the gap between them closed', () => {
    const lunch = build({ timezone: TZ, hours: { 'mon-fri': ['08:00-12:00', '13:00-17:00'] } });
    expect(stateOf(lunch, at('2026-01-05T11:59:00+01:00'))).toEqual(OPEN);
    expect(stateOf(lunch, at('2026-01-05T12:30:00+01:00'))).toEqual(closed('outside-hours'));
    expect(stateOf(lunch, at('2026-01-05T13:00:00+01:00'))).toEqual(OPEN);
    expect(verdict(lunch, at('2026-01-05T10:00:00+01:00')).nextChange).toBe('2026-01-05T12:00:00+01:00');
    expect(verdict(lunch, at('2026-01-05T12:00:00+01:00')).nextChange).toBe('2026-01-05T13:00:00+01:00');
  });

  it('weekday keys: a wrapping range (fri-mon) and a list (sat,sun)', () => {
    const wrap = build({ timezone: TZ, hours: { 'fri-mon': '10:00-11:00', 'tue,thu': '12:00-13:00' } });
    for (const day of ['09', '10', '11', '12']) expect(stateOf(wrap, at(`2026-01-${day}T10:30:00+01:00`))).toEqual(OPEN);
    expect(stateOf(wrap, at('2026-01-07T10:30:00+01:00'))).toEqual(closed('day-off')); // Wednesday: no ranges
    expect(stateOf(wrap, at('2026-01-06T12:30:00+01:00'))).toEqual(OPEN);
    expect(stateOf(wrap, at('2026-01-08T12:30:00+01:00'))).toEqual(OPEN);
  });

  it('end 24:00 runs to midnight and closes at the start of the next date', () => {
    const late = build({ timezone: TZ, hours: { mon: '20:00-24:00' } });
    expect(stateOf(late, at('2026-01-05T23:59:59.999+01:00'))).toEqual(OPEN);
    expect(stateOf(late, at('2026-01-06T00:00:00+01:00'))).toEqual(closed('day-off'));
    expect(verdict(late, at('2026-01-05T21:00:00+01:00')).nextChange).toBe('2026-01-06T00:00:00+01:00');
  });

  it('24:00 on one day and 00:00 on the next join without a flip', () => {
    const joined = build({ timezone: TZ, hours: { mon: '20:00-24:00', tue: '00:00-02:00' } });
    expect(stateOf(joined, at('2026-01-06T00:00:00+01:00'))).toEqual(OPEN);
    expect(verdict(joined, at('2026-01-05T21:00:00+01:00')).nextChange).toBe('2026-01-06T02:00:00+01:00');
  });

  it('00:00-24:00 every day is always open: nothing changes', () => {
    const always = build({ timezone: TZ, hours: '00:00-24:00' });
    expect(verdict(always, at('2026-01-05T03:00:00+01:00'))).toEqual({ ...OPEN, nextChange: null });
  });

  it('adjacent ranges on one date do not flip where they touch', () => {
    const adj = build({ timezone: TZ, hours: { mon: ['08:00-12:00', '12:00-17:00'] } });
    expect(verdict(adj, at('2026-01-05T09:00:00+01:00')).nextChange).toBe('2026-01-05T17:00:00+01:00');
  });
});

describe('a range belongs to the date it starts on', () => {
  it('an overnight range (end <= start) covers the early hours of the next date', () => {
    const b = build({ timezone: TZ, hours: { fri: ['08:00-12:00', '22:00-06:00'] } });
    expect(stateOf(b, at('2026-01-09T21:59:00+01:00'))).toEqual(closed('outside-hours'));
    expect(stateOf(b, at('2026-01-09T22:00:00+01:00'))).toEqual(OPEN);
    expect(stateOf(b, at('2026-01-10T00:00:00+01:00'))).toEqual(OPEN); // Saturday, which has no ranges of its own
    expect(stateOf(b, at('2026-01-10T05:59:59.999+01:00'))).toEqual(OPEN);
    expect(stateOf(b, at('2026-01-10T06:00:00+01:00'))).toEqual(closed('day-off'));
    expect(verdict(b, at('2026-01-09T23:00:00+01:00')).nextChange).toBe('2026-01-10T06:00:00+01:00');
    expect(verdict(b, at('2026-01-10T06:00:00+01:00')).nextChange).toBe('2026-01-16T08:00:00+01:00');
  });

  it('an overnight range ending at 00:00 ends at midnight', () => {
    const b = build({ timezone: TZ, hours: { mon: '22:00-00:00' } });
    expect(stateOf(b, at('2026-01-05T23:30:00+01:00'))).toEqual(OPEN);
    expect(stateOf(b, at('2026-01-06T00:00:00+01:00'))).toEqual(closed('day-off'));
  });

  it('the overnight part comes from the previous date even across Sunday to Monday', () => {
    const b = build({ timezone: TZ, hours: { sun: '23:00-01:00' } });
    expect(stateOf(b, at('2026-01-12T00:30:00+01:00'))).toEqual(OPEN);
    expect(stateOf(b, at('2026-01-12T01:00:00+01:00'))).toEqual(closed('day-off'));
  });
});

describe('days off and holidays cancel the ranges that start on that date', () => {
  const nightly = { timezone: TZ, hours: '22:00-06:00' };

  it('a day off cancels its own ranges, including their overnight part', () => {
    const b = build({ ...nightly, daysOff: ['fri'] });
    expect(stateOf(b, at('2026-01-09T23:00:00+01:00'))).toEqual(closed('day-off'));
    // Saturday 01:00 would be Friday's range: cancelled with it. Saturday has ranges, so "outside-hours".
    expect(stateOf(b, at('2026-01-10T01:00:00+01:00'))).toEqual(closed('outside-hours'));
    expect(stateOf(b, at('2026-01-10T22:00:00+01:00'))).toEqual(OPEN);
  });

  it("the previous date's overnight range still covers the early hours of a day off", () => {
    const b = build({ ...nightly, daysOff: ['fri'] });
    expect(stateOf(b, at('2026-01-09T05:59:00+01:00'))).toEqual(OPEN); // Thursday's range
    expect(stateOf(b, at('2026-01-09T06:00:00+01:00'))).toEqual(closed('day-off'));
    expect(verdict(b, at('2026-01-09T03:00:00+01:00'))).toEqual({ ...OPEN, nextChange: '2026-01-09T06:00:00+01:00' });
    expect(verdict(b, at('2026-01-09T06:00:00+01:00'))).toEqual({ ...closed('day-off'), nextChange: '2026-01-10T22:00:00+01:00' });
  });

  it('a holiday cancels its own ranges, including their overnight part', () => {
    const b = build({ ...nightly, holidays: ['2026-01-09'] });
    expect(stateOf(b, at('2026-01-09T23:00:00+01:00'))).toEqual(closed('holiday'));
    expect(stateOf(b, at('2026-01-10T01:00:00+01:00'))).toEqual(closed('outside-hours'));
  });

  it("the previous date's overnight range still covers the early hours of a holiday", () => {
    const b = build({ ...nightly, holidays: ['2026-01-09'] });
    expect(stateOf(b, at('2026-01-09T03:00:00+01:00'))).toEqual(OPEN);
    expect(stateOf(b, at('2026-01-09T06:00:00+01:00'))).toEqual(closed('holiday'));
    expect(verdict(b, at('2026-01-09T03:00:00+01:00')).nextChange).toBe('2026-01-09T06:00:00+01:00');
    expect(verdict(b, at('2026-01-09T06:00:00+01:00')).nextChange).toBe('2026-01-10T22:00:00+01:00');
  });

  it('a day off after a day off: nothing carries over', () => {
    const b = build({ ...nightly, daysOff: ['sat', 'sun'] });
    expect(stateOf(b, at('2026-01-10T03:00:00+01:00'))).toEqual(OPEN); // Friday's range
    expect(stateOf(b, at('2026-01-11T03:00:00+01:00'))).toEqual(closed('day-off'));
    expect(stateOf(b, at('2026-01-12T03:00:00+01:00'))).toEqual(closed('outside-hours')); // Sunday's range cancelled
    expect(verdict(b, at('2026-01-10T03:00:00+01:00')).nextChange).toBe('2026-01-10T06:00:00+01:00');
    expect(verdict(b, at('2026-01-10T06:00:00+01:00')).nextChange).toBe('2026-01-12T22:00:00+01:00');
  });

  it('a holiday on the previous date cancels the overnight part on a working date', () => {
    const b = build({ timezone: TZ, hours: { 'mon-fri': ['09:00-17:00', '23:00-02:00'] }, holidays: ['2026-01-06'] });
    expect(stateOf(b, at('2026-01-07T01:00:00+01:00'))).toEqual(closed('outside-hours'));
    expect(stateOf(b, at('2026-01-06T01:00:00+01:00'))).toEqual(OPEN); // Monday's range into the holiday
    expect(verdict(b, at('2026-01-06T01:00:00+01:00')).nextChange).toBe('2026-01-06T02:00:00+01:00');
    expect(verdict(b, at('2026-01-06T02:00:00+01:00')).nextChange).toBe('2026-01-07T09:00:00+01:00');
  });
});

describe('reason', () => {
  const b = build({
    timezone: TZ,
    hours: { 'mon-fri': '09:00-17:00', sat: '10:00-12:00' },
    daysOff: ['sat'],
    holidays: ['2026-01-06', '2026-01-11'],
  });

  it('working-hours when open', () => {
    expect(verdict(b, at('2026-01-05T10:00:00+01:00'))).toEqual({ ...OPEN, nextChange: '2026-01-05T17:00:00+01:00' });
  });
  it('holiday on a holiday date, even a working weekday inside its hours', () => {
    expect(verdict(b, at('2026-01-06T10:00:00+01:00'))).toEqual({ ...closed('holiday'), nextChange: '2026-01-07T09:00:00+01:00' });
  });
  it('holiday beats day-off: a holiday on a weekday without ranges', () => {
    expect(stateOf(b, at('2026-01-11T10:00:00+01:00'))).toEqual(closed('holiday'));
  });
  it('day-off on a listed day off, even though it has ranges', () => {
    expect(stateOf(b, at('2026-01-10T11:00:00+01:00'))).toEqual(closed('day-off'));
  });
  it('day-off on a weekday with no ranges, even when not listed in daysOff', () => {
    const noSunday = build({ timezone: TZ, hours: { 'mon-sat': '09:00-17:00' } });
    expect(stateOf(noSunday, at('2026-01-11T10:00:00+01:00'))).toEqual(closed('day-off'));
  });
  it('outside-hours on a working date outside its ranges', () => {
    expect(verdict(b, at('2026-01-07T18:00:00+01:00'))).toEqual({ ...closed('outside-hours'), nextChange: '2026-01-08T09:00:00+01:00' });
  });
  it('override when an override applies (see decide.test.ts)', () => {
    expect(verdict(b, at('2026-01-07T10:00:00+01:00'), { state: 'closed' }).reason).toBe('override');
  });
});
