// Bounds on what an ARI answer may be, and how long a kept-alive socket is reused.

export interface AriHttpLimits {
  /** The status line and headers of an answer. */
  maxHeaderBytes: number;
  /** A JSON answer's body (ARI's largest are channel and bridge lists). */
  maxBodyBytes: number;
  /** A binary download's body (a stored recording). */
  maxDownloadBytes: number;
  /**
   * An idle kept-alive socket is not reused after this long: Asterisk closes idle HTTP
   * sessions after its session_keep_alive (15 s by default), and a request written as it
   * closes may or may not have been read. Well under it, that race does not happen.
   */
  idleSocketMs: number;
}

export const ARI_HTTP_LIMITS: AriHttpLimits = {
  maxHeaderBytes: 16 * 1024,
  maxBodyBytes: 4 * 1024 * 1024,
  maxDownloadBytes: 256 * 1024 * 1024,
  idleSocketMs: 5_000,
};
