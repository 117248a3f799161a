// after-hours asterisk-config: what is printed for a PBX, and what is refused. The plain
// dialplan is also loaded into the real Asterisk and called through:
// test/integration/asteriskConfig.test.ts.
import { Command } from 'commander';
import { asteriskConfigOptions, registerAsteriskConfigCommand, renderAsteriskConfig } from '../../../src/cli/asteriskConfig';

async function run(args: string[]): Promise<{ code: number; stdout: string; error?: string }> {
  const out: string[] = [];
  const so = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => (out.push(String(chunk)), true));
  try {
    const program = new Command('after-hours').exitOverride().configureOutput({ writeOut: (t) => out.push(t), writeErr: () => undefined });
    registerAsteriskConfigCommand(program);
    await program.parseAsync(['node', 'after-hours', 'asterisk-config', ...args]);
    return { code: 0, stdout: out.join('') };
  } catch (e) {
    const c = (e as { code?: string }).code;
    return {
      code: c === 'AH_ERR_USAGE' || (typeof c === 'string' && c.startsWith('commander.')) ? 2 : 1,
      stdout: out.join(''),
      error: (e as Error).message,
    };
  } finally {
    so.mockRestore();
  }
}

const saved = { ...process.env };
beforeEach(() => {
  delete process.env.ARI_APP;
  delete process.env.ARI_USER;
  delete process.env.CONTINUE_CONTEXT;
});
afterAll(() => {
  process.env = saved;
});

describe('asterisk-config', () => {
  it('prints ari.conf, http.conf and the dialplan by default, for the app and contexts given', async () => {
    const r = await run([
      '--app',
      'ah-test',
      '--context',
      'pbx-in',
      '--continue-context',
      'pbx-routing',
      '--ari-password',
      'Secret-123456',
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('; ---------------------------------------------------------------- ari.conf');
    expect(r.stdout).toContain('[after-hours]\ntype = user\nread_only = no\npassword_format = plain\n');
    expect(r.stdout).toContain('password = Secret-123456\n');
    expect(r.stdout).toContain('channelvars = CHANNEL(linkedid)');
    expect(r.stdout).toContain('bindaddr = 127.0.0.1\nbindport = 8088\n');
    expect(r.stdout).not.toContain('tlsenable');
    expect(r.stdout).not.toContain('from-pstn-custom]');
    const dialplan = r.stdout.slice(r.stdout.indexOf('\n[pbx-in]\n') + 1);
    expect(dialplan).toBe(
      [
        '[pbx-in]',
        'exten => _X.,1,GotoIf($[${LEN(${AH_OPEN_ah_test_${FILTER(0-9,${EXTEN})}})} = 10 & ${LEN(${FILTER(0-9,${AH_OPEN_ah_test_${FILTER(0-9,${EXTEN})}})})} = 10 & "${AH_OPEN_ah_test_${FILTER(0-9,${EXTEN})}}" > "${EPOCH}"]?pbx-routing,${EXTEN},1)',
        ' same => n(stasis),Stasis(ah-test,${EXTEN})',
        ' same => n,GotoIf($["${STASISSTATUS}" = "FAILED"]?no-daemon)',
        ' same => n,Goto(pbx-routing,${EXTEN},1)',
        ' same => n(no-daemon),Log(NOTICE,after-hours app ah-test is not connected - ${EXTEN} goes on to normal routing)',
        ' same => n,Goto(pbx-routing,${EXTEN},1)',
        'exten => _+X.,1,GotoIf($[${LEN(${AH_OPEN_ah_test_${FILTER(0-9,${EXTEN})}})} = 10 & ${LEN(${FILTER(0-9,${AH_OPEN_ah_test_${FILTER(0-9,${EXTEN})}})})} = 10 & "${AH_OPEN_ah_test_${FILTER(0-9,${EXTEN})}}" > "${EPOCH}"]?pbx-routing,${EXTEN},1)',
        ' same => n(stasis),Stasis(ah-test,${EXTEN})',
        ' same => n,GotoIf($["${STASISSTATUS}" = "FAILED"]?no-daemon)',
        ' same => n,Goto(pbx-routing,${EXTEN},1)',
        ' same => n(no-daemon),Log(NOTICE,after-hours app ah-test is not connected - ${EXTEN} goes on to normal routing)',
        ' same => n,Goto(pbx-routing,${EXTEN},1)',
        '',
      ].join('\n'),
    );
    expect(r.stdout).toContain('; Daemon settings: ARI_APP=ah-test CONTINUE_CONTEXT=pbx-routing');
  });

  it("takes the app, user and continue context from the daemon's environment when not given", async () => {
    process.env.ARI_APP = 'from-env-app';
    process.env.ARI_USER = 'env-user';
    process.env.CONTINUE_CONTEXT = 'env-routing';
    const o = asteriskConfigOptions({ context: 'in', bind: '127.0.0.1', port: '8088' });
    expect([o.app, o.ariUser, o.continueContext]).toEqual(['from-env-app', 'env-user', 'env-routing']);
  });

  it('makes a fresh random ARI password when none is given (never a printed default)', () => {
    const a = asteriskConfigOptions({ context: 'in', bind: '127.0.0.1', port: '8088' }).ariPassword;
    const b = asteriskConfigOptions({ context: 'in', bind: '127.0.0.1', port: '8088' }).ariPassword;
    expect(a).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(a).not.toBe(b);
  });

  it('--only freepbx: the from-pstn-custom hook and a routing context that is from-pstn without it', async () => {
    const r = await run(['--only', 'freepbx']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^; -+ FreePBX: extensions_custom.conf/);
    expect(r.stdout).toContain(
      '[from-pstn-custom]\nexten => _X.,1,GotoIf($[${LEN(${AH_OPEN_after_hours_${FILTER(0-9,${EXTEN})}})} = 10 & ${LEN(${FILTER(0-9,${AH_OPEN_after_hours_${FILTER(0-9,${EXTEN})}})})} = 10 & "${AH_OPEN_after_hours_${FILTER(0-9,${EXTEN})}}" > "${EPOCH}"]?after-hours-freepbx-routing,${EXTEN},1)',
    );
    expect(r.stdout).toContain(' same => n(stasis),Stasis(after-hours,${EXTEN})');
    expect(r.stdout).toContain(' same => n,Goto(after-hours-freepbx-routing,${EXTEN},1)');
    expect(r.stdout).toContain(
      '[after-hours-freepbx-routing]\ninclude => ext-did\ninclude => ext-did-post-custom\ninclude => from-did-direct\ninclude => ext-did-catchall\n',
    );
    expect(r.stdout).not.toContain('ari.conf');
  });

  it('--only takes a list; --tls-port adds ARI over TLS; an IPv6 bind is bracketed where a port follows', async () => {
    const r = await run(['--only', 'http,ari', '--bind', '::', '--tls-port', '8089', '--ari-password', 'Secret-123456']);
    expect(r.code).toBe(0);
    expect(r.stdout.indexOf('ari.conf')).toBeLessThan(r.stdout.indexOf('http.conf'));
    expect(r.stdout).toContain('bindaddr = ::\nbindport = 8088\n');
    expect(r.stdout).toContain('tlsenable = yes\ntlsbindaddr = [::]:8089\n');
    expect(r.stdout).toContain("The daemon's ARI_URL: http://THIS-PBX:8088");
    expect(r.stdout).not.toContain('[after-hours-inbound]');
  });

  it.each([
    [['--only', 'sip'], /--only: unknown part "sip" \(known: ari, http, dialplan, freepbx, features\)/],
    [['--only', ','], /--only needs one or more of/],
    [['--app', 'a,b'], /--app must be letters, digits/],
    [['--context', 'in]\n[evil'], /--context must be/],
    [['--continue-context', ''], /--continue-context must be/],
    [['--ari-user', 'general;x'], /--ari-user must be/],
    [['--ari-password', 'has;semicolon'], /--ari-password must be 8 to 128 printable ASCII characters without spaces or ";"/],
    [['--ari-password', 'short'], /--ari-password must be 8 to 128/],
    [['--port', '70000'], /--port must be a port number/],
    [['--tls-port', 'x'], /--tls-port must be a port number/],
    [['--bind', '0.0.0.0 ; x'], /--bind must be an address/],
  ])('refuses %j with a usage error that says why', async (args, message) => {
    const r = await run(args);
    expect(r.code).toBe(2);
    expect(r.error).toMatch(message);
    expect(r.stdout).toBe('');
  });

  it('renders only what was asked, in the order ari, http, dialplan, freepbx', () => {
    const base = asteriskConfigOptions({ context: 'in', bind: '127.0.0.1', port: '8088', ariPassword: 'Secret-123456' });
    const text = renderAsteriskConfig({ ...base, parts: ['freepbx', 'dialplan'] });
    expect(text.indexOf('[in]')).toBeLessThan(text.indexOf('[from-pstn-custom]'));
    expect(text).not.toContain('[general]');
  });
});
