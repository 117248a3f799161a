import { AriEventDispatcher } from '../../../src/ari/ariEventDispatcher';
import { CallSession } from '../../../src/call/callSession';
import type { AriChannel, CallSignal, ChannelEvent, DialEvent, PlaybackEvent, RecordingEvent } from '../../../src/call/ariEvents';

// The call edge without Asterisk: ARI events reach the call they belong to, waits end the
// way the call does, and nothing stays behind when a call is removed.

const channel = (id: string): AriChannel => ({
  id,
  name: `PJSIP/trunk-${id}`,
  state: 'Ring',
  caller: { name: '', number: '48600100200' },
  dialplan: { context: 'from-trunk', exten: '+48221234567', priority: 1 },
});
const session = (id: string) => new CallSession(id, channel(id), '+48221234567', '+48600100200', 0);
const playbackFinished = (id: string): PlaybackEvent => ({
  type: 'PlaybackFinished',
  playback: { id, state: 'done', target_uri: 'channel:a' },
});
const recordingFinished = (name: string, duration: number): RecordingEvent => ({
  type: 'RecordingFinished',
  recording: { name, format: 'wav', state: 'done', duration, target_uri: 'channel:b' },
});
const dial = (peerId: string, dialstatus: string): DialEvent => ({ type: 'Dial', dialstatus, peer: channel(peerId) });
const gone = (type: string, id: string): ChannelEvent => ({ type, channel: channel(id) });

describe('AriEventDispatcher', () => {
  it('delivers each ARI event to the call that owns the channel, playback, recording or leg', async () => {
    const router = new AriEventDispatcher();
    const a = session('a');
    const b = session('b');
    router.add(a);
    router.add(b);
    router.trackPlayback(a, 'a-play-1');
    router.trackRecording(b, 'b-rec-1');
    router.trackPeer(a, 'a-leg-1');

    const played = a.waitFor((s) => s.kind === 'playback-finished', 1000);
    router.onPlaybackFinished(playbackFinished('a-play-1'));
    expect(await played).toEqual({ kind: 'playback-finished', playbackId: 'a-play-1', state: 'done' });

    const recorded = b.waitFor((s) => s.kind === 'recording-finished', 1000);
    router.onRecording(recordingFinished('b-rec-1', 7));
    expect(await recorded).toEqual({ kind: 'recording-finished', name: 'b-rec-1', durationSeconds: 7 });

    const dialled = a.waitFor((s) => s.kind === 'dial', 1000);
    router.onDial(dial('a-leg-1', 'ANSWER'));
    expect(await dialled).toEqual({ kind: 'dial', channelId: 'a-leg-1', status: 'ANSWER' });
    expect(router.isPeer('a-leg-1')).toBe(true);
    expect(router.isPeer('a')).toBe(false);
  });

  it("ignores events for channels, playbacks and recordings it does not know (another daemon's, or ended calls)", () => {
    const router = new AriEventDispatcher();
    const a = session('a');
    router.add(a);
    router.onPlaybackFinished(playbackFinished('nobody'));
    router.onRecording(recordingFinished('nobody', 1));
    router.onDial(dial('nobody', 'BUSY'));
    router.onChannelGone(gone('StasisEnd', 'nobody'));
    expect(a.hungUp).toBe(false);
  });

  it("a caller's hang-up ends the call's waits; a leg's hang-up is a peer-hangup, not the caller's", async () => {
    const router = new AriEventDispatcher();
    const a = session('a');
    router.add(a);
    router.trackPeer(a, 'a-leg-1');
    const peer = a.waitFor((s) => s.kind === 'peer-hangup', 1000);
    router.onChannelGone(gone('ChannelDestroyed', 'a-leg-1'));
    expect(await peer).toEqual({ kind: 'peer-hangup', channelId: 'a-leg-1' });
    expect(a.hungUp).toBe(false);

    const recording = a.waitFor((s) => s.kind === 'recording-finished', 5000);
    router.onChannelGone(gone('StasisEnd', 'a'));
    expect(await recording).toEqual({ kind: 'hangup' });
    expect(a.hungUp).toBe(true);
  });

  it('remove() forgets the call and everything it tracked, so the maps shrink back to zero', () => {
    const router = new AriEventDispatcher();
    const calls = Array.from({ length: 50 }, (_, i) => session(`c${i}`));
    for (const s of calls) {
      router.add(s);
      router.trackPeer(s, `${s.id}-leg`);
      router.trackPlayback(s, `${s.id}-play`);
      router.trackRecording(s, `${s.id}-rec`);
    }
    expect(router.size).toEqual({ calls: 50, peers: 50, playbacks: 50, recordings: 50 });
    for (const s of calls) router.remove(s);
    expect(router.size).toEqual({ calls: 0, peers: 0, playbacks: 0, recordings: 0 });
    expect([...router.sessions]).toEqual([]);
  });
});

describe('CallSession', () => {
  it('keeps a signal that arrived before anyone waited for it (a recording that finished meanwhile)', async () => {
    const s = session('a');
    s.deliver({ kind: 'recording-finished', name: 'r', durationSeconds: 3 });
    expect(await s.waitFor((x) => x.kind === 'recording-finished', 10)).toEqual({
      kind: 'recording-finished',
      name: 'r',
      durationSeconds: 3,
    });
    // Taken once: a second wait does not see it again.
    expect(await s.waitFor((x) => x.kind === 'recording-finished', 10)).toBeUndefined();
  });

  it('a wait times out with undefined; after the caller left, every wait ends at once with a hangup', async () => {
    const s = session('a');
    expect(await s.waitFor((x) => x.kind === 'playback-finished', 20)).toBeUndefined();
    s.deliver({ kind: 'hangup' });
    // Longer than the test's own timeout: only a wait that ends at once lets the test pass.
    expect(await s.waitFor((x) => x.kind === 'playback-finished', 10 * 60_000)).toEqual({ kind: 'hangup' });
  });

  it('ignoreHangup waits on through the caller hanging up (clean-up that must finish)', async () => {
    const s = session('a');
    const w = s.waitFor((x) => x.kind === 'recording-finished', 1000, true);
    s.deliver({ kind: 'hangup' });
    s.deliver({ kind: 'recording-finished', name: 'r', durationSeconds: 1 });
    expect(await w).toEqual({ kind: 'recording-finished', name: 'r', durationSeconds: 1 });
  });

  it('cancelWaits ends every wait with a hangup and drops the backlog', async () => {
    const s = session('a');
    s.deliver({ kind: 'dial', channelId: 'x', status: 'BUSY' });
    const waits = [s.waitFor((x) => x.kind === 'playback-finished', 5000), s.waitFor((x) => x.kind === 'peer-ready', 5000, true)];
    s.cancelWaits();
    expect(await Promise.all(waits)).toEqual([{ kind: 'hangup' }, { kind: 'hangup' }] satisfies CallSignal[]);
    expect(await s.waitFor((x) => x.kind === 'dial', 10)).toBeUndefined();
  });

  it('ids for the resources of one call are unique and name the call', () => {
    const s = session('call-7');
    const ids = [s.nextId('play'), s.nextId('rec'), s.nextId('play'), s.nextId('leg')];
    expect(new Set(ids).size).toBe(4);
    for (const id of ids) expect(id.startsWith('call-7-')).toBe(true);
  });
});

describe('AriEventDispatcher.resync (after an ARI reconnect: the events of the gap are lost)', () => {
  it('delivers what Asterisk no longer has: a hung-up caller, a gone leg, a playback that ended while someone waits for it', async () => {
    const router = new AriEventDispatcher();
    const a = session('a');
    const b = session('b');
    router.add(a);
    router.add(b);
    router.trackPeer(a, 'a-leg-1');
    router.trackPlayback(b, 'b-play-1');
    router.trackPlayback(b, 'b-play-0'); // an earlier playback nobody waits for any more
    const leg = a.waitFor((s) => s.kind === 'peer-hangup', 1000, true);
    const played = b.waitFor((s) => s.kind === 'playback-finished' && s.playbackId === 'b-play-1', 1000);
    const asked: string[] = [];
    await router.resync({
      channel: async (id) => (asked.push(`channel ${id}`), id !== 'a-leg-1'),
      playback: async (id) => (asked.push(`playback ${id}`), false),
    });
    expect(await leg).toEqual({ kind: 'peer-hangup', channelId: 'a-leg-1' });
    expect(await played).toEqual({ kind: 'playback-finished', playbackId: 'b-play-1', state: 'done' });
    expect(a.hungUp).toBe(false);
    expect(b.hungUp).toBe(false);
    expect(asked).toEqual(['channel a', 'channel a-leg-1', 'channel b', 'playback b-play-1']);
  });

  it('a caller whose channel is gone is hung up; a playback still playing is left alone', async () => {
    const router = new AriEventDispatcher();
    const a = session('a');
    router.add(a);
    router.trackPlayback(a, 'a-play-1');
    const waited = a.waitFor((s) => s.kind === 'playback-finished', 200, true);
    await router.resync({ channel: async () => false, playback: async () => true });
    expect(a.hungUp).toBe(true);
    expect(await waited).toBeUndefined();
  });
});
