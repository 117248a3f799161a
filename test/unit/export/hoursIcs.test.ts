import ical, { type VEvent } from 'node-ical';
import { loadConfigText } from '../../../src/config/load';
import { buildHoursIcs, feedWindow, hoursIcs } from '../../../src/export/hoursIcs';
import { explainDecision } from '../../../src/policy/decisionReport';
import { NumberDirectory } from '../../../src/schedule/directory';
import type { Override } from '../../../src/schedule/types';
import { mulberry32 } from '../../support/seededRandom';

// The iCalendar feed as a calendar app reads it (node-ical), against the engine's own answer
// (explainDecision: what `check` and GET /decision print) at random instants of its window.

const YAML = `
defaults:
  region: PL
numbers:
  - did: "+48 22 123 45 67"
    name: "Warsaw office; main, 24h"
    timezone: Europe/Warsaw
    hours:
      mon-thu: ["08:00-12:00", "13:00-17:00"]
      fri: ["08:00-12:00", "22:00-06:00"]
      sat: "10:00-14:00"
    daysOff: [sun]
    holidays: [2027-03-30, { country: PL }]
`;

const loaded = loadConfigText('/virtual/after-hours.yaml', YAML, { now: Date.UTC(2027, 2, 1) });
if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
const dir = new NumberDirectory(loaded.config, loaded.zones);
const entry = dir.get('+48221234567')!;

// 2027-03-15 (Monday): four weeks hold the change to summer time (28 March), the holiday of
// 30 March and Easter Monday (29 March), and a scheduled closure with an open hour inside it.
const NOW = Date.parse('2027-03-15T10:17:00+01:00');
const overrides: Override[] = [
  { state: 'closed', from: Date.parse('2027-03-19T09:00:00+01:00'), until: Date.parse('2027-03-19T11:00:00+01:00'), setAt: NOW },
  { state: 'open', from: Date.parse('2027-03-19T09:30:00+01:00'), until: Date.parse('2027-03-19T10:00:00+01:00'), setAt: NOW + 1 },
  { state: 'open', from: Date.parse('2027-03-21T12:00:00+01:00'), until: Date.parse('2027-03-21T13:00:00+01:00'), setAt: NOW },
];

interface Parsed {
  uid: string;
  summary: string;
  start: Date;
  end: Date;
}

function events(text: string): Parsed[] {
  return Object.values(ical.sync.parseICS(text))
    .filter((c): c is VEvent => c?.type === 'VEVENT')
    .map((e) => ({ uid: e.uid, summary: String(e.summary), start: e.start, end: e.end! }));
}

describe('the hours feed', () => {
  const feed = hoursIcs(entry, overrides, { now: NOW, weeks: 4 });
  const parsed = events(feed.ics);

  it("starts at the start of today in the number's zone and lasts four weeks of local days", () => {
    expect(new Date(feed.from).toISOString()).toBe('2027-03-14T23:00:00.000Z');
    expect(new Date(feed.to).toISOString()).toBe('2027-04-11T22:00:00.000Z'); // summer time by then
    expect(parsed.length).toBe(feed.intervals.length);
    expect(parsed.length).toBeGreaterThan(30);
  });

  it('agrees with the engine (check) at 100 random instants of the window, and at every edge', () => {
    const rng = mulberry32(11);
    const openInFeed = (t: number) => parsed.some((e) => e.start.getTime() <= t && t < e.end.getTime());
    const instants = Array.from({ length: 100 }, () => feed.from + Math.floor(rng() * (feed.to - feed.from)));
    for (const e of parsed) instants.push(e.start.getTime(), e.end.getTime() - 1, e.end.getTime());
    for (const t of instants.filter((x) => x < feed.to)) {
      expect([new Date(t).toISOString(), openInFeed(t)]).toEqual([new Date(t).toISOString(), explainDecision(entry, overrides, t).open]);
    }
  });

  it('has the DST change, the holidays and the overrides in it', () => {
    const spans = parsed.map((e) => `${e.start.toISOString()} ${e.end.toISOString()}`);
    // The Friday night range, the last before the change to summer time (22:00-06:00 CET).
    expect(spans).toContain('2027-03-26T21:00:00.000Z 2027-03-27T05:00:00.000Z');
    // Saturday 27 March 10-14 CET; Tuesday 6 April 08-12 CEST (after the change, UTC+2).
    expect(spans).toContain('2027-03-27T09:00:00.000Z 2027-03-27T13:00:00.000Z');
    expect(spans).toContain('2027-04-06T06:00:00.000Z 2027-04-06T10:00:00.000Z');
    // Easter Monday (PL public holiday) and 30 March (a date): nothing.
    expect(parsed.filter((e) => e.start.toISOString().startsWith('2027-03-29') || e.start.toISOString().startsWith('2027-03-30'))).toEqual(
      [],
    );
    // Friday 19 March: closed 09-11 but for the open half hour; Sunday 21 March opened 12-13.
    expect(spans).toContain('2027-03-19T07:00:00.000Z 2027-03-19T08:00:00.000Z');
    expect(spans).toContain('2027-03-19T08:30:00.000Z 2027-03-19T09:00:00.000Z');
    expect(spans).toContain('2027-03-19T10:00:00.000Z 2027-03-19T11:00:00.000Z');
    expect(spans).toContain('2027-03-21T11:00:00.000Z 2027-03-21T12:00:00.000Z');
  });

  it('is a valid calendar: PRODID, refresh hints, UTC times, escaped and folded text', () => {
    const lines = feed.ics.split('\r\n');
    expect(lines[0]).toBe('BEGIN:VCALENDAR');
    expect(feed.ics.endsWith('END:VCALENDAR\r\n')).toBe(true);
    expect(lines).toContain('PRODID:-//after-hours//opening hours//EN');
    expect(lines).toContain('REFRESH-INTERVAL;VALUE=DURATION:PT60M');
    expect(lines).toContain('X-WR-TIMEZONE:Europe/Warsaw');
    expect(lines.every((l) => Buffer.byteLength(l) <= 75)).toBe(true);
    expect(lines.filter((l) => l.startsWith('DTSTART')).every((l) => /^DTSTART:\d{8}T\d{6}Z$/.test(l))).toBe(true);
    expect(feed.ics).toContain('SUMMARY:Open: Warsaw office\\; main\\, 24h');
    expect(parsed[0]!.summary).toBe('Open: Warsaw office; main, 24h');
    expect(new Set(parsed.map((e) => e.uid)).size).toBe(parsed.length);
  });

  it("keeps each interval's UID from one fetch to the next (later today, and tomorrow)", () => {
    const uids = (now: number) =>
      new Map(events(hoursIcs(entry, overrides, { now, weeks: 4 }).ics).map((e) => [e.start.toISOString(), e.uid]));
    const first = uids(NOW);
    for (const later of [NOW + 5 * 3_600_000, NOW + 86_400_000]) {
      const again = uids(later);
      let shared = 0;
      for (const [start, uid] of again)
        if (first.has(start)) {
          expect(uid).toBe(first.get(start));
          shared++;
        }
      expect(shared).toBeGreaterThan(25);
    }
  });

  it("an interval open across the window's start is named by its end", () => {
    const window = feedWindow('Europe/Warsaw', NOW, 1);
    const ics = buildHoursIcs(entry.number, [{ start: window.from, end: window.from + 3_600_000 }], { now: NOW, from: window.from });
    expect(ics).toContain('UID:open-48221234567-until-20270315T000000Z@after-hours');
  });

  it('refuses weeks out of range', () => {
    expect(() => hoursIcs(entry, undefined, { now: NOW, weeks: 53 })).toThrow(/weeks must be a whole number from 1 to 52/);
    expect(() => hoursIcs(entry, undefined, { now: NOW, weeks: 0 })).toThrow(/weeks/);
  });
});
