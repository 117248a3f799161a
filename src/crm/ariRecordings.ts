import { AriHttpError, AriRest } from '../ari/rest';
import type { AriAccess } from '../ari/endpoint';
import { TransientCrmError, type RecordingFetcher } from './adapter';

export interface AriRecordingOptions extends AriAccess {
  requestTimeoutMs?: number;
}

/**
 * Fetches a stored recording's file from Asterisk: GET <prefix>/ari/recordings/stored/{name}/file,
 * through the daemon's ARI client (the same ARI_URL forms, credentials and ARI_CA_FILE).
 * The CA file defaults to ARI_CA_FILE from the environment, as the worker's other ARI settings.
 */
export function createAriRecordingFetcher(opts: AriRecordingOptions): RecordingFetcher {
  const rest = new AriRest({ ...opts, caFile: opts.caFile ?? (process.env.ARI_CA_FILE || undefined) });
  const timeoutMs = opts.requestTimeoutMs ?? 60_000;
  return async (recording, signal) => {
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
}
