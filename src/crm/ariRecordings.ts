import { TransientCrmError, type RecordingFetcher } from './adapter';

export interface AriRecordingOptions {
  /** e.g. http://127.0.0.1:8088 (a trailing /ari is accepted). */
  url: string;
  user: string;
  password: string;
  fetch?: typeof fetch;
  requestTimeoutMs?: number;
}

/** Fetches a stored recording's file from Asterisk: GET /ari/recordings/stored/{name}/file. */
export function createAriRecordingFetcher(opts: AriRecordingOptions): RecordingFetcher {
  const base = opts.url.replace(/\/+$/, '').replace(/\/ari$/, '');
  const auth = `Basic ${Buffer.from(`${opts.user}:${opts.password}`).toString('base64')}`;
  return async (recording, signal) => {
    let res: Response;
    try {
      res = await (opts.fetch ?? fetch)(`${base}/ari/recordings/stored/${encodeURIComponent(recording.name)}/file`, {
        headers: { authorization: auth },
        signal: AbortSignal.any([signal, AbortSignal.timeout(opts.requestTimeoutMs ?? 60_000)]),
      });
    } catch (err) {
      if (signal.aborted) throw err;
      throw new TransientCrmError(`ARI recording ${recording.name}: network error`);
    }
    if (res.status === 404) {
      await res.arrayBuffer().catch(() => undefined);
      return null;
    }
    if (!res.ok) throw new TransientCrmError(`ARI recording ${recording.name}: HTTP ${res.status}`);
    const leaf = recording.name.split('/').pop() ?? recording.name;
    return { filename: `${leaf}.${recording.format}`, content: Buffer.from(await res.arrayBuffer()) };
  };
}
