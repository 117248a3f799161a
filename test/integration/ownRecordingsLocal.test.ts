// Own recordings without SOUNDS_BASE_URL, on the shared stack (its Asterisk sees the
// repository at the same path): the daemon writes the stored sound it needs to sounds/ beside
// its spool (here inside the repository's ignored test-artifacts/, so Asterisk can read it)
// and gives Asterisk that path. A real call hears the announcement for the converted length.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../../src/shared/paths';
import { makeTone } from '../support/audioFixtures';
import { runCli, startDaemon, writeConfig, type RunningDaemon } from '../support/daemon';
import { callHearing } from '../support/rtpPeer';
import * as sipp from '../support/sipp';
import { redisUrl, uniqueDid, uniquePrefix } from '../support/stackEnv';

jest.setTimeout(120_000);

describe('own recordings on the same host: written beside the spool, played by path', () => {
  let daemon: RunningDaemon | undefined;
  let stateDir = '';
  afterAll(async () => {
    await daemon?.stop();
    if (stateDir) rmSync(stateDir, { recursive: true, force: true });
  });

  test('a 48 kHz stereo FLAC announcement is heard for its converted length', async () => {
    const prefix = uniquePrefix('own-local');
    const cli = (...args: string[]) => runCli(args, { REDIS_URL: redisUrl, REDIS_PREFIX: prefix });
    const flac = makeTone(mkdtempSync(join(tmpdir(), 'ah-own-local-')), 'closed.flac', {
      seconds: 3,
      padBefore: 0.5,
      padAfter: 0.5,
      rate: 48000,
      channels: 2,
    });
    const added = cli('sound', 'add', flac, '--name', 'closed-flac');
    expect(added.stderr).toBe('');
    const sound = (JSON.parse(cli('sound', 'list', '--json').stdout) as Array<{ name: string; hash: string; durationMs: number }>)[0]!;
    const did = uniqueDid();
    const configFile = writeConfig(
      [
        'defaults: { region: PL, timezone: Europe/Warsaw }',
        'numbers:',
        `  - { did: "${did}", hours: {}, afterHours: { action: hangup, hangup: { cause: busy, announcement: "sound:closed-flac" } } }`,
        '',
      ].join('\n'),
    );
    expect(cli('push', '--config', configFile).status).toBe(0);
    const artifacts = join(packageRoot(), 'test-artifacts');
    mkdirSync(artifacts, { recursive: true });
    stateDir = mkdtempSync(join(artifacts, 'own-local-'));
    chmodSync(stateDir, 0o755); // mkdtemp makes it 0700: Asterisk (another user) must pass through
    daemon = await startDaemon({ configFile, prefix, spoolDir: join(stateDir, 'spool') });
    await daemon.waitHealthy();

    const { result, spurts } = await callHearing(sipp, { to: did, expect: 486 });
    expect(result.finalCode).toBe(486);
    expect(result.codes).toContain(183);
    expect(spurts.length).toBeGreaterThanOrEqual(1);
    // Played in full; a loaded machine may stretch what the caller hears, never shorten it.
    expect(spurts[0]!.durationMs).toBeGreaterThan(sound.durationMs - 600);
    expect(spurts[0]!.durationMs).toBeLessThan(sound.durationMs + 3 * 600);
    // Written whole, world-readable (Asterisk runs as another user), named by its hash.
    const file = statSync(join(stateDir, 'sounds', `${sound.hash}.wav`));
    expect(file.mode & 0o777).toBe(0o644);
    // and its 16 kHz copy under the same base name (for a G.722 call Asterisk would pick it).
    expect(statSync(join(stateDir, 'sounds', `${sound.hash}.wav16`)).size).toBeGreaterThan(2 * file.size - 100);
    expect(daemon.logs()).not.toMatch(/playback failed|stored sound missing/);
    console.log(`RTP heard: ${spurts[0]!.durationMs} ms (converted FLAC ${sound.durationMs} ms), played from ${stateDir}/sounds`);
  });
});
