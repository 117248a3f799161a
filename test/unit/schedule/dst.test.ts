import { at, build, closed, OPEN, stateOf, verdict } from './support';

// DST: in a gap a range opens at the first instant that exists after its start; in a
// repeated hour the wall time occurs twice and is open both times. Every instant below is
// written with the offset it has, so the UTC instant is unambiguous.

describe('Europe/Warsaw (northern; 2026-03-29 02:00→03:00, 2026-10-25 03:00→02:00)', () => {
  const TZ = 'Europe/Warsaw';

  it('gap: a range starting inside the gap opens at the first instant after it (03:00 CEST)', () => {
    const b = build({ timezone: TZ, hours: '02:30-04:00' });
    expect(stateOf(b, at('2026-03-29T01:59:59.999+01:00'))).toEqual(closed('outside-hours'));
    expect(stateOf(b, at('2026-03-29T03:00:00+02:00'))).toEqual(OPEN);
    expect(verdict(b, at('2026-03-29T00:30:00+01:00')).nextChange).toBe('2026-03-29T03:00:00+02:00');
    expect(verdict(b, at('2026-03-29T03:00:00+02:00')).nextChange).toBe('2026-03-29T04:00:00+02:00');
  });

  it('gap: a range that ends inside the gap closes at the jump', () => {
    const b = build({ timezone: TZ, hours: '01:00-02:30' });
    expect(stateOf(b, at('2026-03-29T01:59:59.999+01:00'))).toEqual(OPEN);
    expect(stateOf(b, at('2026-03-29T03:00:00+02:00'))).toEqual(closed('outside-hours'));
    expect(verdict(b, at('2026-03-29T01:30:00+01:00')).nextChange).toBe('2026-03-29T03:00:00+02:00');
  });

  it('gap: a range wholly inside the gap does not open that night', () => {
    const b = build({ timezone: TZ, hours: '02:00-02:30' });
    expect(verdict(b, at('2026-03-28T03:00:00+01:00')).nextChange).toBe('2026-03-30T02:00:00+02:00');
  });

  it('repeated hour: a range inside it is open both times', () => {
    const b = build({ timezone: TZ, hours: '02:15-02:45' });
    expect(stateOf(b, at('2026-10-25T00:30:00Z'))).toEqual(OPEN); // 02:30 CEST
    expect(stateOf(b, at('2026-10-25T00:50:00Z'))).toEqual(closed('outside-hours')); // 02:50 CEST
    expect(stateOf(b, at('2026-10-25T01:30:00Z'))).toEqual(OPEN); // 02:30 CET
    expect(stateOf(b, at('2026-10-25T01:50:00Z'))).toEqual(closed('outside-hours'));
    expect(verdict(b, at('2026-10-25T00:00:00Z')).nextChange).toBe('2026-10-25T02:15:00+02:00');
    expect(verdict(b, at('2026-10-25T00:20:00Z')).nextChange).toBe('2026-10-25T02:45:00+02:00');
    expect(verdict(b, at('2026-10-25T00:45:00Z')).nextChange).toBe('2026-10-25T02:15:00+01:00');
    expect(verdict(b, at('2026-10-25T01:15:00Z')).nextChange).toBe('2026-10-25T02:45:00+01:00');
  });

  it('repeated hour: a range ending inside it closes, then opens again when the clock goes back', () => {
    const b = build({ timezone: TZ, hours: { sun: '01:00-02:30' } });
    expect(verdict(b, at('2026-10-25T01:30:00+02:00')).nextChange).toBe('2026-10-25T02:30:00+02:00');
    expect(verdict(b, at('2026-10-25T02:30:00+02:00'))).toEqual({ ...closed('outside-hours'), nextChange: '2026-10-25T02:00:00+01:00' });
    expect(verdict(b, at('2026-10-25T02:00:00+01:00'))).toEqual({ ...OPEN, nextChange: '2026-10-25T02:30:00+01:00' });
  });

  it('an overnight range next to a day off is an hour shorter on the spring night', () => {
    const b = build({ timezone: TZ, hours: { sat: '22:00-06:00' }, daysOff: ['sun'] });
    expect(verdict(b, at('2026-03-28T22:00:00+01:00'))).toEqual({ ...OPEN, nextChange: '2026-03-29T06:00:00+02:00' });
    expect(at('2026-03-29T06:00:00+02:00') - at('2026-03-28T22:00:00+01:00')).toBe(7 * 3_600_000);
    expect(stateOf(b, at('2026-03-29T05:59:00+02:00'))).toEqual(OPEN);
    expect(stateOf(b, at('2026-03-29T06:00:00+02:00'))).toEqual(closed('day-off'));
  });

  it('an overnight range into a holiday is an hour longer on the autumn night', () => {
    const b = build({ timezone: TZ, hours: { sat: '22:00-06:00', sun: '10:00-12:00' }, holidays: ['2026-10-25'] });
    expect(verdict(b, at('2026-10-24T22:00:00+02:00'))).toEqual({ ...OPEN, nextChange: '2026-10-25T06:00:00+01:00' });
    expect(at('2026-10-25T06:00:00+01:00') - at('2026-10-24T22:00:00+02:00')).toBe(9 * 3_600_000);
    expect(stateOf(b, at('2026-10-25T10:30:00+01:00'))).toEqual(closed('holiday'));
  });
});

describe('Europe/Berlin (same rules as Warsaw, 2025 transitions)', () => {
  it('gap 2025-03-30 and repeated hour 2025-10-26', () => {
    const b = build({ timezone: 'Europe/Berlin', hours: '02:30-02:40' });
    // 02:30-02:40 lies wholly in the gap: the wall clock never shows it that night.
    expect(verdict(b, at('2025-03-30T00:00:00Z')).nextChange).toBe('2025-03-31T02:30:00+02:00');
    expect(stateOf(b, at('2025-03-30T01:00:00Z'))).toEqual(closed('outside-hours'));
    expect(stateOf(b, at('2025-10-26T00:35:00Z'))).toEqual(OPEN);
    expect(stateOf(b, at('2025-10-26T01:35:00Z'))).toEqual(OPEN);
  });
});

describe('America/New_York (northern, western; 2026-03-08 02:00→03:00, 2026-11-01 02:00→01:00)', () => {
  const TZ = 'America/New_York';

  it('gap: 02:30 opens at 03:00 EDT', () => {
    const b = build({ timezone: TZ, hours: '02:30-03:30' });
    expect(verdict(b, at('2026-03-08T01:00:00-05:00')).nextChange).toBe('2026-03-08T03:00:00-04:00');
    expect(stateOf(b, at('2026-03-08T07:00:00Z'))).toEqual(OPEN);
    expect(stateOf(b, at('2026-03-08T06:59:59Z'))).toEqual(closed('outside-hours'));
    expect(verdict(b, at('2026-03-08T03:00:00-04:00')).nextChange).toBe('2026-03-08T03:30:00-04:00');
  });

  it('repeated hour: 01:15-01:45 is open in EDT and again in EST', () => {
    const b = build({ timezone: TZ, hours: '01:15-01:45' });
    expect(stateOf(b, at('2026-11-01T05:30:00Z'))).toEqual(OPEN); // 01:30 EDT
    expect(stateOf(b, at('2026-11-01T06:00:00Z'))).toEqual(closed('outside-hours')); // 01:00 EST
    expect(stateOf(b, at('2026-11-01T06:30:00Z'))).toEqual(OPEN); // 01:30 EST
    expect(verdict(b, at('2026-11-01T05:45:00Z')).nextChange).toBe('2026-11-01T01:15:00-05:00');
  });
});

describe('Australia/Sydney (southern; 2026-04-05 03:00→02:00, 2026-10-04 02:00→03:00)', () => {
  const TZ = 'Australia/Sydney';

  it('repeated hour in April: 02:00-02:30 is open in AEDT and again in AEST', () => {
    const b = build({ timezone: TZ, hours: '02:00-02:30' });
    expect(stateOf(b, at('2026-04-04T15:10:00Z'))).toEqual(OPEN); // 02:10 +11:00
    expect(stateOf(b, at('2026-04-04T15:40:00Z'))).toEqual(closed('outside-hours')); // 02:40 +11:00
    expect(stateOf(b, at('2026-04-04T16:10:00Z'))).toEqual(OPEN); // 02:10 +10:00
    expect(verdict(b, at('2026-04-05T02:10:00+11:00')).nextChange).toBe('2026-04-05T02:30:00+11:00');
    expect(verdict(b, at('2026-04-05T02:30:00+11:00')).nextChange).toBe('2026-04-05T02:00:00+10:00');
    expect(verdict(b, at('2026-04-05T02:00:00+10:00')).nextChange).toBe('2026-04-05T02:30:00+10:00');
  });

  it('gap in October: 02:30-05:00 opens at 03:00 AEDT', () => {
    const b = build({ timezone: TZ, hours: '02:30-05:00' });
    expect(verdict(b, at('2026-10-04T01:00:00+10:00')).nextChange).toBe('2026-10-04T03:00:00+11:00');
    expect(stateOf(b, at('2026-10-04T03:00:00+11:00'))).toEqual(OPEN);
  });

  it('an overnight range into a day off across the April change', () => {
    const b = build({ timezone: TZ, hours: { sat: '20:00-04:00' }, daysOff: ['sun'] });
    expect(verdict(b, at('2026-04-04T21:00:00+11:00'))).toEqual({ ...OPEN, nextChange: '2026-04-05T04:00:00+10:00' });
  });
});

describe('America/Santiago (southern, changes at midnight; 2026-04-05 00:00→04-04 23:00, 2026-09-06 00:00→01:00)', () => {
  const TZ = 'America/Santiago';

  it('repeated hour on Saturday night: 23:30-23:45 is open at -03:00 and again at -04:00', () => {
    const b = build({ timezone: TZ, hours: { sat: '23:30-23:45' } });
    expect(stateOf(b, at('2026-04-05T02:40:00Z'))).toEqual(OPEN); // 23:40 -03:00
    expect(stateOf(b, at('2026-04-05T03:10:00Z'))).toEqual(closed('outside-hours')); // 23:10 -04:00
    expect(stateOf(b, at('2026-04-05T03:40:00Z'))).toEqual(OPEN); // 23:40 -04:00
    expect(verdict(b, at('2026-04-04T23:50:00-03:00')).nextChange).toBe('2026-04-04T23:30:00-04:00');
  });

  it('gap at midnight: Sunday starts at 01:00, so a range from 00:00 opens then', () => {
    const b = build({ timezone: TZ, hours: { sun: '00:00-02:00' } });
    expect(verdict(b, at('2026-09-05T20:00:00-04:00'))).toEqual({ ...closed('day-off'), nextChange: '2026-09-06T01:00:00-03:00' });
    expect(stateOf(b, at('2026-09-06T04:00:00Z'))).toEqual(OPEN);
  });

  it("gap at midnight: Saturday's overnight range ending at 00:30 closes when Sunday begins", () => {
    const b = build({ timezone: TZ, hours: { sat: '22:00-00:30' } });
    expect(verdict(b, at('2026-09-05T23:00:00-04:00'))).toEqual({ ...OPEN, nextChange: '2026-09-06T01:00:00-03:00' });
  });
});

describe('Australia/Lord_Howe (30-minute DST; 2026-04-05 02:00→01:30, 2026-10-04 02:00→02:30)', () => {
  const TZ = 'Australia/Lord_Howe';

  it('repeated half hour: 01:40-01:50 is open at +11:00 and again at +10:30', () => {
    const b = build({ timezone: TZ, hours: '01:40-01:50' });
    expect(stateOf(b, at('2026-04-04T14:45:00Z'))).toEqual(OPEN); // 01:45 +11:00
    expect(stateOf(b, at('2026-04-04T14:55:00Z'))).toEqual(closed('outside-hours'));
    expect(stateOf(b, at('2026-04-04T15:15:00Z'))).toEqual(OPEN); // 01:45 +10:30
    expect(verdict(b, at('2026-04-04T14:45:00Z')).nextChange).toBe('2026-04-05T01:50:00+11:00');
    expect(verdict(b, at('2026-04-04T14:50:00Z')).nextChange).toBe('2026-04-05T01:40:00+10:30');
    expect(verdict(b, at('2026-04-04T15:10:00Z')).nextChange).toBe('2026-04-05T01:50:00+10:30');
  });

  it('half-hour gap: 02:10 opens at 02:30 +11:00; 02:00-02:30 does not open', () => {
    const b = build({ timezone: TZ, hours: { sun: '02:10-03:00', mon: '02:00-02:30' } });
    expect(verdict(b, at('2026-10-04T01:00:00+10:30')).nextChange).toBe('2026-10-04T02:30:00+11:00');
    expect(stateOf(b, at('2026-10-03T15:30:00Z'))).toEqual(OPEN);
    const gapOnly = build({ timezone: TZ, hours: '02:00-02:30' });
    expect(verdict(gapOnly, at('2026-10-03T12:00:00Z')).nextChange).toBe('2026-10-05T02:00:00+11:00');
  });
});

describe('zones with odd offsets and no DST', () => {
  it.each([
    ['Asia/Kolkata', '2026-07-01T03:30:00Z', '2026-07-01T03:29:59Z'], // 09:00 +05:30
    ['Asia/Kathmandu', '2026-07-01T03:15:00Z', '2026-07-01T03:14:59Z'], // 09:00 +05:45
  ])('%s opens at 09:00 local', (tz, opens, before) => {
    const b = build({ timezone: tz, hours: '09:00-17:00' });
    expect(stateOf(b, at(opens))).toEqual(OPEN);
    expect(stateOf(b, at(before))).toEqual(closed('outside-hours'));
    expect(verdict(b, at(before)).nextChange).toBe(tz === 'Asia/Kolkata' ? '2026-07-01T09:00:00+05:30' : '2026-07-01T09:00:00+05:45');
  });
});
