import { mkdirSync, promises as fs } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { ErrorCode } from '../errorCodes';
import type { AfterHoursEvent } from '../events/types';
import { backoffDelay } from '../util/backoff';

// Every event is first written to a local spool file (durable, no network), then sent to
// the stream; the file goes only once the stream has it. The stream's append is idempotent
// on the event id, so a resend after a crash or a Redis outage writes the event once.
//
// A write the disk refuses (ENOSPC: the spool's file system is full; EDQUOT, EIO, EROFS) is
// not a crash and does not hold the call up: the event goes to the stream directly, and only
// when that fails too (Redis down) is it lost, logged with AH_ERR_EVENT_LOST and counted.

export interface EventSink {
  append(event: AfterHoursEvent): Promise<unknown>;
}

export interface EventSpoolOptions {
  /** A write was refused with this errno code (`ENOSPC`…); `lost`: the stream did not take the event either. */
  writeFailed?: (code: string, lost: boolean) => void;
  /** How caller numbers appear in the loss log line (LOG_MASK_CALLERS). */
  maskCaller?: (n: string) => string;
}

/** The spool's disk refused an event (its `cause` is the file system's error). */
export class SpoolWriteError extends Error {
  readonly code: ErrorCode = 'AH_ERR_SPOOL_WRITE';
  constructor(
    readonly errno: string,
    options: { cause: unknown },
  ) {
    super(`the event spool refused a write (${errno}); the event was sent to Redis directly`, options);
    this.name = 'SpoolWriteError';
  }
}

/** An event neither the spool's disk nor the stream took: its CRM work will never happen. */
export class EventLostError extends Error {
  readonly code: ErrorCode = 'AH_ERR_EVENT_LOST';
  constructor(
    readonly errno: string,
    redisError: unknown,
    options: { cause: unknown },
  ) {
    super(
      `event lost: the spool refused it (${errno}) and Redis did not take it (${redisError instanceof Error ? redisError.message : String(redisError)})`,
      options,
    );
    this.name = 'EventLostError';
  }
}

export class EventSpool {
  private flushing: Promise<void> | undefined;
  /** An event arrived while a flush was running: go round once more when it ends. */
  private again = false;
  private seq = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private failures = 0;
  private closed = false;

  constructor(
    private readonly dir: string,
    private readonly sink: EventSink,
    private readonly log: Logger,
    private readonly opts: EventSpoolOptions = {},
  ) {
    mkdirSync(dir, { recursive: true });
  }

  /**
   * Durably records the event, then sends it in the background. Never rejects: an event the
   * disk refuses is sent directly, or logged as lost.
   */
  async add(event: AfterHoursEvent): Promise<void> {
    // Names sort in arrival order (time, then a per-process sequence), so sending needs no stat.
    const file = join(this.dir, `${String(Date.now()).padStart(14, '0')}-${String(++this.seq).padStart(9, '0')}-${event.id}.json`);
    try {
      await writeDurably(file, JSON.stringify(event));
    } catch (err) {
      await this.refused(event, err);
      return;
    }
    this.log.info({ event: event.id, did: event.did, action: event.action, outcome: event.outcome.kind }, 'event spooled');
    void this.flush();
  }

  private async refused(event: AfterHoursEvent, err: unknown): Promise<void> {
    const errno = (err as NodeJS.ErrnoException | undefined)?.code ?? 'unknown';
    try {
      await this.sink.append(event);
    } catch (sendErr) {
      const mask = this.opts.maskCaller ?? ((n: string) => n);
      const o = event.outcome as { kind: string; recording?: { name: string } };
      // Everything an operator needs to redo the CRM work by hand.
      this.log.error(
        {
          err: new EventLostError(errno, sendErr, { cause: err }),
          event: event.id,
          time: event.time,
          did: event.did,
          caller: mask(event.caller),
          action: event.action,
          outcome: o.kind,
          ...(o.recording ? { recording: o.recording.name } : {}),
        },
        'event lost: the spool disk refused it and Redis is unreachable',
      );
      this.opts.writeFailed?.(errno, true);
      return;
    }
    this.log.error(
      { err: new SpoolWriteError(errno, { cause: err }), event: event.id },
      'event spool refused a write; event sent to Redis directly',
    );
    this.opts.writeFailed?.(errno, false);
  }

  /** Sends everything spooled, oldest first; stops at the first failure and retries later. */
  flush(): Promise<void> {
    if (this.flushing) {
      this.again = true;
      return this.flushing;
    }
    this.flushing = (async () => {
      do {
        this.again = false;
        if (!(await this.sendAll())) break; // failed: the retry timer takes over
      } while (this.again);
    })().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  async pending(): Promise<number> {
    return (await this.files()).length;
  }

  /** Tries to empty the spool within `timeoutMs` (shutdown); what is left is sent on the next start. */
  async drain(timeoutMs: number): Promise<number> {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      await this.flush();
      if ((await this.pending()) === 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    return this.pending();
  }

  close(): void {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
  }

  private async files(): Promise<string[]> {
    return (await fs.readdir(this.dir)).filter((n) => n.endsWith('.json')).sort();
  }

  /** Resolves false when a send failed (the rest waits for the retry). */
  private async sendAll(): Promise<boolean> {
    for (const name of await this.files()) {
      const file = join(this.dir, name);
      let event: AfterHoursEvent;
      try {
        event = JSON.parse(await fs.readFile(file, 'utf8')) as AfterHoursEvent;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue; // sent by a concurrent flush
        this.log.error({ err, file }, 'unreadable spool file; moved aside');
        await fs.rename(file, `${file}.bad`).catch(() => undefined);
        continue;
      }
      try {
        await this.sink.append(event);
      } catch (err) {
        this.failures++;
        const delay = backoffDelay(Math.min(this.failures, 8), { baseMs: 200, maxMs: 10_000 });
        this.log.warn({ err, event: event.id, retryInMs: delay }, 'event not sent yet; kept in the spool');
        if (!this.closed && !this.retryTimer) {
          this.retryTimer = setTimeout(() => {
            this.retryTimer = undefined;
            void this.flush();
          }, delay);
        }
        return false;
      }
      this.failures = 0;
      await fs.unlink(file).catch(() => undefined);
      this.log.info({ event: event.id }, 'event sent');
    }
    return true;
  }
}

/** Writes `file` through a temporary name and an fsync; on failure nothing is left behind (a full disk gets its space back). */
async function writeDurably(file: string, content: string): Promise<void> {
  const tmp = `${file}.tmp`;
  try {
    const fh = await fs.open(tmp, 'w');
    try {
      await fh.writeFile(content);
      await fh.datasync();
    } finally {
      await fh.close();
    }
    await fs.rename(tmp, file);
  } catch (err) {
    await fs.unlink(tmp).catch(() => undefined);
    throw err;
  }
}
