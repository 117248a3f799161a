import type { CallSession } from '../call/callSession';
import type { ChannelEvent, DialEvent, PlaybackEvent, RecordingEvent } from '../call/ariEvents';

// Routes ARI events to the call they belong to. Listeners are registered once on the
// connection, never per call, so a long-running daemon's listener count stays flat; the
// maps below shrink back to zero as calls end.

export class AriEventDispatcher {
  private readonly byChannel = new Map<string, CallSession>();
  private readonly byPeer = new Map<string, CallSession>();
  private readonly byPlayback = new Map<string, CallSession>();
  private readonly byRecording = new Map<string, CallSession>();

  add(session: CallSession): void {
    this.byChannel.set(session.channel.id, session);
  }
  trackPeer(session: CallSession, channelId: string): void {
    session.peers.add(channelId);
    this.byPeer.set(channelId, session);
  }
  trackPlayback(session: CallSession, playbackId: string): void {
    session.playbacks.add(playbackId);
    this.byPlayback.set(playbackId, session);
  }
  trackRecording(session: CallSession, name: string): void {
    session.recordings.add(name);
    this.byRecording.set(name, session);
  }

  /** Forgets the session and everything it tracked. */
  remove(session: CallSession): void {
    this.byChannel.delete(session.channel.id);
    for (const p of session.peers) this.byPeer.delete(p);
    for (const p of session.playbacks) this.byPlayback.delete(p);
    for (const r of session.recordings) this.byRecording.delete(r);
  }

  /** A call in progress has this channel, as its caller or as a forward leg. */
  owns(channelId: string): boolean {
    return this.byChannel.has(channelId) || this.byPeer.has(channelId);
  }

  isPeer(channelId: string): boolean {
    return this.byPeer.has(channelId);
  }

  get size(): { calls: number; peers: number; playbacks: number; recordings: number } {
    return { calls: this.byChannel.size, peers: this.byPeer.size, playbacks: this.byPlayback.size, recordings: this.byRecording.size };
  }

  get sessions(): IterableIterator<CallSession> {
    return this.byChannel.values();
  }

  /**
   * After the ARI connection came back: the events of the gap are lost, so every call in
   * progress asks Asterisk whether its channel, its forward legs and its playbacks are still
   * there, and what is gone is delivered as if its event had arrived (a call waiting for an
   * announcement that ended during the gap goes on instead of waiting out its limit).
   */
  async resync(exists: { channel(id: string): Promise<boolean>; playback(id: string): Promise<boolean> }): Promise<void> {
    for (const s of [...this.byChannel.values()]) {
      if (!(await exists.channel(s.channel.id))) s.deliver({ kind: 'hangup' });
      for (const peer of s.peers) if (!(await exists.channel(peer))) s.deliver({ kind: 'peer-hangup', channelId: peer });
      for (const pb of s.playbacks)
        if (s.isWaitingFor({ kind: 'playback-finished', playbackId: pb, state: 'done' }) && !(await exists.playback(pb)))
          s.deliver({ kind: 'playback-finished', playbackId: pb, state: 'done' });
    }
  }

  onChannelGone(e: ChannelEvent): void {
    const id = e.channel.id;
    this.byChannel.get(id)?.deliver({ kind: 'hangup' });
    this.byPeer.get(id)?.deliver({ kind: 'peer-hangup', channelId: id });
  }

  /** A forward leg this daemon created has entered the app: it can be dialled now. */
  onPeerInStasis(channelId: string): void {
    this.byPeer.get(channelId)?.deliver({ kind: 'peer-ready', channelId });
  }

  onPlaybackFinished(e: PlaybackEvent): void {
    this.byPlayback.get(e.playback.id)?.deliver({ kind: 'playback-finished', playbackId: e.playback.id, state: e.playback.state });
  }

  onRecording(e: RecordingEvent): void {
    const s = this.byRecording.get(e.recording.name);
    if (!s) return;
    if (e.type === 'RecordingFinished')
      s.deliver({ kind: 'recording-finished', name: e.recording.name, durationSeconds: e.recording.duration ?? 0 });
    else if (e.type === 'RecordingFailed')
      s.deliver({ kind: 'recording-failed', name: e.recording.name, cause: e.recording.cause ?? 'unknown' });
  }

  onDial(e: DialEvent): void {
    if (!e.dialstatus) return;
    this.byPeer.get(e.peer.id)?.deliver({ kind: 'dial', channelId: e.peer.id, status: e.dialstatus });
  }
}
