// The week view and the calendar feed through the console: intervals in the number's and the
// viewer's zone, overrides applied; a viewer token in the feed's URL, no other.
import ical from 'node-ical';
import { startRedisServer } from '../../support/redisServer';
import { CLOSED_DID, OPEN_DID, useConsoleHarness, type Harness } from './harness';

jest.setTimeout(30_000);

const harness = useConsoleHarness(startRedisServer);
let h: Harness;
beforeEach(() => {
  h = harness();
});

const enc = encodeURIComponent;
const HOUR = 3600_000;

describe('week view', () => {
  it("covers 7 days from today in both zones; a scheduled closure cuts the always-open number's interval", async () => {
    const op = await h.token('olga', 'operator');
    const plain = (await h.call({ method: 'GET', url: `/api/numbers/${enc(OPEN_DID)}/week`, token: op })).json();
    expect(plain.viewerZone).toBe('Europe/Warsaw');
    expect(Date.parse(plain.to) - Date.parse(plain.from)).toBeGreaterThanOrEqual(7 * 24 * HOUR - HOUR);
    expect(plain.intervals).toEqual([{ start: plain.from, end: plain.to }]);

    const from = Math.ceil((h.clock.now + 2 * HOUR) / 60_000) * 60_000;
    await h.call({
      method: 'POST',
      url: `/api/numbers/${enc(OPEN_DID)}/overrides`,
      token: op,
      payload: { state: 'closed', from: new Date(from).toISOString(), until: new Date(from + 2 * HOUR).toISOString() },
    });
    const week = (await h.call({ method: 'GET', url: `/api/numbers/${enc(OPEN_DID)}/week?zone=America/New_York`, token: op })).json();
    expect(week.viewerZone).toBe('America/New_York');
    expect(week.intervals).toEqual([
      { start: week.from, end: new Date(from).toISOString() },
      { start: new Date(from + 2 * HOUR).toISOString(), end: week.to },
    ]);
    const closed = (await h.call({ method: 'GET', url: `/api/numbers/${enc(CLOSED_DID)}/week`, token: op })).json();
    expect(closed.intervals).toEqual([]);
  });

  it('refuses a zone that is not IANA (400)', async () => {
    const viewer = await h.token('vera', 'viewer');
    const res = await h.call({ method: 'GET', url: `/api/numbers/${enc(OPEN_DID)}/week?zone=Mars/Olympus`, token: viewer });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toBe('zone "Mars/Olympus" is not an IANA time zone (e.g. Europe/Warsaw)');
  });
});

describe('calendar feed', () => {
  it('serves text/calendar to a viewer token in the URL; node-ical reads one event per open interval', async () => {
    const viewer = await h.token('cal', 'viewer');
    const res = await h.call({ method: 'GET', url: `/numbers/${enc(OPEN_DID)}/hours.ics?token=${viewer}&weeks=1` });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/calendar; charset=utf-8');
    const events = Object.values(ical.sync.parseICS(res.body)).filter((c) => c?.type === 'VEVENT');
    expect(events).toHaveLength(1);
    const closed = await h.call({ method: 'GET', url: `/numbers/${enc(CLOSED_DID)}/hours.ics?token=${viewer}` });
    expect(Object.values(ical.sync.parseICS(closed.body)).filter((c) => c?.type === 'VEVENT')).toHaveLength(0);
  });

  it('refuses an operator or admin token in the URL (403), an unknown or missing one (401), bad weeks (400)', async () => {
    const op = await h.token('olga', 'operator');
    const viewer = await h.token('cal', 'viewer');
    const url = (q: string) => `/numbers/${enc(OPEN_DID)}/hours.ics${q}`;
    const leaked = await h.call({ method: 'GET', url: url(`?token=${op}`) });
    expect(leaked.statusCode).toBe(403);
    expect(leaked.json().error).toContain('only a viewer token may be put in a URL');
    expect((await h.call({ method: 'GET', url: url('?token=aht_wrong') })).statusCode).toBe(401);
    expect((await h.call({ method: 'GET', url: url('') })).statusCode).toBe(401);
    expect((await h.call({ method: 'GET', url: url(`?token=${viewer}&weeks=0`) })).statusCode).toBe(400);
    expect((await h.call({ method: 'GET', url: url(''), token: op })).statusCode).toBe(200);
    // The token in the URL is only for this feed: the API refuses it there.
    expect((await h.call({ method: 'GET', url: `/api/numbers?token=${viewer}` })).statusCode).toBe(401);
  });
});
