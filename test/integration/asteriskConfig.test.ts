// The dialplan `after-hours asterisk-config` prints, loaded into the real Asterisk of the test
// stack and called through: while no daemon runs the printed app, calls go on to normal
// routing (STASISSTATUS=FAILED, the office rings); with a daemon connected, a closed number is
// rejected and an open one rings the office.
//
// The printed context is written to a file beside the stack's rendered extensions.conf, which
// gets a #tryinclude line for it, and the dialplan is reloaded over ARI. Calls reach the
// context through `*7<DID>` in from-callers (added by the same file; no DID starts with '*').
// Everything is undone afterwards, and the dialplan reloaded again.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, startDaemon, writeConfig, type RunningDaemon } from '../support/daemon';
import { call, startUas } from '../support/sipp';
import { ariPassword, ariUrl, ariUser, officePort, repoRoot, uniqueDid, uniquePrefix } from '../support/stackEnv';

const runDir = process.env.AH_STACK_DIR || join(repoRoot, '.stack');
const etcAsterisk = join(runDir, 'asterisk', 'etc', 'asterisk');
const extensionsConf = join(etcAsterisk, 'extensions.conf');

const id = randomBytes(4).toString('hex');
const app = `ahcfg-${id}`;
const context = `ahcfg-in-${id}`;
const includeName = `after-hours-asterisk-config-${id}.conf`;
const includeFile = join(etcAsterisk, includeName);
const includeLine = `#tryinclude ${includeName}`;
const asteriskLog = join(runDir, 'asterisk', 'log', 'messages');
/** The printed dialplan's NOTICE for a call that found no daemon (logger.conf sends NOTICE to messages). */
const noDaemonNotice = (did: string): string => `after-hours app ${app} is not connected - ${did} goes on to normal routing`;
const logText = (): string => (existsSync(asteriskLog) ? readFileSync(asteriskLog, 'utf8') : '');

async function reloadDialplan(): Promise<void> {
  const res = await fetch(`${ariUrl}/ari/asterisk/modules/pbx_config.so`, {
    method: 'PUT',
    headers: { authorization: `Basic ${Buffer.from(`${ariUser}:${ariPassword}`).toString('base64')}` },
  });
  if (res.status !== 204) throw new Error(`reloading the dialplan over ARI answered ${res.status}: ${await res.text()}`);
}

function removeInclude(): void {
  if (existsSync(extensionsConf)) {
    const text = readFileSync(extensionsConf, 'utf8');
    if (text.includes(includeLine))
      writeFileSync(
        extensionsConf,
        text
          .split('\n')
          .filter((l) => l !== includeLine)
          .join('\n'),
      );
  }
  rmSync(includeFile, { force: true });
}

describe('asterisk-config: the printed dialplan on the real Asterisk', () => {
  const prefix = uniquePrefix('astcfg');
  const closed = uniqueDid();
  const open = uniqueDid();
  const noDaemon = uniqueDid();
  let printed: string;

  beforeAll(async () => {
    const backend = existsSync(join(runDir, 'backend')) ? readFileSync(join(runDir, 'backend'), 'utf8').trim() : 'none';
    if (backend !== 'chroot' || !existsSync(extensionsConf)) {
      throw new Error(
        `this test writes into the chroot stack's rendered config (${etcAsterisk}); the stack runs with back-end "${backend}"`,
      );
    }
    const r = runCli([
      'asterisk-config',
      '--only',
      'dialplan',
      '--app',
      app,
      '--context',
      context,
      '--continue-context',
      'after-hours-open',
    ]);
    if (r.status !== 0) throw new Error(`asterisk-config exited ${r.status}: ${r.stderr}`);
    printed = r.stdout;
    writeFileSync(includeFile, `${printed}\n[from-callers]\nexten => _*7.,1,Goto(${context},\${EXTEN:2},1)\n`, { mode: 0o644 });
    const conf = readFileSync(extensionsConf, 'utf8');
    writeFileSync(extensionsConf, `${conf.endsWith('\n') ? conf : `${conf}\n`}${includeLine}\n`);
    await reloadDialplan();
  });

  afterAll(async () => {
    removeInclude();
    await reloadDialplan();
  });

  it('prints the Stasis entry with the fallback for this app and context', () => {
    // The open fast path's check first (one priority), then Stasis.
    const fastPath = `GotoIf($[\${LEN(\${AH_OPEN_${app.replace(/-/g, '_')}_\${FILTER(0-9,\${EXTEN})}})} = 10 & `;
    expect(printed).toContain(`[${context}]\nexten => _X.,1,${fastPath}`);
    expect(printed).toContain(`exten => _+X.,1,${fastPath}`);
    expect(printed.split(`\n same => n(stasis),Stasis(${app},\${EXTEN})\n`)).toHaveLength(3);
  });

  it('no daemon connected: STASISSTATUS=FAILED, the call goes on to normal routing and the office rings', async () => {
    const office = await startUas({ behaviour: 'answer', port: officePort });
    try {
      const r = await call({ to: `*7${noDaemon}`, expect: 200, talkMs: 300 });
      expect(r.finalCode).toBe(200);
      const invites = await office.waitForInvites(1);
      expect(invites[0]!.user).toBe(noDaemon);
    } finally {
      await office.stop();
    }
    expect(logText()).toContain(noDaemonNotice(noDaemon));
  });

  describe('with a daemon connected as the printed app', () => {
    let daemon: RunningDaemon;
    beforeAll(async () => {
      const configFile = writeConfig(
        [
          'defaults: { region: PL, timezone: Europe/Warsaw }',
          'numbers:',
          `  - { did: "${closed}", hours: {}, afterHours: { action: hangup, hangup: { cause: busy } } }`,
          `  - { did: "${open}", hours: "00:00-24:00", afterHours: { action: hangup } }`,
          '',
        ].join('\n'),
      );
      daemon = await startDaemon({ configFile, prefix, app, env: { CONTINUE_CONTEXT: 'after-hours-open' } });
      await daemon.waitHealthy();
    });
    afterAll(async () => {
      await daemon?.stop();
    });

    it('a closed number is rejected by the daemon (486, never answered)', async () => {
      const r = await call({ to: `*7${closed}`, expect: 486 });
      expect(r.finalCode).toBe(486);
      expect(r.sent200).toBe(false);
    });

    it('an open number is continued to normal routing and rings the office', async () => {
      const office = await startUas({ behaviour: 'answer', port: officePort });
      try {
        const r = await call({ to: `*7${open}`, expect: 200, talkMs: 300 });
        expect(r.finalCode).toBe(200);
        const invites = await office.waitForInvites(1);
        expect(invites[0]!.user).toBe(open);
      } finally {
        await office.stop();
      }
      // the daemon decided it (continue-in-dialplan), not the printed fallback
      expect(logText()).not.toContain(noDaemonNotice(open));
      const metrics = await (await fetch(`http://127.0.0.1:${daemon.port}/metrics`)).text();
      expect(metrics).toMatch(/^after_hours_calls_total\{[^}]*plan="continue"[^}]*\} 1$/m);
    });
  });
  describe('with a daemon publishing the open fast path', () => {
    let daemon: RunningDaemon;
    const variable = `AH_OPEN_${app.replace(/-/g, '_')}_${open.replace(/\D/g, '')}`;
    const auth = { authorization: `Basic ${Buffer.from(`${ariUser}:${ariPassword}`).toString('base64')}` };
    beforeAll(async () => {
      const configFile = writeConfig(
        [
          'defaults: { region: PL, timezone: Europe/Warsaw }',
          'numbers:',
          `  - { did: "${open}", hours: "00:00-24:00", afterHours: { action: hangup } }`,
          '',
        ].join('\n'),
      );
      daemon = await startDaemon({ configFile, prefix, app, env: { CONTINUE_CONTEXT: 'after-hours-open', OPEN_FAST_PATH: 'on' } });
      await daemon.waitHealthy();
    });
    afterAll(async () => {
      await daemon?.stop();
      await fetch(`${ariUrl}/ari/asterisk/variable?variable=${variable}`, { method: 'POST', headers: auth });
    });

    it("an open number's call rings the office without entering Stasis", async () => {
      const published = await (await fetch(`${ariUrl}/ari/asterisk/variable?variable=${variable}`, { headers: auth })).json();
      expect((published as { value: string }).value).toMatch(/^\d{10}$/);
      const office = await startUas({ behaviour: 'answer', port: officePort });
      try {
        const r = await call({ to: `*7${open}`, expect: 200, talkMs: 300 });
        expect(r.finalCode).toBe(200);
        const invites = await office.waitForInvites(1);
        expect(invites[0]!.user).toBe(open);
      } finally {
        await office.stop();
      }
      const metrics = await (await fetch(`http://127.0.0.1:${daemon.port}/metrics`)).text();
      expect(metrics).not.toMatch(/^after_hours_calls_total\{/m);
    });
  });
});
