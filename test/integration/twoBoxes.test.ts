// Two Asterisk boxes, each with its own daemon, sharing ONE Redis (issue 13): box A is the
// shared test stack, box B the run's second stack (test/support/remoteStack: its own ports, run
// dir and entity id; its own Redis is left unused). Both daemons read the same prefix. A push and an override
// reach both daemons within a second of being written (each daemon's /decision polled), calls
// placed on both boxes are decided by the same (new) state, and every closed call's event is on
// the one stream once, naming the box it came in on (asterisk.id, ARI's asterisk_id).
import { Redis } from 'ioredis';
import { SipCaller } from '../../bench/sipCaller';
import { startSipUas, type SipUas } from '../../bench/sipUas';
import { parseEvent } from '../../src/events/validate';
import type { AfterHoursEvent } from '../../src/events/types';
import { eventually, runCli, startDaemon, writeConfig, type RunningDaemon } from '../support/daemon';
import { remoteStackPorts } from '../support/remoteStack';
import { ariPassword, ariUrl, ariUser, host, officePort, redisUrl, sipPort, uniqueDid, uniquePrefix } from '../support/stackEnv';

jest.setTimeout(240_000);

async function entityId(url: string): Promise<string> {
  const res = await fetch(`${url}/ari/asterisk/info`, {
    headers: { authorization: `Basic ${Buffer.from(`${ariUser}:${ariPassword}`).toString('base64')}` },
  });
  const info = (await res.json()) as { system: { entity_id: string } };
  return info.system.entity_id;
}

interface Box {
  name: string;
  daemon: RunningDaemon;
  caller: SipCaller;
  office: SipUas;
  entityId: string;
}

let callerSeq = 0;
/** A caller number per call, so each call's event can be found: +48 601 xxx xxx. */
const nextCaller = () => `+48601${String(100_000 + ((process.pid * 7 + callerSeq++) % 900_000)).padStart(6, '0')}`;

describe('two Asterisk boxes, one Redis', () => {
  const boxes: Box[] = [];
  const prefix = uniquePrefix('twoboxes');
  const redis = new Redis(redisUrl);
  const closed = uniqueDid();
  const open = uniqueDid();
  const configYaml = (cause: string) =>
    [
      'defaults: { region: PL, timezone: Europe/Warsaw }',
      'numbers:',
      `  - { did: "${closed}", hours: {}, afterHours: { action: hangup, hangup: { cause: ${cause} } } }`,
      `  - { did: "${open}", hours: "00:00-24:00", afterHours: { action: hangup } }`,
      '',
    ].join('\n');
  /** Every call placed: box, caller number, DID, final status. */
  const placed: { box: string; caller: string; did: string; status: number; officeGotIt: boolean }[] = [];

  beforeAll(async () => {
    const boxBEnv = (await remoteStackPorts()).stackEnv;
    const configFile = writeConfig(configYaml('busy'));
    const boxBAri = `http://127.0.0.1:${boxBEnv.AH_ARI_PORT}`;
    for (const [name, ari, sip, officeAt] of [
      ['A', ariUrl, sipPort, officePort],
      ['B', boxBAri, Number(boxBEnv.AH_SIP_PORT), Number(boxBEnv.AH_OFFICE_PORT)],
    ] as const) {
      const daemon = await startDaemon({ configFile, prefix, env: { ARI_URL: ari, LOG_LEVEL: 'info' } });
      const caller = new SipCaller({ host, port: sip, timeoutMs: 10_000 });
      await caller.start();
      boxes.push({ name, daemon, caller, office: await startSipUas(officeAt), entityId: await entityId(ari) });
    }
    await Promise.all(boxes.map((b) => b.daemon.waitHealthy()));
  });

  afterAll(async () => {
    for (const b of boxes) {
      b.caller.close();
      b.office.close();
      await b.daemon.stop();
    }
    redis.disconnect();
  });

  /** One call on each box to `did`; returns the final statuses, box A first. */
  async function callBoth(did: string): Promise<number[]> {
    return Promise.all(
      boxes.map(async (b) => {
        const caller = nextCaller();
        const r = await b.caller.call(did, caller);
        placed.push({ box: b.name, caller, did, status: r.status, officeGotIt: b.office.fromCount.has(caller) });
        return r.status;
      }),
    );
  }

  /** Polls both daemons' /decision until `ok` holds for both; returns the milliseconds it took. */
  async function bothSee(did: string, ok: (d: Awaited<ReturnType<RunningDaemon['decision']>>) => boolean): Promise<number> {
    const start = Date.now();
    let last: unknown;
    const seen = await eventually(
      async () => {
        try {
          return (await Promise.all(boxes.map((b) => b.daemon.decision(did)))).every(ok);
        } catch (err) {
          last = err; // a daemon between two states: asked again
          return false;
        }
      },
      5000,
      10,
    );
    if (!seen) throw new Error(`${String(last)}\n${boxes.map((b) => `box ${b.name}:\n${b.daemon.logs().slice(-3000)}`).join('\n')}`);
    return Date.now() - start;
  }

  test('the boxes are two Asterisks with their own entity ids', () => {
    expect(boxes.map((b) => b.entityId)).toEqual([expect.stringMatching(/\S/), expect.stringMatching(/\S/)]);
    expect(boxes[0]!.entityId).not.toBe(boxes[1]!.entityId);
  });

  test('calls on both boxes are decided by the same schedule: closed rejected busy, open rung at the office', async () => {
    expect(await callBoth(closed)).toEqual([486, 486]);
    expect(await callBoth(open)).toEqual([200, 200]);
    expect(placed.filter((p) => p.did === open).map((p) => p.officeGotIt)).toEqual([true, true]);
    expect(placed.filter((p) => p.did === closed).map((p) => p.officeGotIt)).toEqual([false, false]);
  });

  test('a push reaches both daemons within a second; then both boxes reject with the pushed cause', async () => {
    const before = (await boxes[0]!.daemon.decision(closed)).configVersion;
    const pushed = runCli(['push', '--config', writeConfig(configYaml('rejected'))], { REDIS_PREFIX: prefix });
    expect(pushed.stderr).toBe('');
    expect(pushed.status).toBe(0);
    const version = Number(/pushed as version (\d+)/.exec(pushed.stdout)?.[1]);
    expect(version).not.toBe(Number(before));
    const ms = await bothSee(closed, (d) => Number(d.configVersion) === version);
    console.log(`push: both daemons on version ${version} ${ms} ms after the CLI returned`);
    expect(ms).toBeLessThan(1000);
    expect(await callBoth(closed)).toEqual([403, 403]);
  });

  test('an override reaches both daemons within a second; then both boxes send the closed number to the office', async () => {
    const set = runCli(['override', 'set', '--did', closed, '--state', 'open', '--for', '1h', '--note', 'two boxes'], {
      REDIS_PREFIX: prefix,
    });
    expect(set.stderr).toBe('');
    expect(set.status).toBe(0);
    const ms = await bothSee(closed, (d) => d.open && d.reason === 'override');
    console.log(`override: both daemons open by override ${ms} ms after the CLI returned`);
    expect(ms).toBeLessThan(1000);
    expect(await callBoth(closed)).toEqual([200, 200]);
    expect(placed.slice(-2).map((p) => p.officeGotIt)).toEqual([true, true]);
  });

  test("each box's events are on the one stream, once per closed call, naming the box", async () => {
    // closed calls: the two busy, the two rejected; open ones (by schedule or override) leave no event
    const closedCalls = placed.filter((p) => p.status === 486 || p.status === 403);
    expect(closedCalls).toHaveLength(4);
    const events = async (): Promise<AfterHoursEvent[]> =>
      ((await redis.xrange(`${prefix}events`, '-', '+')) as [string, string[]][]).map(([, fields]) => {
        const parsed = parseEvent(fields[fields.indexOf('event') + 1]!);
        if (!parsed.ok) throw new Error(parsed.errors.join('; '));
        return parsed.event;
      });
    expect(await eventually(async () => (await events()).length >= closedCalls.length, 10_000, 50)).toBe(true);
    const all = await events();
    expect(all).toHaveLength(closedCalls.length);
    expect(new Set(all.map((e) => e.id)).size).toBe(all.length);
    const idOf = new Map(boxes.map((b) => [b.name, b.entityId]));
    for (const call of closedCalls) {
      const mine = all.filter((e) => e.caller === call.caller);
      expect(mine).toHaveLength(1);
      expect(mine[0]!.asterisk).toEqual({ id: idOf.get(call.box) });
      expect(mine[0]!.did).toBe(closed);
    }
    expect(new Set(all.map((e) => e.asterisk?.id))).toEqual(new Set(boxes.map((b) => b.entityId)));
  });
});
