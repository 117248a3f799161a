// The `dialplan` action on real calls: a closed call continues at the context, extension
// and priority the number names, which config/asterisk/extensions.conf's test context
// [after-hours-test-destination] answers with SIP codes nothing else in the stack sends
// (ivr,1 → 484; ivr,2 → 488; the dialled number → 502). Also: GET /decision and
// `check --json` explain a decision with the same fields in the same format.
import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { parseEvent } from '../../src/events/validate';
import type { AfterHoursEvent } from '../../src/events/types';
import { eventually, runCli, startDaemon, writeConfig, type RunningDaemon } from '../support/daemon';
import { call } from '../support/sipp';
import { ariPassword, ariUrl, ariUser, redisUrl, repoRoot, uniqueDid, uniquePrefix } from '../support/stackEnv';

const CONTEXT = 'after-hours-test-destination';
const auth = { authorization: `Basic ${Buffer.from(`${ariUser}:${ariPassword}`).toString('base64')}` };

/**
 * A stack started before the test context was added does not know it: bring its rendered
 * extensions.conf up to date (the file has nothing scripts/stack substitutes) and reload
 * the dialplan over ARI. A freshly started stack already has it.
 */
async function ensureTestDialplan(): Promise<void> {
  const rendered = join(process.env.AH_STACK_DIR || join(repoRoot, '.stack'), 'asterisk', 'etc', 'asterisk', 'extensions.conf');
  const source = join(repoRoot, 'config', 'asterisk', 'extensions.conf');
  if (!existsSync(rendered) || readFileSync(rendered, 'utf8') === readFileSync(source, 'utf8')) return;
  copyFileSync(source, rendered);
  const res = await fetch(`${ariUrl}/ari/asterisk/modules/pbx_config.so`, { method: 'PUT', headers: auth });
  if (res.status !== 204) throw new Error(`dialplan reload over ARI: ${res.status} ${await res.text()}`);
}

async function eventFor(redis: Redis, prefix: string, did: string): Promise<AfterHoursEvent | undefined> {
  const entries = await redis.xrange(`${prefix}events`, '-', '+');
  for (const [, fields] of entries) {
    const parsed = parseEvent(fields[fields.indexOf('event') + 1]!);
    if (!parsed.ok) throw new Error(`invalid event in stream: ${parsed.errors.join('; ')}`);
    if (parsed.event.did === did) return parsed.event;
  }
  return undefined;
}

describe('the dialplan action on real calls', () => {
  const prefix = uniquePrefix('dialplan');
  const toIvr = uniqueDid();
  const toIvrSecond = uniqueDid();
  const toOwnNumber = uniqueDid();
  let redis: Redis;
  let daemon: RunningDaemon;
  let configFile: string;

  beforeAll(async () => {
    await ensureTestDialplan();
    redis = new Redis(redisUrl);
    configFile = writeConfig(
      [
        'defaults: { region: PL, timezone: Europe/Warsaw, hours: {} }',
        'numbers:',
        `  - { did: "${toIvr}", name: "To the IVR", afterHours: { action: dialplan, dialplan: { context: ${CONTEXT}, extension: ivr } } }`,
        `  - { did: "${toIvrSecond}", afterHours: { action: dialplan, dialplan: { context: ${CONTEXT}, extension: ivr, priority: 2 } } }`,
        `  - { did: "${toOwnNumber}", afterHours: { action: dialplan, dialplan: { context: ${CONTEXT} } } }`,
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

  test('the call lands at the named context and extension, priority 1 (484 from ivr,1), never answered', async () => {
    const r = await call({ to: toIvr, expect: 484 });
    expect(r.finalCode).toBe(484);
    expect(r.sent200).toBe(false);
    expect(await eventually(async () => (await eventFor(redis, prefix, toIvr)) !== undefined, 10_000)).toBe(true);
    const event = (await eventFor(redis, prefix, toIvr))!;
    expect(event.action).toBe('dialplan');
    expect(event.reason).toBe('day-off');
    expect(event.outcome).toEqual({ kind: 'sent-to-dialplan', context: CONTEXT, extension: 'ivr', priority: 1 });
  });

  test('the configured priority is the one that runs (488 from ivr,2)', async () => {
    const r = await call({ to: toIvrSecond, expect: 488 });
    expect(r.finalCode).toBe(488);
    expect(await eventually(async () => (await eventFor(redis, prefix, toIvrSecond)) !== undefined, 10_000)).toBe(true);
    expect((await eventFor(redis, prefix, toIvrSecond))!.outcome).toEqual({
      kind: 'sent-to-dialplan',
      context: CONTEXT,
      extension: 'ivr',
      priority: 2,
    });
  });

  test('without an extension the call continues at the dialled number in that context (502)', async () => {
    const r = await call({ to: toOwnNumber, expect: 502 });
    expect(r.finalCode).toBe(502);
    expect(await eventually(async () => (await eventFor(redis, prefix, toOwnNumber)) !== undefined, 10_000)).toBe(true);
    expect((await eventFor(redis, prefix, toOwnNumber))!.outcome).toEqual({
      kind: 'sent-to-dialplan',
      context: CONTEXT,
      extension: toOwnNumber,
      priority: 1,
    });
  });

  test('nothing is left behind in the daemon', async () => {
    expect(await eventually(async () => (await daemon.health())?.resources.calls === 0, 10_000)).toBe(true);
    expect((await daemon.health())!.resources).toMatchObject({ calls: 0, peers: 0, playbacks: 0, recordings: 0 });
  });

  test('GET /decision and check --json explain the decision with the same fields, in the same format', async () => {
    const fromDaemon = (await daemon.decision(toIvr)) as unknown as Record<string, unknown>;
    const checked = runCli(['check', '--config', configFile, '--did', toIvr, '--json']);
    expect(checked.status).toBe(0);
    const fromCheck = JSON.parse(checked.stdout) as Record<string, unknown>;
    // The daemon's own: which configuration decided, and what it published for the fast path
    // (nothing: the test daemons run with OPEN_FAST_PATH=off).
    const { configVersion, fastPathOpenUntil, ...explained } = fromDaemon;
    expect(configVersion).toBe('file');
    expect(fastPathOpenUntil).toBeNull();
    expect(Object.keys(explained).sort()).toEqual(Object.keys(fromCheck).sort());
    // Decided a moment apart: the instant differs, nothing else.
    const { at: _a, localTime: _l, ...sameDaemon } = explained;
    const { at: _b, localTime: _m, ...sameCheck } = fromCheck;
    expect(sameDaemon).toEqual(sameCheck);
    expect(sameDaemon).toMatchObject({
      did: toIvr,
      name: 'To the IVR',
      timezone: 'Europe/Warsaw',
      open: false,
      reason: 'day-off',
      action: 'dialplan',
      nextChange: null,
    });
    const isoWithOffset = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?[+-]\d\d:\d\d$/;
    for (const r of [explained, fromCheck]) {
      expect(r.at).toMatch(isoWithOffset);
      expect(r.localTime).toMatch(isoWithOffset);
    }
  });
});
