// Calls left in the Stasis app with nobody handling them: the daemon that had them was killed
// (SIGKILL) mid-call. Asterisk keeps such channels in the app, silent, until the caller gives
// up. The next daemon takes them over after it registers: an unanswered call is decided again,
// an answered one goes to normal routing (src/ari/strandedCalls.ts).
import { Redis } from 'ioredis';
import { eventually, startDaemon, writeConfig, type RunningDaemon } from '../support/daemon';
import { call, startUas } from '../support/sipp';
import { ariPassword, ariUrl, ariUser, officePort, redisUrl, uniqueDid, uniquePrefix } from '../support/stackEnv';
import { streamEvents } from '../support/streamEvents';

const auth = { authorization: `Basic ${Buffer.from(`${ariUser}:${ariPassword}`).toString('base64')}` };
const appChannels = async (): Promise<string[]> =>
  ((await (await fetch(`${ariUrl}/ari/applications/after-hours`, { headers: auth })).json()) as { channel_ids: string[] }).channel_ids;

describe('channels left in the app by a killed daemon', () => {
  const announced = uniqueDid();
  const voicemail = uniqueDid();
  const prefix = uniquePrefix('stranded');
  let configFile: string;
  let first: RunningDaemon | undefined;
  let second: RunningDaemon | undefined;
  let redis: Redis;

  beforeAll(() => {
    configFile = writeConfig(
      [
        'defaults: { region: PL, timezone: Europe/Warsaw, hours: {} }',
        'numbers:',
        // The shipped English closed announcement lasts about 7.4 s, played as early media (not answered).
        `  - { did: "${announced}", language: en, afterHours: { action: hangup, hangup: { announcement: default } } }`,
        `  - { did: "${voicemail}", language: en, afterHours: { action: voicemail, voicemail: { maxSeconds: 60, maxSilenceSeconds: 60 } } }`,
        '',
      ].join('\n'),
    );
    redis = new Redis(redisUrl);
  });

  afterEach(async () => {
    await first?.stop('SIGKILL');
    await second?.stop();
    first = second = undefined;
  });

  afterAll(() => redis?.disconnect());

  /** Places a call and SIGKILLs the daemon once the call is in `busyWith` (its playback or its recording is running). */
  async function killedWith(calling: () => Promise<unknown>, busyWith: 'playbacks' | 'recordings'): Promise<void> {
    first = await startDaemon({ configFile, prefix });
    await first.waitHealthy();
    void calling();
    expect(await eventually(async () => (await first!.health())?.activeCalls === 1, 10_000)).toBe(true);
    expect(await eventually(async () => (await first!.health())?.resources[busyWith] === 1, 10_000, 50)).toBe(true);
    await first.stop('SIGKILL');
    // Asterisk keeps the channel in the app with nobody connected.
    expect(await appChannels()).toHaveLength(1);
  }

  test('an unanswered call (its announcement cut off) is decided again: the caller gets the number’s 486 and the call its event', async () => {
    let result: Awaited<ReturnType<typeof call>> | undefined;
    await killedWith(async () => (result = await call({ to: announced, expect: 486, earlyMedia: true, timeoutMs: 45_000 })), 'playbacks');
    second = await startDaemon({ configFile, prefix });
    await second.waitHealthy();
    expect(await eventually(() => result !== undefined, 30_000, 100)).toBe(true);
    expect(result!.finalCode).toBe(486);
    expect(second.logs()).toMatch(/"plan":"decide-again".*taken over/);
    expect(await eventually(async () => (await streamEvents(redis, prefix)).some((e) => e.did === announced), 10_000)).toBe(true);
    expect(await appChannels()).toEqual([]);
  });

  test('an answered call (voicemail, its recording cut off) goes to normal routing: the office rings', async () => {
    const office = await startUas({ behaviour: 'answer', port: officePort });
    try {
      let done = false;
      await killedWith(async () => {
        await call({ to: voicemail, expect: 200, talkMs: 20_000, timeoutMs: 45_000 });
        done = true;
      }, 'recordings');
      expect(office.report().invites).toHaveLength(0);
      second = await startDaemon({ configFile, prefix });
      await second.waitHealthy();
      const invites = await office.waitForInvites(1, 10_000);
      expect(invites[0]!.user).toBe(voicemail);
      expect(second.logs()).toMatch(/"plan":"normal-routing".*taken over/);
      expect(await eventually(() => done, 30_000, 100)).toBe(true);
    } finally {
      await office.stop();
    }
  });
});
