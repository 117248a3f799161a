// Own recordings, end to end, with an Asterisk that cannot see the daemon's disk (a second
// stack without the repository, test/support/remoteStack.ts): an MP3 and a 44.1 kHz stereo
// WAV made here with ffmpeg are uploaded with `after-hours sound add`, named as sound:NAME for
// a voicemail greeting and a hangup announcement, and pushed. Real SIP calls (sipp, with the
// caller's media port a socket of the test's) must receive RTP during the greeting and the
// announcement for as long as the converted sounds last. A push naming a missing sound and the
// removal of a sound in use are refused and change nothing. `sound play` calls the office phone
// (a sipp UAS) and plays a sound no number uses, which the daemon serves by hash from Redis.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { packageRoot } from '../../src/shared/paths';
import { makeTone } from '../support/audioFixtures';
import { useRemoteStack, type RemoteStack } from '../support/remoteStack';
import { scenarioWithMediaPort, startRtpPeer } from '../support/rtpPeer';

jest.setTimeout(300_000);

const execFileAsync = promisify(execFile);

/** Packetisation and scheduling slack: the sound's length within this much. */
const TOLERANCE_MS = 600;

describe('own recordings: uploaded, converted, stored in Redis, heard through an Asterisk on another host', () => {
  let stack: RemoteStack;
  let daemon: import('../support/daemon').RunningDaemon | undefined;
  const dir = mkdtempSync(join(tmpdir(), 'ah-own-recordings-'));

  beforeAll(async () => {
    stack = await useRemoteStack();
  });

  afterAll(async () => {
    await daemon?.stop();
  });

  test("the repository is not in that Asterisk's root", () => {
    expect(existsSync(`/proc/${stack.asteriskPid}/root${join(packageRoot(), 'package.json')}`)).toBe(false);
  });

  test('an MP3 greeting and a 44.1 kHz stereo WAV announcement are heard for as long as the converted sounds last', async () => {
    const { env, support, sipp } = stack;
    const prefix = env.uniquePrefix('own');
    const cliEnv = { REDIS_URL: env.redisUrl, REDIS_PREFIX: prefix };
    const cli = (...args: string[]) => support.runCli(args, cliEnv);

    // 2.5 s of tone as a 44.1 kHz stereo MP3, 1 s of silence before; 4 s of tone as a 44.1 kHz stereo WAV, silence around.
    const mp3 = makeTone(dir, 'studio.mp3', { seconds: 2.5, padBefore: 1, padAfter: 0.5, rate: 44100, channels: 2 });
    const wav = makeTone(dir, 'phone.wav', { seconds: 4, padBefore: 0.7, padAfter: 1, rate: 44100, channels: 2, frequency: 600 });
    const addedMp3 = cli('sound', 'add', mp3, '--name', 'welcome-mp3');
    expect(addedMp3.stderr).toBe('');
    expect(addedMp3.status).toBe(0);
    expect(addedMp3.stdout).toMatch(
      /^welcome-mp3: stored \(2\.\d s, \d+ KB, 8 kHz mono 16-bit, and a 16 kHz copy; 1\.\d s of silence trimmed/,
    );
    expect(cli('sound', 'add', wav, '--name', 'closed-wav').status).toBe(0);
    // The same name again is refused without --replace.
    const twice = cli('sound', 'add', wav, '--name', 'closed-wav');
    expect(twice.status).toBe(2);
    expect(twice.stderr).toMatch(/a sound named "closed-wav" is stored already \(give --replace to replace it\)/);

    const listed = cli('sound', 'list', '--json');
    expect(listed.status).toBe(0);
    const sounds = JSON.parse(listed.stdout) as Array<{ name: string; durationMs: number; hash: string }>;
    const duration = (name: string) => sounds.find((s) => s.name === name)!.durationMs;
    expect(sounds.map((s) => s.name)).toEqual(['closed-wav', 'welcome-mp3']);
    expect(duration('welcome-mp3')).toBeGreaterThan(2550);
    expect(duration('welcome-mp3')).toBeLessThan(2700);
    expect(duration('closed-wav')).toBeGreaterThan(4050);
    expect(duration('closed-wav')).toBeLessThan(4200);

    const voicemailDid = env.uniqueDid();
    const announcedDid = env.uniqueDid();
    const config = (announcement: string) =>
      support.writeConfig(
        [
          'defaults: { region: PL, timezone: Europe/Warsaw }',
          'numbers:',
          `  - { did: "${voicemailDid}", hours: {}, afterHours: { action: voicemail, voicemail: { greeting: "sound:welcome-mp3", maxSeconds: 10, maxSilenceSeconds: 5 } } }`,
          `  - { did: "${announcedDid}", hours: {}, afterHours: { action: hangup, hangup: { cause: busy, announcement: "${announcement}" } } }`,
          '',
        ].join('\n'),
      );
    // A push naming a sound that is not stored is refused, and nothing is pushed.
    const missing = cli('push', '--config', config('sound:christmas'));
    expect(missing.status).not.toBe(0);
    expect(missing.stderr).toMatch(
      new RegExp(`sound "christmas" is not stored \\(used by \\${announcedDid} afterHours\\.hangup\\.announcement\\): nothing pushed`),
    );
    const configFile = config('sound:closed-wav');
    const pushed = cli('push', '--config', configFile);
    expect(pushed.stderr).toBe('');
    expect(pushed.stdout).toMatch(/pushed as version 1 /);
    // In use: the removal is refused and the sound stays.
    const removal = cli('sound', 'remove', 'closed-wav');
    expect(removal.status).toBe(2);
    expect(removal.stderr).toMatch(/the sound "closed-wav" is used by the pushed configuration \(version 1\)/);
    expect(JSON.parse(cli('sound', 'list', '--json').stdout)).toHaveLength(2);

    const started = await stack.startSoundsDaemon(configFile, prefix);
    daemon = started.daemon;
    const metricsPort = started.metricsPort;

    // The announcement as early media: 183, RTP for the converted WAV's length, then 486.
    const announced = await stack.callHearing({ to: announcedDid, expect: 486 });
    expect(announced.result.finalCode).toBe(486);
    expect(announced.result.codes).toContain(183);
    expect(announced.spurts.length).toBeGreaterThanOrEqual(1);
    const announcementMs = announced.spurts[0]!.durationMs;
    // Played in full; a loaded machine may stretch what the caller hears, never shorten it.
    expect(announcementMs).toBeGreaterThan(duration('closed-wav') - TOLERANCE_MS);
    expect(announcementMs).toBeLessThan(duration('closed-wav') + 3 * TOLERANCE_MS);
    expect(announced.spurts[0]!.packets).toBeGreaterThan((duration('closed-wav') / 20) * 0.8);

    // The voicemail greeting: answered, RTP for the converted MP3's length (the beep may follow at once).
    const greeted = await stack.callHearing({ to: voicemailDid, expect: 200, talkMs: 6_000 });
    expect(greeted.result.finalCode).toBe(200);
    expect(greeted.spurts.length).toBeGreaterThanOrEqual(1);
    const greetingMs = greeted.spurts[0]!.durationMs;
    expect(greetingMs).toBeGreaterThan(duration('welcome-mp3') - TOLERANCE_MS);
    expect(greetingMs).toBeLessThan(duration('welcome-mp3') + 3 * TOLERANCE_MS + 500);
    console.log(
      `RTP heard: announcement ${announcementMs} ms (converted WAV ${duration('closed-wav')} ms), greeting ${greetingMs} ms (converted MP3 ${duration('welcome-mp3')} ms)`,
    );

    // Replaced: every daemon holds the new recording within a second (the announcement on
    // <prefix>sounds:changed), and the next call hears it at its own length.
    const shorter = makeTone(dir, 'shorter.ogg', { seconds: 2, padBefore: 0.4, rate: 44100, channels: 2, frequency: 700 });
    const replaced = cli('sound', 'add', shorter, '--name', 'closed-wav', '--replace');
    expect(replaced.stdout).toMatch(/^closed-wav: replaced \(2\.\d s/);
    const newSound = (JSON.parse(cli('sound', 'list', '--json').stdout) as typeof sounds).find((s) => s.name === 'closed-wav')!;
    expect(await support.eventually(() => daemon!.logs().includes(`closed-wav=${newSound.hash}`), 5_000, 50)).toBe(true);
    const again = await stack.callHearing({ to: announcedDid, expect: 486 });
    expect(again.spurts.length).toBeGreaterThanOrEqual(1);
    // Played in full; a loaded machine may stretch what the caller hears, never shorten it.
    expect(again.spurts[0]!.durationMs).toBeGreaterThan(newSound.durationMs - TOLERANCE_MS);
    // (the replaced 4.1 s recording would pass 3.2 s: this tells the two apart)
    expect(again.spurts[0]!.durationMs).toBeLessThan(newSound.durationMs + 2 * TOLERANCE_MS);

    // sound play: a sound no number uses yet, played to the office phone over ARI; the daemon
    // serves it by its hash from Redis. The phone hears it for its converted length.
    const preview = makeTone(dir, 'preview.m4a', { seconds: 2, padBefore: 0.3, rate: 48000, channels: 2, frequency: 500 });
    expect(cli('sound', 'add', preview, '--name', 'preview').status).toBe(0);
    const previewMs = (JSON.parse(cli('sound', 'list', '--json').stdout) as typeof sounds).find((s) => s.name === 'preview')!.durationMs;
    const phone = await startRtpPeer();
    const uas = await sipp.startUas({
      behaviour: 'answer',
      port: env.officePort,
      scenario: scenarioWithMediaPort('uas-answer', phone.port),
    });
    try {
      // Not spawnSync: the RTP peer in this process must stamp packets as they arrive.
      const played = await execFileAsync(process.execPath, [support.cli, 'sound', 'play', 'preview', '--to', 'PJSIP/201@office'], {
        env: {
          ...process.env,
          ...cliEnv,
          ARI_URL: env.ariUrl,
          ARI_USER: env.ariUser,
          ARI_PASSWORD: env.ariPassword,
          SOUNDS_BASE_URL: `http://127.0.0.1:${metricsPort}/sounds`,
        },
      });
      expect(played.stdout).toBe(`preview: played to PJSIP/201@office (${(previewMs / 1000).toFixed(1)} s)\n`);
      const report = await uas.stop();
      expect(report.invites.map((i) => i.user)).toEqual(['201']);
      const spurts = phone.spurts(1000);
      expect(spurts.length).toBeGreaterThanOrEqual(1);
      // Played in full; a loaded machine may stretch what the caller hears, never shorten it.
      expect(spurts[0]!.durationMs).toBeGreaterThan(previewMs - TOLERANCE_MS);
      expect(spurts[0]!.durationMs).toBeLessThan(previewMs + 3 * TOLERANCE_MS);
      console.log(`sound play: RTP ${spurts[0]!.durationMs} ms at the phone (converted M4A ${previewMs} ms)`);
    } finally {
      await uas.stop();
      await phone.close();
    }

    expect(daemon.logs()).not.toMatch(/playback failed|stored sound missing/);
    const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    expect(metrics).not.toMatch(/after_hours_media_failures_total\{[^}]*\} [1-9]/);
  });
});
