// Years without a restart: the real daemon runs under libfaketime (Debian's faketime), whose
// clock this test moves while the daemon runs. A configuration pushed today must decide a
// 2031 Polish public holiday and a 2035 iCalendar closure correctly, on real calls, without
// a restart or a re-push.
import { fakeClock, type FakeClock } from '../support/fakeClock';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { parseEvent } from '../../src/events/validate';
import { eventually, runCli, startDaemon, writeConfig, type RunningDaemon } from '../support/daemon';
import { call, startUas } from '../support/sipp';
import { officePort, redisUrl, repoRoot, uniqueDid, uniquePrefix } from '../support/stackEnv';

describe('a daemon started in 2026 decides 2031 and 2035 without a restart or a re-push', () => {
  const prefix = uniquePrefix('years');
  const did = uniqueDid();
  let daemon: RunningDaemon;
  let redis: Redis;
  let clock: FakeClock;
  /** Moves the daemon's wall clock (UTC) while it runs. */
  const setClock = (utc: string) => clock.set(utc);

  beforeAll(async () => {
    redis = new Redis(redisUrl);
    const ics = join(repoRoot, 'test', 'fixtures', 'ics', 'yearly-exdate.ics');
    const configFile = writeConfig(
      [
        'defaults: { region: PL, timezone: Europe/Warsaw }',
        'numbers:',
        `  - did: "${did}"`,
        '    hours: { mon-fri: "09:00-17:00" }',
        `    holidays: [{ country: PL }, { ics: "${ics}" }]`,
        '    afterHours: { action: hangup, hangup: { cause: busy } }',
        '',
      ].join('\n'),
    );
    // Pushed with today's clock: what is stored must not be "the next two years".
    const pushed = runCli(['push', '--config', configFile], { REDIS_PREFIX: prefix });
    expect(pushed.stderr).toBe('');
    expect(pushed.status).toBe(0);
    clock = fakeClock('2026-12-01 09:00:00'); // Tuesday 10:00 in Warsaw
    daemon = await startDaemon({ configFile, prefix, env: clock.env });
    await daemon.waitHealthy();
  });

  afterAll(async () => {
    await daemon?.stop();
    redis?.disconnect();
  });

  test('the daemon runs on the faked clock, with the pushed version', async () => {
    const d = await daemon.decision(did);
    expect(d).toMatchObject({ open: true, reason: 'working-hours', configVersion: 1 });
  });

  test('Easter Monday 2031: closed as a holiday, on a real call; the next day rings the office', async () => {
    setClock('2031-04-14 08:05:00'); // Monday 10:05 CEST
    expect(await daemon.decision(did)).toMatchObject({ open: false, reason: 'holiday', action: 'hangup' });
    const r = await call({ to: did, expect: 486 });
    expect(r.finalCode).toBe(486);
    expect(r.sent200).toBe(false);
    const events = async () => (await redis.xrange(`${prefix}events`, '-', '+')).map(([, f]) => parseEvent(f[f.indexOf('event') + 1]!));
    expect(await eventually(async () => (await events()).length > 0, 10_000)).toBe(true);
    const [ev] = await events();
    if (!ev?.ok) throw new Error(`bad event: ${JSON.stringify(ev)}`);
    expect(ev.event.reason).toBe('holiday');
    expect(ev.event.time).toMatch(/^2031-04-14T10:0[5-9]:.*\+02:00$/); // the daemon's own (faked) clock, in the number's zone

    setClock('2031-04-15 08:05:00'); // Tuesday
    expect(await daemon.decision(did)).toMatchObject({ open: true, reason: 'working-hours' });
    const office = await startUas({ behaviour: 'answer', port: officePort });
    try {
      const open = await call({ to: did, expect: 200, talkMs: 300 });
      expect(open.finalCode).toBe(200);
      expect((await office.waitForInvites(1))[0]!.user).toBe(did);
    } finally {
      await office.stop();
    }
  });

  test("2035: the iCalendar file's yearly closure (12 June) and Christmas, years past any load window", async () => {
    setClock('2035-06-12 08:05:00'); // Tuesday
    expect(await daemon.decision(did)).toMatchObject({ open: false, reason: 'holiday' });
    setClock('2035-06-13 08:05:00');
    expect(await daemon.decision(did)).toMatchObject({ open: true, reason: 'working-hours' });
    setClock('2035-12-25 09:05:00'); // Tuesday
    expect(await daemon.decision(did)).toMatchObject({ open: false, reason: 'holiday' });
    expect((await daemon.health())?.config).toBe('version 1, 1 numbers');
  });
});
