// The daemon's ARI connection breaking the ways networks break, on the real stack.
import { join } from 'node:path';
import { once } from 'node:events';
import WebSocket from 'ws';
import { observeAri, playbackOf } from '../support/ariObserver';
import { eventually, startDaemon, writeConfig, type RunningDaemon } from '../support/daemon';
import { call, startUas } from '../support/sipp';
import { ariPassword, ariPort, ariUser, officePort, repoRoot, uniqueDid, uniquePrefix } from '../support/stackEnv';
import { startTcpProxy, type TcpProxy } from '../support/tcpProxy';

/** A 2 s tone: long enough to cut the connection while it plays, short enough not to wait for. */
const announcement = join(repoRoot, 'test', 'fixtures', 'sounds', 'two-second-tone.wav');

describe('ARI connection faults', () => {
  const did = uniqueDid();
  const announced = uniqueDid();
  let proxy: TcpProxy;
  let daemon: RunningDaemon;

  beforeAll(async () => {
    proxy = await startTcpProxy(ariPort);
    const file = writeConfig(
      `defaults: { region: PL, timezone: Europe/Warsaw }\nnumbers:\n  - { did: "${did}", hours: {}, afterHours: { action: hangup } }\n` +
        `  - { did: "${announced}", hours: {}, afterHours: { action: hangup, hangup: { announcement: "${announcement}" } } }\n`,
    );
    daemon = await startDaemon({
      configFile: file,
      prefix: uniquePrefix('arifault'),
      env: { ARI_URL: `http://127.0.0.1:${proxy.port}`, ARI_HEARTBEAT_MS: '500' },
    });
    await daemon.waitHealthy();
  });

  afterAll(async () => {
    await daemon?.stop();
    await proxy?.close();
  });

  /** after_hours_ari_reconnects_total: registrations after a loss. */
  const reconnects = async () =>
    Number(/^after_hours_ari_reconnects_total (\d+)$/m.exec(await (await fetch(`http://127.0.0.1:${daemon.port}/metrics`)).text())?.[1]);

  test('a reset connection: calls take the dialplan fallback meanwhile, then the daemon is back', async () => {
    expect((await call({ to: did, expect: 486 })).finalCode).toBe(486);
    expect(await reconnects()).toBe(0);
    proxy.refuse();
    proxy.cut();
    expect(await eventually(async () => (await daemon.health())?.ready === false, 10_000)).toBe(true);
    const office = await startUas({ behaviour: 'busy', port: officePort });
    try {
      // No app registered: Stasis() fails and the dialplan rings the office (busy here).
      const r = await call({ to: did, expect: 486 });
      expect((await office.waitForInvites(1))[0]!.user).toBe(did);
      expect(r.finalCode).toBe(486);
    } finally {
      await office.stop();
    }
    proxy.allow();
    expect(await eventually(async () => (await daemon.health())?.ready === true, 15000, 100)).toBe(true);
    expect(await reconnects()).toBe(1);
    const office2 = await startUas({ behaviour: 'answer', port: officePort });
    try {
      expect((await call({ to: did, expect: 486 })).finalCode).toBe(486);
      // The daemon rejected it: the office never rang.
      expect(office2.report().invites).toHaveLength(0);
    } finally {
      await office2.stop();
    }
  });

  test('a silently dead connection is noticed by the heartbeat and replaced', async () => {
    const before = proxy.connections();
    expect(before).toBeGreaterThan(0);
    proxy.freeze();
    expect(await eventually(async () => (await daemon.health())?.ari !== 'registered', 10_000, 100)).toBe(true);
    proxy.allow();
    expect(await eventually(async () => (await daemon.health())?.ready === true, 15000, 100)).toBe(true);
    expect(await reconnects()).toBe(2);
    expect((await call({ to: did, expect: 486 })).finalCode).toBe(486);
  });

  test('an announcement that ends while the connection is down: after the reconnect the call goes on (its lost event is not waited for)', async () => {
    const before = await reconnects();
    // Asterisk's events seen from the side (not through the proxy): the playback's start and end.
    const observer = await observeAri();
    const media = announcement.replace(/\.wav$/, '');
    let r: Awaited<ReturnType<typeof call>>;
    try {
      // The 2 s announcement, played as early media.
      const pending = call({ to: announced, expect: 486, earlyMedia: true, timeoutMs: 60_000 });
      await observer.waitFor(playbackOf('PlaybackStarted', media));
      proxy.refuse();
      proxy.cut();
      // The announcement ends during the gap: its PlaybackFinished goes nowhere.
      await observer.waitFor(playbackOf('PlaybackFinished', media));
      proxy.allow();
      r = await pending;
    } finally {
      await observer.close();
    }
    expect(r.finalCode).toBe(486);
    expect(r.codes).toContain(183);
    expect(await reconnects()).toBe(before + 1);
    // The call was not left to the playback limit (120 s): the call ended within the caller's timeout.
    expect(daemon.logs()).not.toMatch(/playback did not finish in time/);
  });

  test('the connection breaks before the play request’s answer arrives: the announcement Asterisk plays is waited for, then the reject', async () => {
    const before = await reconnects();
    const observer = await observeAri();
    const media = announcement.replace(/\.wav$/, '');
    let r: Awaited<ReturnType<typeof call>>;
    try {
      // What Asterisk sends the daemon arrives 300 ms late: the playback has started (seen from the
      // side) before the daemon has the answer to its request, and the cut loses that answer.
      proxy.delayAnswers(300);
      const pending = call({ to: announced, expect: 486, earlyMedia: true, timeoutMs: 60_000 });
      await observer.waitFor(playbackOf('PlaybackStarted', media));
      proxy.refuse();
      proxy.cut();
      proxy.delayAnswers(0);
      await observer.waitFor(playbackOf('PlaybackFinished', media));
      proxy.allow();
      r = await pending;
    } finally {
      proxy.delayAnswers(0);
      await observer.close();
    }
    expect(r.finalCode).toBe(486);
    expect(r.codes).toContain(183);
    expect(await reconnects()).toBe(before + 1);
    expect(daemon.logs()).toMatch(/the answer to a playback request was lost; waiting for the playback/);
  });

  test('ApplicationReplaced: another connection taking the app name makes the daemon report it', async () => {
    // The events WebSocket for the daemon's app name, as any ARI client opens it.
    const intruder = new WebSocket(
      `ws://127.0.0.1:${ariPort}/ari/events?app=after-hours&api_key=${encodeURIComponent(`${ariUser}:${ariPassword}`)}`,
    );
    await once(intruder, 'open');
    try {
      expect(await eventually(async () => (await daemon.health())?.ari === 'replaced', 10_000)).toBe(true);
      expect((await daemon.health())?.ready).toBe(false);
    } finally {
      // Closed before the file ends (ari-client's stop() did not wait: the socket outlived the file).
      const closed = once(intruder, 'close');
      intruder.close();
      await closed;
    }
  });
});
