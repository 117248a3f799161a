// The subset of ARI event payloads the daemon reads (Asterisk 22).

export interface AriChannel {
  id: string;
  name: string;
  state: string;
  caller: { name: string; number: string };
  /** app_name/app_data: the application the channel is in (Stasis, "after-hours,+4822…"; Asterisk 18+). */
  dialplan: { context: string; exten: string; priority: number; app_name?: string; app_data?: string };
  channelvars?: Record<string, string>;
}

export interface StasisStartEvent {
  type: 'StasisStart';
  application: string;
  args: string[];
  channel: AriChannel;
  /** The entity id of the Asterisk that sent the event (asterisk.conf entityid; every ARI event has it). */
  asterisk_id?: string;
}

export interface ChannelEvent {
  type: string;
  channel: AriChannel;
}

export interface PlaybackEvent {
  type: 'PlaybackFinished' | 'PlaybackStarted';
  playback: { id: string; state: string; target_uri: string };
}

export interface RecordingEvent {
  type: 'RecordingFinished' | 'RecordingFailed' | 'RecordingStarted';
  recording: {
    name: string;
    format: string;
    state: string;
    duration?: number;
    talking_duration?: number;
    silence_duration?: number;
    cause?: string;
    target_uri: string;
  };
}

export interface DialEvent {
  type: 'Dial';
  dialstatus: string;
  peer: AriChannel;
  caller?: AriChannel;
}

/** What a call session waits for. */
export type CallSignal =
  | { kind: 'hangup' } // the caller's channel left (hung up / destroyed / left Stasis)
  | { kind: 'peer-hangup'; channelId: string }
  | { kind: 'peer-ready'; channelId: string }
  | {
      kind: 'playback-finished';
      playbackId: string;
      /** 'done', or 'failed' when Asterisk could not play the media (a missing or unreachable sound). */ state?: string;
    }
  | { kind: 'recording-finished'; name: string; durationSeconds: number }
  | { kind: 'recording-failed'; name: string; cause: string }
  | { kind: 'dial'; channelId: string; status: string };
