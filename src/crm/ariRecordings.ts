import { AriHttpClient } from '../ariHttp/client';
import type { AriAccess } from '../ariHttp/endpoint';
import { AriHttpError } from '../ariHttp/errors';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { recordedVoicemail } from '../policy/callEvent';
import { VOICEMAIL_MAILED, VOICEMAIL_MAILED_STEP } from './voicemailMail';
import { once, RECORDING_STORED, RECORDING_STORED_STEP, TransientCrmError, type CrmAdapter, type RecordingFetcher } from './adapter';

export interface AriRecordingOptions extends AriAccess {
  requestTimeoutMs?: number;
}

/**
 * Fetches a stored recording's file from Asterisk: GET <prefix>/ari/recordings/stored/{name}/file,
 * through the plain ARI HTTP client (src/ariHttp/: the same ARI_URL forms, credentials and
 * ARI_CA_FILE as the daemon, and its size limit on a download).
 */
export function createAriRecordingFetcher(opts: AriRecordingOptions): RecordingFetcher {
  const rest = new AriHttpClient(opts);
  const timeoutMs = opts.requestTimeoutMs ?? 60_000;
  const fetchRecording: RecordingFetcher = async (recording, signal) => {
    let content: Buffer;
    try {
      content = await rest.getBuffer(`/recordings/stored/${encodeURIComponent(recording.name)}/file`, {
        signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
        timeoutMs,
      });
    } catch (err) {
      if (signal.aborted) throw err;
      if (err instanceof AriHttpError) {
        if (err.status === 404) return null;
        throw new TransientCrmError(`ARI recording ${recording.name}: HTTP ${err.status}`);
      }
      throw new TransientCrmError(`ARI recording ${recording.name}: ${(err as Error).message}`);
    }
    const leaf = recording.name.split('/').pop() ?? recording.name;
    return { filename: `${leaf}.${recording.format}`, content };
  };
  return Object.assign(fetchRecording, { close: () => rest.close() });
}

/**
 * Deletes a stored recording from Asterisk; resolves true when deleted, false when it was
 * already gone (404). `close` ends its keep-alive connections (withRecordingCleanup's close).
 */
export type RecordingDeleter = ((name: string, signal: AbortSignal) => Promise<boolean>) & { close?(): void };

/** DELETE <prefix>/ari/recordings/stored/{name} with the same ARI settings as the fetcher. */
export function createAriRecordingDeleter(opts: AriRecordingOptions): RecordingDeleter {
  const rest = new AriHttpClient({ ...opts, timeoutMs: opts.requestTimeoutMs ?? 10_000 });
  const deleteRecording: RecordingDeleter = async (name, signal) => {
    signal.throwIfAborted();
    try {
      await rest.request('DELETE', `/recordings/stored/${encodeURIComponent(name)}`);
      return true;
    } catch (err) {
      if (err instanceof AriHttpError && err.status === 404) return false;
      throw new TransientCrmError(
        `ARI delete of recording ${name}: ${err instanceof AriHttpError ? `HTTP ${err.status}` : (err as Error).message}`,
        undefined,
        { cause: err },
      );
    }
  };
  return Object.assign(deleteRecording, { close: () => rest.close() });
}

export interface RecordingCleanupOptions {
  deleteRecording: RecordingDeleter;
  /** RECORDING_RETENTION_HOURS in ms: 0 deletes right after the CRM work; more waits that long after it. */
  retentionMs: number;
  redis: Redis;
  /** Sorted set of recordings waiting out the retention (score: when they may go). */
  dueKey: string;
  logger?: Logger;
  /** How often deletions that are due are looked for (default 60 s). */
  sweepEveryMs?: number;
}

/**
 * Wraps a CRM adapter so that each voicemail is deleted from Asterisk once the CRM stored it
 * (at once) or its retention is over (RECORDING_RETENTION_HOURS), never before: the
 * deletion is the event's last journaled step, so a redelivery skips it, and a recording
 * already gone counts as deleted. With a retention, the step only schedules the deletion; a
 * sweep (every worker runs one, deletions are idempotent) does it when due.
 */
export function withRecordingCleanup(inner: CrmAdapter, o: RecordingCleanupOptions): CrmAdapter {
  let sweeping = false;
  const sweep = async (): Promise<void> => {
    if (sweeping) return;
    sweeping = true;
    try {
      for (;;) {
        const due = await o.redis.zrangebyscore(o.dueKey, '-inf', Date.now(), 'LIMIT', 0, 100);
        if (due.length === 0) return;
        for (const name of due) {
          const deleted = await o.deleteRecording(name, AbortSignal.timeout(30_000));
          await o.redis.zrem(o.dueKey, name);
          o.logger?.info({ recording: name, deleted }, 'voicemail deleted from Asterisk (retention elapsed)');
        }
      }
    } catch (err) {
      o.logger?.warn({ err }, 'deleting recordings past their retention failed; retrying on the next sweep');
    } finally {
      sweeping = false;
    }
  };
  const timer = o.retentionMs > 0 ? setInterval(() => void sweep(), o.sweepEveryMs ?? 60_000) : undefined;
  timer?.unref();
  return {
    name: inner.name,
    lookupCaller: (phone, signal) => inner.lookupCaller(phone, signal),
    async apply(event, actions, context) {
      await inner.apply(event, actions, context);
      // A forward nobody answered may have fallen back to voicemail: that file goes the same way.
      const voicemail = recordedVoicemail(event);
      if (voicemail === undefined) return;
      const { name } = voicemail.recording;
      // Gone at once only when the CRM holds the file or it was e-mailed; otherwise kept for
      // the retention, and without one kept: a voicemail nobody stored is never deleted.
      const stored =
        (await context.journal.get(RECORDING_STORED_STEP)) === RECORDING_STORED ||
        (await context.journal.get(VOICEMAIL_MAILED_STEP)) === VOICEMAIL_MAILED;
      if (o.retentionMs <= 0 && !stored) {
        await once(context.journal, 'recording-kept', async () => {
          o.logger?.warn(
            { eventId: event.id, recording: name },
            'voicemail kept in Asterisk: no CRM stored it, no e-mail carried it, and RECORDING_RETENTION_HOURS is 0',
          );
          return 'kept';
        });
      } else if (o.retentionMs <= 0) {
        await once(context.journal, 'recording-deleted', async () => {
          const deleted = await o.deleteRecording(name, context.signal);
          o.logger?.info({ eventId: event.id, recording: name, deleted }, 'voicemail deleted from Asterisk');
          return deleted ? 'deleted' : 'already gone';
        });
      } else {
        await once(context.journal, 'recording-deletion-scheduled', async () => {
          const at = Date.now() + o.retentionMs;
          await o.redis.zadd(o.dueKey, 'NX', at, name);
          return new Date(at).toISOString();
        });
      }
    },
    async close() {
      if (timer) clearInterval(timer);
      o.deleteRecording.close?.();
      await inner.close?.();
    },
  };
}
