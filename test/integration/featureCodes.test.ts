// The day/night key and the lamp on real calls. An internal phone (the sipp caller, From
// 201) dials *28<index>*<PIN>; the daemon answers, says the new state and hangs up; the next
// call to that number gets the forced decision, and the number's device state read back over
// ARI (GET /ari/deviceStates/Stasis:after-hours-<digits>) says closed (INUSE) or open
// (NOT_INUSE). A wrong PIN or an unknown index changes nothing.
import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { eventually, runCli, startDaemon, writeConfig, type RunningDaemon } from '../support/daemon';
import { call, startUas, stopAllUas } from '../support/sipp';
import { ariPassword, ariUrl, ariUser, officePort, repoRoot, uniqueDid, uniquePrefix } from '../support/stackEnv';

const auth = { authorization: `Basic ${Buffer.from(`${ariUser}:${ariPassword}`).toString('base64')}` };
const PIN = '4711';

/** A stack started before [after-hours-features] was added: bring its dialplan up to date (as dialplanAction.test.ts does). */
async function ensureTestDialplan(): Promise<void> {
  const rendered = join(process.env.AH_STACK_DIR || join(repoRoot, '.stack'), 'asterisk', 'etc', 'asterisk', 'extensions.conf');
  const source = join(repoRoot, 'config', 'asterisk', 'extensions.conf');
  if (!existsSync(rendered) || readFileSync(rendered, 'utf8') === readFileSync(source, 'utf8')) return;
  copyFileSync(source, rendered);
  const res = await fetch(`${ariUrl}/ari/asterisk/modules/pbx_config.so`, { method: 'PUT', headers: auth });
  if (res.status !== 204) throw new Error(`dialplan reload over ARI: ${res.status} ${await res.text()}`);
}

async function lamp(did: string): Promise<string | undefined> {
  const res = await fetch(`${ariUrl}/ari/deviceStates/${encodeURIComponent(`Stasis:after-hours-${did.slice(1)}`)}`, { headers: auth });
  if (res.status !== 200) return undefined;
  return ((await res.json()) as { state: string }).state;
}

/** Dials a feature code as extension 201: answered, then hung up by Asterisk. */
async function press(code: string): Promise<void> {
  const r = await call({ to: code, from: '201', expect: 200, scenario: 'caller-answered-hung-up', timeoutMs: 20000 });
  expect({ code, finalCode: r.finalCode, exitCode: r.exitCode, errors: r.errors }).toEqual({
    code,
    finalCode: 200,
    exitCode: 0,
    errors: '',
  });
}

describe('day/night key and lamp on real calls', () => {
  const prefix = uniquePrefix('daynight');
  const openDid = uniqueDid(); // index 1: open around the clock
  const closedDid = uniqueDid(); // index 2: closed around the clock
  let daemon: RunningDaemon;
  const env = { REDIS_PREFIX: prefix };
  const overridesOf = (): Array<{ did: string; state: string; by?: string }> =>
    JSON.parse(runCli(['override', 'list', '--json'], env).stdout);

  beforeAll(async () => {
    await ensureTestDialplan();
    const configFile = writeConfig(
      [
        'defaults: { region: PL, timezone: Europe/Warsaw }',
        'numbers:',
        `  - { did: "${openDid}", hours: "00:00-24:00", afterHours: { action: hangup, hangup: { cause: busy } } }`,
        `  - { did: "${closedDid}", hours: {}, afterHours: { action: hangup, hangup: { cause: busy } } }`,
        '',
      ].join('\n'),
    );
    daemon = await startDaemon({ configFile, prefix, env: { FEATURE_CODE_PIN: PIN } });
    await daemon.waitHealthy();
  });

  afterAll(async () => {
    await stopAllUas();
    await daemon?.stop();
  });

  test('at start each lamp shows the schedule: open dark (NOT_INUSE), closed lit (INUSE)', async () => {
    expect(await eventually(async () => (await lamp(openDid)) === 'NOT_INUSE' && (await lamp(closedDid)) === 'INUSE', 10_000)).toBe(true);
  });

  test('*281*PIN forces the open number closed: the next call is rejected, the lamp lights, the override names extension 201', async () => {
    await press(`*281*${PIN}`);
    expect(overridesOf()).toEqual([expect.objectContaining({ did: openDid, state: 'closed', by: 'extension 201' })]);
    expect(runCli(['override', 'list'], env).stdout).toContain('extension 201');
    // The press is in the audit trail: through the phone, by the extension.
    expect(JSON.parse(runCli(['audit', 'list', '--json'], env).stdout).entries).toEqual([
      expect.objectContaining({ actor: 'extension 201', door: 'phone', from: 'extension 201', action: 'override.set', target: openDid }),
    ]);
    expect(await eventually(async () => (await lamp(openDid)) === 'INUSE', 10_000)).toBe(true);
    expect(await daemon.decision(openDid)).toMatchObject({ open: false, reason: 'override' });
    const r = await call({ to: openDid, expect: 486 });
    expect(r.finalCode).toBe(486);
    expect(r.sent200).toBe(false);
  });

  test('a wrong PIN, a missing PIN and an unknown index are refused (answered, told, hung up) and change nothing', async () => {
    await press('*281*0000');
    await press('*281');
    await press(`*289*${PIN}`);
    expect(overridesOf()).toEqual([expect.objectContaining({ did: openDid, state: 'closed' })]);
    expect(await lamp(openDid)).toBe('INUSE');
    expect(await lamp(closedDid)).toBe('INUSE');
    expect(daemon.logs()).toMatch(/"why":"wrong-pin"[\s\S]*"why":"wrong-pin"[\s\S]*"why":"unknown-number"/);
  });

  test('two more presses: forced open, then back to auto (the schedule decides again)', async () => {
    await press(`*281*${PIN}`);
    expect(overridesOf()).toEqual([expect.objectContaining({ did: openDid, state: 'open', by: 'extension 201' })]);
    await press(`*281*${PIN}`);
    expect(overridesOf()).toEqual([]);
    expect(await eventually(async () => (await lamp(openDid)) === 'NOT_INUSE', 10_000)).toBe(true);
    expect(await daemon.decision(openDid)).toMatchObject({ open: true, reason: 'working-hours' });
  });

  test('the closed number forced open: the next call reaches the office, the lamp goes dark; toggling back restores auto', async () => {
    await press(`*282*${PIN}`); // auto -> closed (still closed, now by override)
    expect(await daemon.decision(closedDid)).toMatchObject({ open: false, reason: 'override' });
    await press(`*282*${PIN}`); // closed -> open
    expect(await eventually(async () => (await lamp(closedDid)) === 'NOT_INUSE', 10_000)).toBe(true);
    expect(await daemon.decision(closedDid)).toMatchObject({ open: true, reason: 'override' });
    const office = await startUas({ behaviour: 'answer', port: officePort });
    const r = await call({ to: closedDid, expect: 200, talkMs: 300 });
    expect(r.finalCode).toBe(200);
    const report = await office.stop();
    expect(report.invites.map((i) => i.user)).toEqual([closedDid]);

    await press(`*282*${PIN}`); // open -> auto
    expect(await eventually(async () => (await lamp(closedDid)) === 'INUSE', 10_000)).toBe(true);
    expect(await daemon.decision(closedDid)).toMatchObject({ open: false, reason: 'day-off' });
    expect((await call({ to: closedDid, expect: 486 })).finalCode).toBe(486);
    expect(overridesOf()).toEqual([]);
  });

  test('nothing is left behind in the daemon', async () => {
    expect(await eventually(async () => (await daemon.health())?.resources.calls === 0, 10_000)).toBe(true);
    expect((await daemon.health())!.resources).toMatchObject({ calls: 0, playbacks: 0 });
  });
});
