import type { HangupCause } from '../config/types';
import { AriHttpClient, type AriHttpOptions, type AriOperation, type AriRestClient, type Query } from '../ariHttp/client';
import { AriHttpError } from '../ariHttp/errors';
import type { AriChannel } from '../call/ariEvents';

// ARI's calls, one method each, as the call handler makes them, typed, on the plain ARI HTTP
// client (src/ariHttp/: connections, time-outs, limits, which requests may be sent again).
// ari-client (request + swagger-client) opens new TCP connections under load and loses the
// HTTP status of errors; the calls a call handler makes are few and simple, so they go here.
// A POST that may have reached Asterisk is never sent twice: it fails with AriUnansweredError
// (mayHaveReached) and the call's recovery decides.

export { AriHttpError, AriUnansweredError, AriTooLargeError } from '../ariHttp/errors';
export type { AriRestClient, AriRestObserver, AriOperation } from '../ariHttp/client';

/** Device states ARI accepts for a `Stasis:` device. */
export type AriDeviceState = 'NOT_INUSE' | 'INUSE' | 'BUSY' | 'INVALID' | 'UNAVAILABLE' | 'RINGING' | 'RINGINUSE' | 'ONHOLD';

export type AriRestOptions = AriHttpOptions;

export class AriRest {
  private readonly http: AriHttpClient;
  readonly restClient: AriRestClient;

  constructor(opts: AriRestOptions) {
    this.http = new AriHttpClient(opts);
    this.restClient = this.http.restClient;
  }

  /** Sends a request; resolves with the body (parsed JSON when there is one). `op` names it for metrics. */
  call<T = unknown>(method: string, path: string, query?: Query, body?: unknown, op?: AriOperation): Promise<T> {
    return this.http.request<T>(method, path, query, body, op);
  }

  /** Fetches a binary body (stored recordings); AriHttpError for an error status (404: gone). */
  getBuffer(path: string, opts: { signal?: AbortSignal; timeoutMs?: number } = {}): Promise<Buffer> {
    return this.http.getBuffer(path, opts);
  }

  /** Whether Asterisk still has this channel (false on 404). */
  async channelExists(channelId: string): Promise<boolean> {
    return (await this.getUnless404(`/channels/${encodeURIComponent(channelId)}`, 'channels.get')) !== undefined;
  }

  /** Whether this playback is still playing (false on 404: it ended). */
  async playbackExists(playbackId: string): Promise<boolean> {
    return (await this.getUnless404(`/playbacks/${encodeURIComponent(playbackId)}`, 'playbacks.get')) !== undefined;
  }

  /** The channels in the Stasis app `app` now (answered or not, handled by anyone or by nobody). */
  async appChannelIds(app: string): Promise<string[]> {
    const a = await this.call<{ channel_ids?: string[] }>('GET', `/applications/${encodeURIComponent(app)}`, undefined, undefined, {
      operation: 'applications.get',
    });
    return a.channel_ids ?? [];
  }

  /** A channel's snapshot; undefined when Asterisk no longer has it. */
  async channel(channelId: string): Promise<AriChannel | undefined> {
    return (await this.getUnless404<AriChannel>(`/channels/${encodeURIComponent(channelId)}`, 'channels.get'))?.body;
  }

  /** Every channel that is in some bridge now. */
  async bridgedChannelIds(): Promise<Set<string>> {
    const bridges = await this.call<Array<{ channels?: string[] }>>('GET', '/bridges', undefined, undefined, { operation: 'bridges.list' });
    return new Set(bridges.flatMap((b) => b.channels ?? []));
  }

  /** A GET's body; undefined when the resource is gone (404). */
  private async getUnless404<T>(path: string, operation: string): Promise<{ body: T } | undefined> {
    try {
      return { body: await this.call<T>('GET', path, undefined, undefined, { operation }) };
    } catch (err) {
      if (err instanceof AriHttpError && err.status === 404) return undefined;
      throw err;
    }
  }

  // The calls the call handler makes. Each one is a line of ARI's REST API.
  hangup(channelId: string, reason: HangupCause = 'normal'): Promise<void> {
    return this.call('DELETE', `/channels/${encodeURIComponent(channelId)}`, { reason }, undefined, {
      operation: 'channels.hangup',
      channelId,
    });
  }
  continueInDialplan(channelId: string, context: string, extension: string, priority = 1): Promise<void> {
    return this.call('POST', `/channels/${encodeURIComponent(channelId)}/continue`, { context, extension, priority }, undefined, {
      operation: 'channels.continueInDialplan',
      channelId,
    });
  }
  answer(channelId: string): Promise<void> {
    return this.call('POST', `/channels/${encodeURIComponent(channelId)}/answer`, undefined, undefined, {
      operation: 'channels.answer',
      channelId,
    });
  }
  ring(channelId: string): Promise<void> {
    return this.call('POST', `/channels/${encodeURIComponent(channelId)}/ring`, undefined, undefined, {
      operation: 'channels.ring',
      channelId,
    });
  }
  play(channelId: string, playbackId: string, media: string): Promise<void> {
    return this.call('POST', `/channels/${encodeURIComponent(channelId)}/play/${encodeURIComponent(playbackId)}`, { media }, undefined, {
      operation: 'channels.playWithId',
      channelId,
    });
  }
  stopPlayback(playbackId: string): Promise<void> {
    return this.call('DELETE', `/playbacks/${encodeURIComponent(playbackId)}`, undefined, undefined, { operation: 'playbacks.stop' });
  }
  record(
    channelId: string,
    opts: { name: string; format: string; maxDurationSeconds: number; maxSilenceSeconds: number; beep: boolean; terminateOn: string },
  ): Promise<void> {
    return this.call('POST', `/channels/${encodeURIComponent(channelId)}/record`, { ...opts, ifExists: 'overwrite' }, undefined, {
      operation: 'channels.record',
      channelId,
    });
  }
  stopRecording(name: string): Promise<void> {
    return this.call('POST', `/recordings/live/${encodeURIComponent(name)}/stop`, undefined, undefined, { operation: 'recordings.stop' });
  }
  createChannel(opts: {
    endpoint: string;
    app: string;
    appArgs: string;
    channelId: string;
    originator: string;
    callerId?: string;
  }): Promise<void> {
    return this.call('POST', '/channels/create', { ...opts }, undefined, { operation: 'channels.create' });
  }
  dial(channelId: string, caller: string, timeoutSeconds: number): Promise<void> {
    return this.call('POST', `/channels/${encodeURIComponent(channelId)}/dial`, { caller, timeout: timeoutSeconds }, undefined, {
      operation: 'channels.dial',
      channelId,
    });
  }
  createBridge(bridgeId: string): Promise<void> {
    return this.call('POST', `/bridges/${encodeURIComponent(bridgeId)}`, { type: 'mixing' }, undefined, {
      operation: 'bridges.createWithId',
    });
  }
  addToBridge(bridgeId: string, channelIds: string[]): Promise<void> {
    return this.call('POST', `/bridges/${encodeURIComponent(bridgeId)}/addChannel`, { channel: channelIds.join(',') }, undefined, {
      operation: 'bridges.addChannel',
    });
  }
  destroyBridge(bridgeId: string): Promise<void> {
    return this.call('DELETE', `/bridges/${encodeURIComponent(bridgeId)}`, undefined, undefined, { operation: 'bridges.destroy' });
  }
  /** Sets a device state ARI controls (`Stasis:<name>`), creating it on first use. Idempotent. */
  setDeviceState(device: string, deviceState: AriDeviceState): Promise<void> {
    return this.call('PUT', `/deviceStates/${encodeURIComponent(device)}`, { deviceState }, undefined, {
      operation: 'deviceStates.update',
    });
  }

  /**
   * Sets an Asterisk global variable (the dialplan reads it as `${NAME}`); without a value,
   * removes it. Idempotent.
   */
  setGlobalVariable(variable: string, value?: string): Promise<void> {
    return this.call('POST', '/asterisk/variable', value === undefined ? { variable } : { variable, value }, undefined, {
      operation: 'asterisk.setGlobalVar',
    });
  }

  close(): void {
    this.http.close();
  }
}
