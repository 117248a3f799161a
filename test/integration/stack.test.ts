// The real telephony stack itself: the fallback to normal routing, a Stasis app's
// rejection as the caller sees it, and scripts/stack's up/down hygiene.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import * as ari from 'ari-client';
import { call, freeUdpPort, startUas, stopAllUas } from '../support/sipp';
import {
  ariApp,
  ariPassword,
  ariPort,
  ariUrl,
  ariUser,
  dialplan,
  officePort,
  repoRoot,
  stackScript,
  uniqueDid,
  uniqueMobile,
} from '../support/stackEnv';

// (the integration project's testTimeout in jest.config.js is not a per-project option)
jest.setTimeout(30000);

function ariGet<T>(p: string, port = ariPort): Promise<T> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: `/ari${p}`, auth: `${ariUser}:${ariPassword}` }, (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () =>
          res.statusCode === 200 ? resolve(JSON.parse(body) as T) : reject(new Error(`${p}: ${res.statusCode} ${body}`)),
        );
      })
      .on('error', reject);
  });
}

async function appConnected(name: string): Promise<boolean> {
  const apps = await ariGet<Array<{ name: string }>>('/applications');
  return apps.some((a) => a.name === name);
}

async function until(cond: () => Promise<boolean>, what: string, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  // (GET /applications can answer 500 "Allocation failed" while an app goes away: ask again)
  while (!(await cond().catch(() => false))) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** 0.3 s of a 440 Hz tone, 8 kHz 16-bit mono WAV (what Asterisk plays without transcoding surprises). */
function toneWav(): Buffer {
  const rate = 8000;
  const samples = Math.round(rate * 0.3);
  const buf = Buffer.alloc(44 + samples * 2);
  buf.write('RIFF', 0);
  buf.writeUInt32LE(36 + samples * 2, 4);
  buf.write('WAVEfmt ', 8);
  buf.writeUInt32LE(16, 16);
  buf.writeUInt16LE(1, 20);
  buf.writeUInt16LE(1, 22);
  buf.writeUInt32LE(rate, 24);
  buf.writeUInt32LE(rate * 2, 28);
  buf.writeUInt16LE(2, 32);
  buf.writeUInt16LE(16, 34);
  buf.write('data', 36);
  buf.writeUInt32LE(samples * 2, 40);
  for (let i = 0; i < samples; i += 1) buf.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / rate)), 44 + i * 2);
  return buf;
}

afterEach(async () => {
  await stopAllUas();
});

describe('with no daemon connected', () => {
  beforeAll(async () => {
    // another engineer's daemon on the shared stack would take the calls
    if (await appConnected(ariApp)) throw new Error(`an ARI app "${ariApp}" is connected to the stack; these tests need it free`);
  });

  it('a call reaches the normal routing: the office rings with the DID and the caller is answered there', async () => {
    const did = uniqueDid();
    const office = await startUas({ behaviour: 'answer', port: officePort });

    const r = await call({ to: did, from: uniqueMobile(), expect: 200, talkMs: 500 });

    expect({ exitCode: r.exitCode, errors: r.errors }).toEqual({ exitCode: 0, errors: '' });
    expect(r.finalCode).toBe(200);
    const report = await office.stop();
    expect(report.invites.map((i) => i.user)).toEqual([did]);
    expect(report.requests).toEqual(expect.arrayContaining(['INVITE', 'ACK', 'BYE']));
  });

  it('a busy office gives the caller 486 and no 200', async () => {
    const did = uniqueDid();
    const office = await startUas({ behaviour: 'busy', port: officePort });

    const r = await call({ to: did, expect: 486 });

    expect({ exitCode: r.exitCode, errors: r.errors }).toEqual({ exitCode: 0, errors: '' });
    expect(r.finalCode).toBe(486);
    expect(r.sent200).toBe(false);
    expect((await office.stop()).invites.map((i) => i.user)).toEqual([did]);
  });
});

describe('benchmark numbers', () => {
  it('*9<digits> is rejected by the dialplan alone: 486, no 200', async () => {
    const r = await call({ to: `*9${uniqueDid().slice(1)}`, expect: 486 });

    expect({ exitCode: r.exitCode, errors: r.errors }).toEqual({ exitCode: 0, errors: '' });
    expect(r.finalCode).toBe(486);
    expect(r.sent200).toBe(false);
  });
});

describe('with a throw-away Stasis app', () => {
  let client: ari.Client;
  const starts: Array<{ did: string; linkedid: string | undefined; context: string }> = [];
  let onStart: (event: ari.StasisStart, channel: ari.Channel) => Promise<void> = async () => undefined;

  beforeAll(async () => {
    client = await ari.connect(ariUrl, ariUser, ariPassword);
    client.on('StasisStart', (event, channel) => {
      const vars = (channel as unknown as { channelvars?: Record<string, string> }).channelvars;
      starts.push({ did: event.args[0], linkedid: vars?.['CHANNEL(linkedid)'], context: channel.dialplan.context });
      onStart(event, channel).catch(() => undefined);
    });
    await client.start(ariApp);
    await until(() => appConnected(ariApp), `ARI app ${ariApp} to register`);
  });

  afterAll(async () => {
    client.stop();
    await until(async () => !(await appConnected(ariApp)), `ARI app ${ariApp} to go away`);
  });

  it('a rejection with reason busy gives the caller 486 and never a 200', async () => {
    onStart = async (_event, channel) => {
      await channel.hangup({ reason: 'busy' });
    };
    const did = uniqueDid();

    const r = await call({ to: did, expect: 486 });

    expect({ exitCode: r.exitCode, errors: r.errors }).toEqual({ exitCode: 0, errors: '' });
    expect(r.finalCode).toBe(486);
    expect(r.sent200).toBe(false);
    expect(r.codes).not.toContain(200);
    const start = starts.find((s) => s.did === did);
    expect(start).toBeDefined();
    expect(start?.context).toBe('from-callers');
    expect(start?.linkedid).toMatch(/\S/);
  });

  it('an announcement from the repository (absolute path) is early media: 183, then 486, never a 200', async () => {
    const dir = path.join(repoRoot, '.stack', 'test-sounds');
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `tone-${process.pid}`);
    fs.writeFileSync(`${file}.wav`, toneWav());
    const finished: string[] = [];
    onStart = async (_event, channel) => {
      const playback = client.Playback();
      const done = new Promise<void>((resolve) => playback.once('PlaybackFinished', () => resolve()));
      await channel.play({ media: `sound:${file}` }, playback);
      await done;
      finished.push(channel.id);
      await channel.hangup({ reason: 'busy' });
    };

    const r = await call({ to: uniqueDid(), expect: 486, earlyMedia: true });

    expect({ exitCode: r.exitCode, errors: r.errors }).toEqual({ exitCode: 0, errors: '' });
    expect(r.codes).toContain(183);
    expect(r.finalCode).toBe(486);
    expect(r.sent200).toBe(false);
    expect(finished).toHaveLength(1);
    fs.rmSync(`${file}.wav`, { force: true });
  });
});

describe('forwards leave through the trunk as PJSIP/<number>@trunk', () => {
  // A second app name, so this never looks like a daemon to the other tests.
  const app = 'stack-forward-test';
  let client: ari.Client;
  const destroyed = new Map<string, number>();

  beforeAll(async () => {
    client = await ari.connect(ariUrl, ariUser, ariPassword);
    client.on('ChannelDestroyed', (event) => destroyed.set(event.channel.id, event.cause));
    client.on('StasisStart', (_event, channel) => {
      // answered far end: hang up after a moment, as the caller would
      setTimeout(() => channel.hangup().catch(() => undefined), 200);
    });
    await client.start(app);
    await until(() => appConnected(app), `ARI app ${app} to register`);
  });

  afterAll(async () => {
    client.stop();
    await until(async () => !(await appConnected(app)), `ARI app ${app} to go away`);
  });

  async function forward(behaviour: 'answer' | 'ring' | 'busy') {
    const trunk = await startUas({ behaviour });
    const number = uniqueMobile();
    const channel = await client.channels.originate({ endpoint: dialplan.trunkEndpoint(number), app, appArgs: 'forward', timeout: 2 });
    await until(async () => destroyed.has(channel.id), `the ${behaviour} forward to end`, 10000);
    await until(
      async () => trunk.report().requests.includes(behaviour === 'busy' ? 'ACK' : behaviour === 'ring' ? 'ACK' : 'BYE'),
      'the far end to finish',
      5000,
    );
    return { number, cause: destroyed.get(channel.id), far: await trunk.stop() };
  }

  it('a far end that answers gets the E.164 number in the Request-URI, then a BYE', async () => {
    const { number, far } = await forward('answer');
    expect(far.invites.map((i) => i.user)).toEqual([number]);
    expect(far.answered).toBe(true);
    expect(far.requests).toEqual(['INVITE', 'ACK', 'BYE']);
  });

  it('a far end that only rings is cancelled when the dial times out', async () => {
    const { number, far } = await forward('ring');
    expect(far.invites.map((i) => i.user)).toEqual([number]);
    expect(far.requests).toEqual(['INVITE', 'CANCEL', 'ACK']);
    expect(far.inviteResponses).toEqual([100, 180, 487]);
    expect(far.answered).toBe(false);
  });

  it('a busy far end answers 486 and Asterisk sees cause 17', async () => {
    const { far, cause } = await forward('busy');
    expect(far.inviteResponses).toEqual([100, 486]);
    expect(cause).toBe(17);
  });
});

describe('scripts/stack up and down', () => {
  // A second stack on its own ports and run dir, so the shared one keeps running.
  const freeTcpPort = (): Promise<number> =>
    new Promise((resolve, reject) => {
      const s = net.createServer();
      s.once('error', reject);
      s.listen(0, '127.0.0.1', () => {
        const { port } = s.address() as net.AddressInfo;
        s.close(() => resolve(port));
      });
    });

  it('up twice and down twice leave no stray process or mount', async () => {
    const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ah-stack-updown-'));
    const env = {
      ...process.env,
      AH_STACK_DIR: runDir,
      AH_STACK_BACKEND: 'chroot',
      AH_REDIS_PORT: String(await freeTcpPort()),
      AH_ARI_PORT: String(await freeTcpPort()),
      // Its own HTTPS port too: the default is the shared stack's.
      AH_ARI_TLS_PORT: String(await freeTcpPort()),
      AH_SIP_PORT: String(await freeUdpPort()),
      AH_RTP_START: '11000',
      AH_RTP_END: '11099',
    };
    const stack = (verb: string) => spawnSync(stackScript, [verb], { env, encoding: 'utf8', timeout: 600000 });
    const pidOf = (name: string) => Number(fs.readFileSync(path.join(runDir, `${name}.pid`), 'utf8').trim());
    const alive = (pid: number) =>
      fs.existsSync(`/proc/${pid}`) && !/^\S+ \S+ Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/\(.*\)/, 'x'));
    const mountsUnder = (dir: string) =>
      fs
        .readFileSync('/proc/mounts', 'utf8')
        .split('\n')
        .map((l) => (l.split(' ')[1] ?? '').replace(/\\040/g, ' '))
        .filter((m) => m === dir || m.startsWith(`${dir}/`));
    const cacheRoot =
      process.env.AH_ASTERISK_ROOT ??
      path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'after-hours', 'asterisk-root');
    const processesWithCmdline = (needle: string) =>
      fs
        .readdirSync('/proc')
        .filter((d) => /^\d+$/.test(d))
        .filter((d) => {
          try {
            return fs.readFileSync(`/proc/${d}/cmdline`, 'utf8').replace(/\0/g, ' ').includes(needle);
          } catch {
            return false;
          }
        })
        .map(Number);
    try {
      const up1 = stack('up');
      expect(up1.stderr + up1.stdout).toMatch(/stack up/);
      expect(up1.status).toBe(0);
      const asterisk = pidOf('asterisk');
      const redis = pidOf('redis');
      expect(alive(asterisk)).toBe(true);
      expect(alive(redis)).toBe(true);
      // Asterisk sees the repository, read-only, at the same absolute path
      const inside = fs.readFileSync(`/proc/${asterisk}/mounts`, 'utf8').split('\n');
      // (/proc/PID/mounts shows mount points relative to the process's root)
      const repoMount = inside.map((l) => l.split(' ')).find((f) => f[1] === repoRoot || f[1] === path.join(cacheRoot, repoRoot));
      expect(repoMount?.[3].split(',')).toContain('ro');
      expect(await ariGet<{ system: { version: string } }>('/asterisk/info', Number(env.AH_ARI_PORT))).toHaveProperty('system.version');

      const up2 = stack('up');
      expect(up2.status).toBe(0);
      expect(up2.stderr).toMatch(/already running/);
      expect([pidOf('asterisk'), pidOf('redis')]).toEqual([asterisk, redis]);

      const down1 = stack('down');
      expect(down1.status).toBe(0);
      expect(alive(asterisk)).toBe(false);
      expect(alive(redis)).toBe(false);
      expect(processesWithCmdline(`127.0.0.1:${env.AH_REDIS_PORT}`)).toEqual([]);
      expect(fs.existsSync(path.join(runDir, 'asterisk.pid'))).toBe(false);

      const down2 = stack('down');
      expect(down2.status).toBe(0);

      expect(mountsUnder(runDir)).toEqual([]);
      expect(mountsUnder(cacheRoot)).toEqual([]);
      expect(stack('status').status).not.toBe(0);
    } finally {
      stack('down');
      if (mountsUnder(runDir).length === 0) spawnSync('rm', ['-rf', '--one-file-system', '--', runDir]);
    }
  }, 600000);
});
