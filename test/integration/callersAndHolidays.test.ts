// Callers that bypass the schedule or are always rejected, and per-holiday actions, on real
// calls: a VIP reaches the office on a closed number while another caller gets the closed
// action; a blocked caller is rejected with its cause on an open number; on 24 December
// (the daemon's clock injected with libfaketime, as in years.test.ts) the Christmas
// announcement plays as early media, on another closed weekday the weekday one.
import { fakeClock, type FakeClock } from '../support/fakeClock';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { eventually, startDaemon, writeConfig, type RunningDaemon } from '../support/daemon';
import { call, startUas } from '../support/sipp';
import { officePort, redisUrl, repoRoot, uniqueDid, uniquePrefix } from '../support/stackEnv';
import { streamEvents } from '../support/streamEvents';

const sounds = join(repoRoot, 'test', 'fixtures', 'sounds');

async function decisionFor(daemon: RunningDaemon, did: string, caller: string): Promise<Record<string, unknown>> {
  const res = await fetch(
    `http://127.0.0.1:${daemon.decisionPort}/decision?did=${encodeURIComponent(did)}&caller=${encodeURIComponent(caller)}`,
  );
  return (await res.json()) as Record<string, unknown>;
}

describe('callers that bypass the schedule and callers that are blocked, on real calls', () => {
  const prefix = uniquePrefix('callers');
  const closed = uniqueDid();
  const open = uniqueDid();
  const vip = '48601100200';
  let daemon: RunningDaemon;
  let redis: Redis;

  beforeAll(async () => {
    redis = new Redis(redisUrl);
    const configFile = writeConfig(
      [
        'defaults: { region: PL, timezone: Europe/Warsaw }',
        'numbers:',
        `  - { did: "${closed}", hours: {}, afterHours: { action: hangup, hangup: { cause: busy } }, callers: { bypass: ["+48 601 100 200"] } }`,
        `  - { did: "${open}", hours: "00:00-24:00", afterHours: { action: hangup }, callers: { block: [{ number: "+48603", cause: rejected }] } }`,
        '',
      ].join('\n'),
    );
    daemon = await startDaemon({ configFile, prefix });
    await daemon.waitHealthy();
  });

  afterAll(async () => {
    await daemon?.stop();
    redis?.disconnect();
  });

  test('a VIP caller reaches the office on a closed number; another caller gets the closed action', async () => {
    expect(await decisionFor(daemon, closed, `+${vip}`)).toMatchObject({
      open: false,
      action: 'continue',
      caller: { number: `+${vip}`, rule: 'bypass', entry: `+${vip}` },
    });
    const office = await startUas({ behaviour: 'answer', port: officePort });
    try {
      const r = await call({ to: closed, from: vip, expect: 200, talkMs: 300 });
      expect(r.finalCode).toBe(200);
      expect((await office.waitForInvites(1))[0]!.user).toBe(closed);
    } finally {
      await office.stop();
    }
    const other = await call({ to: closed, from: '48602100200', expect: 486 });
    expect(other.finalCode).toBe(486);
    expect(other.sent200).toBe(false);
    expect(await eventually(async () => (await streamEvents(redis, prefix)).some((e) => e.did === closed), 10_000)).toBe(true);
    // Only the other caller's call is an after-hours event: the VIP's call was routed normally.
    const events = (await streamEvents(redis, prefix)).filter((e) => e.did === closed);
    expect(events.map((e) => [e.caller, e.reason, e.action, e.outcome])).toEqual([
      ['+48602100200', 'day-off', 'hangup', { kind: 'rejected', cause: 'busy' }],
    ]);
  });

  test('a blocked caller is rejected with its cause on an open number, with an event; others ring the office', async () => {
    expect(await decisionFor(daemon, open, '+48 603 100 200')).toMatchObject({
      open: true,
      action: 'hangup',
      caller: { number: '+48603100200', rule: 'block', entry: '+48603', cause: 'rejected' },
    });
    const r = await call({ to: open, from: '48603100200', expect: 403 });
    expect(r.finalCode).toBe(403);
    expect(r.sent200).toBe(false);
    expect(await eventually(async () => (await streamEvents(redis, prefix)).some((e) => e.did === open), 10_000)).toBe(true);
    const event = (await streamEvents(redis, prefix)).find((e) => e.did === open)!;
    expect(event).toMatchObject({
      caller: '+48603100200',
      reason: 'caller-blocked',
      action: 'hangup',
      outcome: { kind: 'rejected', cause: 'rejected' },
    });
    const office = await startUas({ behaviour: 'answer', port: officePort });
    try {
      const ok = await call({ to: open, from: '48600100200', expect: 200, talkMs: 300 });
      expect(ok.finalCode).toBe(200);
      expect((await office.waitForInvites(1))[0]!.user).toBe(open);
    } finally {
      await office.stop();
    }
  });
});

describe('a holiday with its own announcement, on 24 December (injected time) and on a closed weekday', () => {
  const prefix = uniquePrefix('xmas');
  const did = uniqueDid();
  let clock: FakeClock;
  const setClock = (utc: string) => clock.set(utc);
  let daemon: RunningDaemon;
  let redis: Redis;

  beforeAll(async () => {
    redis = new Redis(redisUrl);
    // Told apart by cause: Christmas rejects with 403 after its announcement, the weekday night with 486 after its own.
    const configFile = writeConfig(
      [
        'defaults: { region: PL, timezone: Europe/Warsaw }',
        'numbers:',
        `  - did: "${did}"`,
        '    hours: { mon-fri: "09:00-17:00" }',
        `    holidays: [{ date: 12-24, name: Christmas Eve, afterHours: { action: hangup, hangup: { cause: rejected, announcement: "${join(sounds, 'short-greeting.wav')}" } } }]`,
        `    afterHours: { action: hangup, hangup: { cause: busy, announcement: "${join(sounds, 'short-announcement.wav')}" } }`,
        '',
      ].join('\n'),
    );
    clock = fakeClock('2026-12-24 10:00:00'); // Thursday 11:00 in Warsaw: working hours, but Christmas Eve
    daemon = await startDaemon({ configFile, prefix, env: clock.env });
    await daemon.waitHealthy();
  });

  afterAll(async () => {
    await daemon?.stop();
    redis?.disconnect();
  });

  test('24 December: the Christmas announcement as early media (183), then its own code; the event names the holiday', async () => {
    expect(await daemon.decision(did)).toMatchObject({
      open: false,
      reason: 'holiday',
      action: 'hangup',
      holiday: { rule: 0, name: 'Christmas Eve' },
      policy: 'holiday',
    });
    const r = await call({ to: did, expect: 403, earlyMedia: true });
    expect(r.codes).toContain(183);
    expect(r.finalCode).toBe(403);
    expect(r.sent200).toBe(false);
    expect(r.codes.indexOf(183)).toBeLessThan(r.codes.indexOf(403));
    expect(await eventually(async () => (await streamEvents(redis, prefix)).length > 0, 10_000)).toBe(true);
    const [event] = await streamEvents(redis, prefix);
    expect(event).toMatchObject({
      reason: 'holiday',
      holiday: { name: 'Christmas Eve' },
      action: 'hangup',
      outcome: { kind: 'rejected', cause: 'rejected' },
    });
    expect(event!.time).toMatch(/^2026-12-24T11:0\d:.*\+01:00$/);
  });

  test('another closed weekday: the weekday announcement as early media, then 486', async () => {
    setClock('2026-12-22 20:00:00'); // Tuesday 21:00 in Warsaw
    expect(await daemon.decision(did)).toMatchObject({ open: false, reason: 'outside-hours', action: 'hangup' });
    expect(await daemon.decision(did)).not.toHaveProperty('holiday');
    const r = await call({ to: did, expect: 486, earlyMedia: true });
    expect(r.codes).toContain(183);
    expect(r.finalCode).toBe(486);
    expect(r.sent200).toBe(false);
    expect(await eventually(async () => (await streamEvents(redis, prefix)).length > 1, 10_000)).toBe(true);
    const events = await streamEvents(redis, prefix);
    expect(events[1]).toMatchObject({ reason: 'outside-hours', outcome: { kind: 'rejected', cause: 'busy' } });
    expect(events[1]).not.toHaveProperty('holiday');
  });
});
