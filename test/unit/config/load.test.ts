import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DateTime } from 'luxon';
import { soundUri } from '../../../src/sounds/audioFile';
import { ConfigInvalidError } from '../../../src/config/errors';
import { loadConfig, loadConfigText, type LoadResult } from '../../../src/config/load';
import { checkForwardTarget, normaliseNumber } from '../../../src/phone/e164';
import { dispositionFor } from '../../../src/policy/afterHours';
import { parseIsoDate } from '../../../src/schedule/calendar';
import { decide } from '../../../src/schedule/decide';
import { NumberDirectory } from '../../../src/schedule/directory';

const ROOT = resolve(__dirname, '..', '..', '..');
const FIXTURES = join(ROOT, 'test', 'fixtures', 'config');
const NOW = Date.UTC(2026, 5, 1);

function ok(r: LoadResult): Extract<LoadResult, { ok: true }> {
  if (!r.ok) throw new ConfigInvalidError(r.errors);
  return r;
}

function localInstant(text: string, zone: string): number {
  const dt = DateTime.fromISO(text, { zone });
  if (!dt.isValid) throw new Error(text);
  return dt.toMillis();
}

describe('the sample config/after-hours.yaml', () => {
  const { config, zones } = ok(loadConfig(join(ROOT, 'config', 'after-hours.yaml'), { now: NOW }));
  const dir = new NumberDirectory(config, zones);
  const at = (did: string, local: string) => {
    const e = dir.get(did)!;
    return decide(e.schedule, undefined, localInstant(local, e.number.timezone));
  };

  it('validates, with every DID stored as E.164', () => {
    expect(config.numbers.map((n) => [n.did, n.name, n.timezone, n.afterHours.action])).toEqual([
      ['+48221234567', 'Warsaw office', 'Europe/Warsaw', 'voicemail'],
      ['+4930901820', 'Berlin sales', 'Europe/Berlin', 'forward'],
      ['+48800123456', 'Toll-free hotline', 'Europe/Warsaw', 'hangup'],
    ]);
    expect(dir.size).toBe(3);
  });

  it('resolves relative paths against its own folder (config/), to files that exist', () => {
    const [warsaw, berlin, hotline] = config.numbers;
    expect(warsaw!.afterHours.voicemail.greeting).toBe(join(ROOT, 'sounds', 'warsaw.wav'));
    expect(hotline!.afterHours.hangup.announcement).toBe(join(ROOT, 'sounds', 'closed.wav'));
    expect(warsaw!.holidays.find((h) => h.kind === 'ics')).toMatchObject({ path: join(ROOT, 'config', 'holidays.ics') });
    for (const f of [warsaw!.afterHours.voicemail.greeting!, hotline!.afterHours.hangup.announcement!]) expect(existsSync(f)).toBe(true);
    expect(berlin!.afterHours.forward).toEqual({ to: '+48601234567', timeoutSeconds: 25, fallback: 'voicemail' });
    expect(soundUri(hotline!.afterHours.hangup.announcement!)).toBe(`sound:${join(ROOT, 'sounds', 'closed')}`);
  });

  it('resolves every holiday form for the Warsaw office', () => {
    const warsaw = new NumberDirectory(config, zones).get(config.numbers[0]!.did)!.schedule.holidays;
    const days = [
      '2026-11-11',
      '2026-12-24',
      '2025-12-25',
      '2027-12-25',
      '2026-12-27',
      '2026-12-31',
      '2026-06-12',
      '2026-08-04',
      '2026-10-16',
      '2027-06-12',
      '2026-12-06',
    ].filter((d) => warsaw.isHoliday(parseIsoDate(d)!));
    for (const d of [
      '2026-11-11',
      '2026-12-24',
      '2025-12-25',
      '2027-12-25',
      '2026-12-27',
      '2026-12-31',
      '2026-06-12',
      '2026-08-04',
      '2026-10-16',
    ])
      expect(days).toContain(d);
    expect(days).not.toContain('2027-06-12'); // EXDATE
    expect(days).not.toContain('2026-12-06'); // an observance
  });

  it('decides as the README describes', () => {
    expect(at('+48221234567', '2026-11-13T23:00')).toMatchObject({ open: true, reason: 'working-hours' }); // Friday night shift
    expect(at('+48221234567', '2026-11-14T05:59')).toMatchObject({ open: true, reason: 'working-hours' }); // …into Saturday
    expect(at('+48221234567', '2026-11-14T06:30')).toMatchObject({ open: false, reason: 'outside-hours' });
    expect(at('+48221234567', '2026-11-14T10:30')).toMatchObject({ open: true }); // Saturday 10-14
    expect(at('+48221234567', '2026-11-15T10:30')).toMatchObject({ open: false, reason: 'day-off' }); // Sunday: daysOff
    expect(at('+48221234567', '2026-11-11T10:00')).toMatchObject({ open: false, reason: 'holiday' }); // Independence Day
    expect(at('+4930901820', '2026-10-02T10:00')).toMatchObject({ open: true });
    expect(at('+4930901820', '2026-10-03T10:00')).toMatchObject({ open: false, reason: 'holiday' }); // Tag der Deutschen Einheit (a Saturday, still a holiday)
    expect(at('+48800123456', '2026-11-16T20:59')).toMatchObject({ open: true }); // inherits PL holidays, not the Warsaw list
    expect(at('+48800123456', '2026-12-28T10:00')).toMatchObject({ open: true });
  });
});

describe('relative paths resolve against the YAML file, not the working directory', () => {
  it('a file named relative to the working directory', () => {
    const rel = join('test', 'fixtures', 'config', 'valid.yaml');
    expect(resolve(rel)).toBe(join(FIXTURES, 'valid.yaml')); // jest runs from the repository root
    const { config } = ok(loadConfig(rel, { now: NOW }));
    expect(config.file).toBe(join(FIXTURES, 'valid.yaml'));
    expect(config.numbers[0]!.afterHours.voicemail.greeting).toBe(join(FIXTURES, 'sounds', 'greeting.wav'));
    expect(config.numbers[0]!.holidays.find((h) => h.kind === 'ics')).toMatchObject({ path: join(FIXTURES, 'holidays.ics') });
  });

  it('a missing file', () => {
    expect(loadConfig('test/fixtures/config/nope.yaml')).toEqual({
      ok: false,
      errors: [
        {
          file: 'test/fixtures/config/nope.yaml',
          line: 1,
          col: 1,
          message: 'configuration file test/fixtures/config/nope.yaml does not exist',
        },
      ],
    });
  });
});

describe('defaults are inherited unless a number sets its own', () => {
  const { config, zones } = ok(loadConfig(join(FIXTURES, 'valid.yaml'), { now: NOW }));
  const [warsaw, berlin, sydney, closed] = config.numbers;

  it('afterHours merges field by field', () => {
    expect(berlin!.afterHours).toEqual({
      action: 'forward',
      voicemail: { greeting: join(FIXTURES, 'sounds', 'greeting.wav'), maxSeconds: 90, maxSilenceSeconds: 5 },
      forward: { to: '+48601234567', timeoutSeconds: 20, fallback: 'hangup' },
      hangup: { cause: 'congestion' },
    });
    expect(sydney!.afterHours.hangup).toEqual({ cause: 'busy', announcement: join(FIXTURES, 'sounds', 'greeting.wav') });
  });

  it('hours, daysOff, holidays, timezone, crm', () => {
    expect(closed!.timezone).toBe('Europe/Warsaw');
    expect(sydney!.daysOff.sort()).toEqual([6, 7]);
    expect(warsaw!.daysOff).toEqual([7]);
    expect(sydney!.holidays).toEqual([]); // an empty list means none, not the defaults
    expect(closed!.holidays).toEqual([{ kind: 'country', country: 'PL' }]);
    expect(berlin!.crm).toEqual({ lookup: true, unknownCaller: 'lead', queue: [1, 7], notify: 'first', language: 'pl' });
    expect(berlin!.hours[1]).toEqual([{ start: 510, end: 1080 }]);
    expect(config.forwarding).toEqual({ endpoint: 'PJSIP/{number}@trunk', allowCountries: ['PL', 'DE'] });
  });

  it('holidays have no horizon: rules are kept, not dates for the years around "now"', () => {
    const dir = new NumberDirectory(config, zones);
    const isHoliday = (did: string, date: string) => dir.get(did)!.schedule.holidays.isHoliday(parseIsoDate(date)!);
    for (const y of [2020, 2026, 2031, 2045, 2199]) expect(isHoliday(warsaw!.did, `${y}-12-25`)).toBe(true);
    expect(isHoliday(warsaw!.did, '2045-12-27')).toBe(false);
    expect(isHoliday(berlin!.did, '2026-01-06')).toBe(true); // BY state holiday
    expect(isHoliday(berlin!.did, '2041-01-06')).toBe(true);
  });

  it('hours {} is always closed, and nothing ever changes', () => {
    const dir = new NumberDirectory(config, zones);
    expect(decide(dir.get('+48585551234')!.schedule, undefined, NOW)).toEqual({ open: false, reason: 'day-off', nextChange: null });
    expect(dir.get('+48 58 555 12 34')).toBeUndefined(); // the directory is keyed by E.164 only
  });
});

describe('crm.source: the lead source of a number', () => {
  const text = `defaults:
  region: PL
  timezone: Europe/Warsaw
  hours: { mon-fri: "09:00-17:00" }
  crm: { queue: [1], source: CALL }
numbers:
  - did: "+48 22 123 45 67"
  - did: "+48 22 123 45 68"
    crm: { source: "2" }
`;

  it("a number inherits the defaults' source or names its own", () => {
    const { config } = ok(loadConfigText(join(FIXTURES, 'source.yaml'), text, { now: NOW }));
    expect(config.numbers.map((n) => n.crm.source)).toEqual(['CALL', '2']);
  });

  it('refuses a source that is no source id, with its line', () => {
    const r = loadConfigText(join(FIXTURES, 'source.yaml'), text.replace('source: CALL', 'source: "a b"'), { now: NOW });
    expect(r.ok).toBe(false);
    expect(JSON.stringify(!r.ok && r.errors)).toMatch(/crm.*source|source.*pattern/i);
  });
});

describe('numbers with the same hours and holidays', () => {
  // The loader and the directory share parsed hours, holiday days and weekly tables between
  // numbers written alike; what differs per number must stay per number.
  const text = `defaults:
  region: PL
  timezone: Europe/Warsaw
  hours: { mon-fri: "09:00-17:00" }
  holidays: [2026-11-12]
numbers:
  - did: "+48 22 123 45 67"
  - did: "+48 22 123 45 68"
    daysOff: [mon]
  - did: "+48 22 123 45 69"
    hours: { mon-fri: "09:00-17:00" }
    holidays: [2026-11-12]
    timezone: America/New_York
  - did: "+48 22 123 45 70"
    hours: { mon-fri: "09:00-17:00" }
    holidays: [2026-11-13]
`;
  const { config, zones } = ok(loadConfigText(join(FIXTURES, 'alike.yaml'), text, { now: NOW }));
  const dir = new NumberDirectory(config, zones);
  const state = (did: string, iso: string) => decide(dir.get(did)!.schedule, undefined, Date.parse(iso)).reason;

  it('share the parsed values', () => {
    const [a, b, c, d] = config.numbers;
    expect(c!.hours).toBe(a!.hours);
    expect(d!.hours).toBe(a!.hours);
    expect(b!.holidays).toBe(a!.holidays);
    const cal = (n: typeof a) => dir.get(n!.did)!.schedule.holidays;
    expect(cal(b)).toBe(cal(a)); // one calendar, its years expanded once
    expect(cal(c)).not.toBe(cal(a)); // another zone: its own calendar
    expect(cal(d)).not.toBe(cal(a));
  });

  it('still decide by their own days off, zone and holidays', () => {
    expect(state('+48221234567', '2026-11-16T10:00:00+01:00')).toBe('working-hours'); // Monday
    expect(state('+48221234568', '2026-11-16T10:00:00+01:00')).toBe('day-off');
    expect(state('+48221234569', '2026-11-16T10:00:00+01:00')).toBe('outside-hours'); // 04:00 in New York
    expect(state('+48221234567', '2026-11-12T10:00:00+01:00')).toBe('holiday');
    expect(state('+48221234570', '2026-11-12T10:00:00+01:00')).toBe('working-hours');
    expect(state('+48221234570', '2026-11-13T10:00:00+01:00')).toBe('holiday');
  });
});

describe('dispositionFor: what happens to a call', () => {
  const { config } = ok(loadConfig(join(FIXTURES, 'valid.yaml'), { now: NOW }));
  const [warsaw, berlin, sydney] = config.numbers;

  it('open: continue, whatever the after-hours action', () => {
    expect(dispositionFor({ open: true, reason: 'working-hours' }, berlin!.afterHours)).toEqual({
      kind: 'continue',
      reason: 'working-hours',
    });
    expect(dispositionFor({ open: true, reason: 'override' }, warsaw!.afterHours)).toEqual({ kind: 'continue', reason: 'override' });
  });

  it('closed: voicemail, forward with its fallback, hangup', () => {
    expect(dispositionFor({ open: false, reason: 'holiday' }, warsaw!.afterHours)).toMatchObject({
      kind: 'voicemail',
      reason: 'holiday',
      voicemail: { maxSeconds: 90 },
    });
    expect(dispositionFor({ open: false, reason: 'outside-hours' }, berlin!.afterHours)).toMatchObject({
      kind: 'forward',
      forward: { to: '+48601234567' },
      fallback: { kind: 'hangup', hangup: { cause: 'congestion' } },
    });
    expect(dispositionFor({ open: false, reason: 'day-off' }, sydney!.afterHours)).toMatchObject({ kind: 'hangup', reason: 'day-off' });
  });

  it('forward without a target falls back to voicemail', () => {
    expect(dispositionFor({ open: false, reason: 'day-off' }, { ...warsaw!.afterHours, action: 'forward' })).toMatchObject({
      kind: 'voicemail',
    });
  });
});

describe('phone numbers', () => {
  it.each([
    ['+48 22 123 45 67', undefined, '+48221234567'],
    ['22 123 45 67', 'PL', '+48221234567'],
    ['0048 22 123 45 67', 'PL', '+48221234567'],
    ['(030) 901820', 'DE', '+4930901820'],
    ['+1 212-555-0123', 'PL', '+12125550123'],
  ])('normaliseNumber(%j, %s) is %s', (raw, region, e164) => {
    expect(normaliseNumber(raw, region)).toMatchObject({ ok: true, e164 });
  });

  it('refuses empty, non-numbers and impossible numbers', () => {
    expect(normaliseNumber('  ')).toEqual({ ok: false, error: 'empty phone number' });
    expect(normaliseNumber('abc', 'PL').ok).toBe(false);
    expect(normaliseNumber('+48 123').ok).toBe(false);
  });

  it.each([
    ['+48 601 234 567', [], true],
    ['+49 800 1234567', [], true], // toll-free is fine
    ['+48 801 123 456', [], false], // shared cost
    ['+33 810 123 456', [], false], // shared cost
    ['+44 845 123 4567', [], false], // premium rate
    ['+48700123456', [], false],
    ['+4915112345678', ['PL'], false],
    ['+4915112345678', ['PL', 'DE'], true],
    ['601 234 567', [], false],
  ])('checkForwardTarget(%j, %j) ok=%s', (raw, allow, expected) => {
    expect(checkForwardTarget(raw, allow as string[]).ok).toBe(expected);
  });
});
