import { TransientCrmError } from './adapter';
import { traceCrmRequest } from './crmTiming';
import { describeNetworkError } from './networkError';

// The one way a CRM adapter sends a request: bounded by a timeout as well as the caller's
// signal, a network failure turned into a retryable error described in words, and the
// server's Retry-After read the same way everywhere.

export type Fetch = typeof fetch;

export interface CrmRequest {
  /** What the request is, for the error text: "bitrix24 crm.lead.add", "webhook". */
  what: string;
  /** The address to name in errors, without secrets (a webhook URL holds its token). */
  where: string;
  signal: AbortSignal;
  timeoutMs: number;
  /** Keep the network error as the cause (only when its message holds no secret). */
  keepCause?: boolean;
}

export async function crmFetch(doFetch: Fetch, url: string | URL, init: RequestInit, r: CrmRequest): Promise<Response> {
  try {
    return await traceCrmRequest(r.what, () =>
      doFetch(url, { ...init, signal: AbortSignal.any([r.signal, AbortSignal.timeout(r.timeoutMs)]) }),
    );
  } catch (err) {
    // Stopping is not a failure of the CRM: let the caller see its own abort.
    if (r.signal.aborted) throw err;
    throw new TransientCrmError(`${r.what}: ${describeNetworkError(err, r.where)}`, undefined, r.keepCause ? { cause: err } : undefined);
  }
}

/** Retry-After in ms: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, now: number = Date.now()): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return seconds >= 0 ? seconds * 1000 : undefined;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
