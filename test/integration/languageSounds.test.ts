// The shipped sounds in two languages on real calls: a number with `language: pl` plays the
// Polish closed announcement (and voicemail greeting), one with `language: en` the English
// ones. The caller's media port is a UDP socket of the test's (rtpPeer): the announcement
// arrives there as early media for as long as the chosen file lasts, then the call is
// rejected; the greeting of an answered voicemail likewise. Which file played is read from
// Asterisk's own PlaybackStarted (an observer beside the daemon): the files' lengths are too
// close to tell a greeting's language, and a loaded machine stretches what the caller hears.
import { join } from 'node:path';
import { observeAri, type AriEvent, type AriObserver } from '../support/ariObserver';
import { startDaemon, writeConfig, type RunningDaemon } from '../support/daemon';
import { scenarioWithMediaPort, startRtpPeer, wavSeconds } from '../support/rtpPeer';
import { call } from '../support/sipp';
import { repoRoot, uniqueDid, uniquePrefix } from '../support/stackEnv';

jest.setTimeout(120_000);

/** Packetisation and scheduling slack: the sound's length within this much. */
const TOLERANCE_MS = 400;
const file = (language: string, kind: string) => join(repoRoot, 'sounds', language, `${kind}.wav`);
/** The media of every playback Asterisk started since `from` events ago. */
const playedSince = (observer: AriObserver, from: number): string[] =>
  observer.events
    .slice(from)
    .filter((e: AriEvent) => e.type === 'PlaybackStarted')
    .map((e) => String((e.playback as { media_uri?: string } | undefined)?.media_uri ?? ''));

describe("a number's language picks the shipped sounds", () => {
  const dids = { pl: uniqueDid(), en: uniqueDid(), plVoicemail: uniqueDid() };
  let daemon: RunningDaemon;
  let observer: AriObserver;

  beforeAll(async () => {
    observer = await observeAri();
    // The files differ in length, so the length heard says which one played.
    const lengths = ['pl', 'en'].map((l) => wavSeconds(file(l, 'closed')));
    expect(Math.abs(lengths[0]! - lengths[1]!) * 1000).toBeGreaterThan(2 * TOLERANCE_MS);
    const configFile = writeConfig(
      [
        'defaults: { region: PL, timezone: Europe/Warsaw, hours: {} }',
        'numbers:',
        `  - { did: "${dids.pl}", language: pl, afterHours: { action: hangup, hangup: { cause: busy, announcement: default } } }`,
        `  - { did: "${dids.en}", language: en, afterHours: { action: hangup, hangup: { cause: busy, announcement: default } } }`,
        `  - { did: "${dids.plVoicemail}", crm: { language: pl }, afterHours: { action: voicemail, voicemail: { maxSeconds: 5, maxSilenceSeconds: 5 } } }`,
        '',
      ].join('\n'),
    );
    daemon = await startDaemon({ configFile, prefix: uniquePrefix('lang') });
    await daemon.waitHealthy();
  });

  afterAll(async () => {
    await daemon?.stop();
    await observer?.close();
  });

  it.each([
    ['pl', 'Polish'],
    ['en', 'English'],
  ] as const)('language: %s plays the %s closed announcement as early media, then 486', async (language, _name) => {
    const peer = await startRtpPeer();
    const seen = observer.events.length;
    try {
      const r = await call({
        to: dids[language],
        expect: 486,
        earlyMedia: true,
        scenario: scenarioWithMediaPort('caller-early-media-reject', peer.port),
        timeoutMs: 30_000,
      });
      expect(r.finalCode).toBe(486);
      expect(r.sent200).toBe(false);
      expect(r.codes).toContain(183);
      const other = language === 'pl' ? 'en' : 'pl';
      const played = playedSince(observer, seen);
      expect(played.filter((m) => m.includes(`/sounds/${language}/closed`))).toHaveLength(1);
      expect(played.filter((m) => m.includes(`/sounds/${other}/`))).toEqual([]);
      // ...and the caller heard it in full: one spurt as long as the file, give or take the
      // packetisation (more on a loaded machine, where Asterisk's media runs late).
      const spurts = peer.spurts(1000);
      expect(spurts).toHaveLength(1);
      const expected = wavSeconds(file(language, 'closed')) * 1000;
      console.log(`${language}: announcement heard ${spurts[0]!.durationMs} ms, file ${Math.round(expected)} ms`);
      expect(spurts[0]!.durationMs).toBeGreaterThan(expected - TOLERANCE_MS);
      expect(spurts[0]!.durationMs).toBeLessThan(expected + 3 * TOLERANCE_MS);
      expect(daemon.logs()).not.toMatch(/playback failed/);
    } finally {
      await peer.close();
    }
  });

  it('a voicemail without a greeting of its own plays the greeting of its language (crm.language pl, no language: Polish)', async () => {
    const peer = await startRtpPeer({ talk: true });
    const seen = observer.events.length;
    try {
      const r = await call({
        to: dids.plVoicemail,
        expect: 200,
        talkMs: 13_000,
        scenario: scenarioWithMediaPort('caller-answered', peer.port),
        timeoutMs: 30_000,
      });
      expect(r.finalCode).toBe(200);
      const played = playedSince(observer, seen);
      expect(played.filter((m) => m.includes('/sounds/pl/greeting'))).toHaveLength(1);
      expect(played.filter((m) => m.includes('/sounds/en/'))).toEqual([]);
      // A busy machine can stall Asterisk's media for a few hundred ms: a pause under a second
      // does not end the greeting (the recording after the beep sends nothing).
      const spurts = peer.spurts(1000);
      expect(spurts.length).toBeGreaterThanOrEqual(1);
      // The first spurt is the greeting; the beep may follow without a gap (at most ~0.5 s more).
      const expected = wavSeconds(file('pl', 'greeting')) * 1000;
      console.log(`pl: greeting heard ${spurts[0]!.durationMs} ms, file ${Math.round(expected)} ms`);
      expect(spurts[0]!.durationMs).toBeGreaterThan(expected - TOLERANCE_MS);
      expect(spurts[0]!.durationMs).toBeLessThan(expected + 3 * TOLERANCE_MS + 500);
    } finally {
      await peer.close();
    }
  });
});
