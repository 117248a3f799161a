// The open fast path on real calls (issue 23): the daemon publishes an open number's "open
// until T" as the Asterisk global AH_OPEN_after_hours_<DID digits>, and the stack's dialplan
// (config/asterisk/extensions.conf) sends the call straight to normal routing while T is in
// the future. How a test tells the two ways apart:
//   - fast path: the office rings and the daemon's after_hours_calls_total does not move;
//   - Stasis path with a daemon: after_hours_calls_total moves;
//   - Stasis path without one: the dialplan's NOTICE "... is not connected - <DID> ..." in
//     Asterisk's log (logger.conf sends NOTICE to messages).
// Asterisk is restarted through its control socket (`core restart now`), which the chroot
// stack exposes under the run dir; that part is skipped when the socket is not there.
import { existsSync, readFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { eventually, runCli, startDaemon, writeConfig, type RunningDaemon } from '../support/daemon';
import { call, startUas } from '../support/sipp';
import { ariPassword, ariUrl, ariUser, officePort, repoRoot, uniqueDid, uniquePrefix } from '../support/stackEnv';

const runDir = process.env.AH_STACK_DIR || join(repoRoot, '.stack');
const asteriskLog = join(runDir, 'asterisk', 'log', 'messages');
const controlSocket = join(runDir, 'asterisk', 'run', 'asterisk.ctl');
const logText = (): string => (existsSync(asteriskLog) ? readFileSync(asteriskLog, 'utf8') : '');
const noDaemonNotice = (did: string): string => `after-hours app after-hours is not connected - ${did} goes on to normal routing`;
const auth = { authorization: `Basic ${Buffer.from(`${ariUser}:${ariPassword}`).toString('base64')}` };
const variableOf = (did: string): string => `AH_OPEN_after_hours_${did.replace(/\D/g, '')}`;

async function readGlobal(did: string): Promise<string | undefined> {
  try {
    const res = await fetch(`${ariUrl}/ari/asterisk/variable?variable=${variableOf(did)}`, { headers: auth });
    if (res.status !== 200) return undefined;
    return ((await res.json()) as { value: string }).value;
  } catch {
    return undefined; // Asterisk restarting
  }
}

async function writeGlobal(did: string, value: string): Promise<void> {
  const res = await fetch(`${ariUrl}/ari/asterisk/variable?variable=${variableOf(did)}&value=${encodeURIComponent(value)}`, {
    method: 'POST',
    headers: auth,
  });
  if (res.status !== 204) throw new Error(`setting ${variableOf(did)} answered ${res.status}`);
}

/** One command on Asterisk's remote console socket (what `asterisk -rx` does). */
function asteriskCommand(command: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = createConnection(controlSocket);
    s.once('error', reject);
    s.once('data', () => s.end(`${command}\0`, () => resolve()));
  });
}

/** The daemon's after_hours_calls_total, all labels summed: calls that entered Stasis and were handled. */
async function callsHandled(d: RunningDaemon): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${d.port}/metrics`)).text();
  let n = 0;
  for (const m of text.matchAll(/^after_hours_calls_total\{[^}]*\} (\S+)$/gm)) n += Number(m[1]);
  return n;
}

/** Calls `did` with the office answering; resolves once the office has the INVITE. */
async function callRingsOffice(did: string): Promise<void> {
  const office = await startUas({ behaviour: 'answer', port: officePort });
  try {
    const r = await call({ to: did, expect: 200, talkMs: 200 });
    expect(r.finalCode).toBe(200);
    const invites = await office.waitForInvites(1);
    expect(invites[0]!.user).toBe(did);
  } finally {
    await office.stop();
  }
}

describe('the open fast path on real calls', () => {
  const prefix = uniquePrefix('fastpath');
  const env = { REDIS_PREFIX: prefix };
  const open = uniqueDid();
  const blocked = uniqueDid();
  const overridden = uniqueDid();
  const handEdited = uniqueDid();
  const shortlyOpen = uniqueDid();
  let daemon: RunningDaemon;

  beforeAll(async () => {
    const configFile = writeConfig(
      [
        'defaults: { region: PL, timezone: Europe/Warsaw }',
        'numbers:',
        `  - { did: "${open}", hours: "00:00-24:00", afterHours: { action: hangup, hangup: { cause: busy } } }`,
        `  - { did: "${blocked}", hours: "00:00-24:00", afterHours: { action: hangup }, callers: { block: ["+48700"] } }`,
        `  - { did: "${overridden}", hours: "00:00-24:00", afterHours: { action: hangup, hangup: { cause: busy } } }`,
        `  - { did: "${handEdited}", hours: "00:00-24:00", afterHours: { action: hangup }, fastPath: false }`,
        `  - { did: "${shortlyOpen}", hours: {}, afterHours: { action: hangup, hangup: { cause: busy } } }`,
        '',
      ].join('\n'),
    );
    daemon = await startDaemon({ configFile, prefix, env: { OPEN_FAST_PATH: 'on' } });
    await daemon.waitHealthy();
  });

  afterAll(async () => {
    if (daemon?.proc.signalCode === 'SIGSTOP') daemon.proc.kill('SIGCONT');
    await daemon?.stop('SIGKILL');
    // Leave nothing behind in the shared Asterisk.
    for (const did of [open, blocked, overridden, handEdited, shortlyOpen])
      await fetch(`${ariUrl}/ari/asterisk/variable?variable=${variableOf(did)}`, { method: 'POST', headers: auth }).catch(() => undefined);
  });

  test("an open number's call reaches normal routing without entering Stasis", async () => {
    const d = await daemon.decision(open);
    expect(d.open).toBe(true);
    // Always open: promised about a day ahead, renewed by the daemon.
    expect(d.fastPathOpenUntil).toBeGreaterThan(Date.now() / 1000 + 3600);
    expect(await readGlobal(open)).toBe(String(d.fastPathOpenUntil));
    const before = await callsHandled(daemon);
    await callRingsOffice(open);
    expect(await callsHandled(daemon)).toBe(before);
  });

  test('a number with callers.block is never published open: its calls go through the daemon', async () => {
    expect((await daemon.decision(blocked)).fastPathOpenUntil).toBeNull();
    expect(await readGlobal(blocked)).toBe('');
    const before = await callsHandled(daemon);
    await callRingsOffice(blocked);
    expect(await callsHandled(daemon)).toBe(before + 1);
  });

  test('a hand-edited entry that is not a number takes the Stasis path', async () => {
    // fastPath: false: the daemon publishes nothing for it, so the edit stays as written.
    expect((await daemon.decision(handEdited)).fastPathOpenUntil).toBeNull();
    for (const value of ['tomorrow', '4102444800x', ' 4102444800', '1e12', '4102444800,1']) {
      await writeGlobal(handEdited, value);
      const before = await callsHandled(daemon);
      await callRingsOffice(handEdited);
      expect(await callsHandled(daemon)).toBe(before + 1);
    }
    // A number in the past is no promise either.
    await writeGlobal(handEdited, String(Math.floor(Date.now() / 1000) - 1));
    const before = await callsHandled(daemon);
    await callRingsOffice(handEdited);
    expect(await callsHandled(daemon)).toBe(before + 1);
  });

  test('an override set to closed: the next call gets the after-hours action', async () => {
    expect(await readGlobal(overridden)).toMatch(/^\d+$/);
    const set = runCli(['override', 'set', '--did', overridden, '--state', 'closed', '--by', 'test'], env);
    expect(set.status).toBe(0);
    // Withdrawn as soon as the daemon reads the override (it is told over Redis pub/sub); the
    // deadline only catches a hang, the time it took is printed.
    const setAt = Date.now();
    expect(await eventually(async () => (await readGlobal(overridden)) === '', 10_000)).toBe(true);
    console.log(`override closed: fast-path entry withdrawn ${Date.now() - setAt} ms after the CLI returned`);
    const r = await call({ to: overridden, expect: 486 });
    expect(r.finalCode).toBe(486);
    expect(r.sent200).toBe(false);
  });

  const restartable = existsSync(controlSocket);
  (restartable ? test : test.skip)(
    'Asterisk restarted: open calls take the Stasis path until the daemon has published again, then the fast path',
    async () => {
      const T = String((await daemon.decision(open)).fastPathOpenUntil);
      expect(await readGlobal(open)).toBe(T);
      // Held still, the daemon cannot republish: the gap after a restart, made long enough to call into.
      daemon.proc.kill('SIGSTOP');
      try {
        await asteriskCommand('core restart now');
        expect(await eventually(async () => (await readGlobal(open)) === '', 30_000, 200)).toBe(true);
        await callRingsOffice(open);
        // It entered Stasis (no daemon registered yet: the dialplan's fallback logged it).
        expect(logText()).toContain(noDaemonNotice(open));
      } finally {
        daemon.proc.kill('SIGCONT');
      }
      expect(await eventually(async () => (await readGlobal(open)) === T, 30_000, 100)).toBe(true);
      await daemon.waitHealthy(30_000);
      const notices = logText().split(noDaemonNotice(open)).length;
      const before = await callsHandled(daemon);
      await callRingsOffice(open);
      expect(await callsHandled(daemon)).toBe(before);
      expect(logText().split(noDaemonNotice(open)).length).toBe(notices);
    },
  );

  test('the daemon SIGKILLed while open: calls still ring normally until T, then the dialplan fallback', async () => {
    // Open by an override for a few seconds: T is the override's end.
    const until = Math.ceil((Date.now() + 8000) / 1000);
    const set = runCli(
      ['override', 'set', '--did', shortlyOpen, '--state', 'open', '--until', new Date(until * 1000).toISOString(), '--by', 'test'],
      env,
    );
    expect(set.status).toBe(0);
    expect(await eventually(async () => (await readGlobal(shortlyOpen)) === String(until), 2000)).toBe(true);
    expect((await daemon.decision(shortlyOpen)).fastPathOpenUntil).toBe(until);
    await daemon.stop('SIGKILL');

    // Before T: the fast path, with no daemon at all (no fallback NOTICE).
    expect(Date.now() / 1000).toBeLessThan(until);
    await callRingsOffice(shortlyOpen);
    expect(logText()).not.toContain(noDaemonNotice(shortlyOpen));

    // After T: the entry is expired (nobody withdrew it), so the call enters Stasis, finds no daemon, and falls back.
    await new Promise((r) => setTimeout(r, Math.max(0, until * 1000 - Date.now() + 1100)));
    expect(await readGlobal(shortlyOpen)).toBe(String(until));
    await callRingsOffice(shortlyOpen);
    expect(logText()).toContain(noDaemonNotice(shortlyOpen));
  });
});
