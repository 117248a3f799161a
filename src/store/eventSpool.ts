import { mkdirSync, promises as fs } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { ErrorCode } from '../shared/errorCodes';
import type { AfterHoursEvent } from '../events/types';
import { backoffDelay } from '../shared/backoff';

// Every event is first written to a local spool file (durable, no network), then sent to
// the stream; the file goes only once the stream has it. The stream's append is idempotent
// on the event id, so a resend after a crash or a Redis outage writes the event once.
//
// A write the disk refuses (ENOSPC: the spool's file system is full; EDQUOT, EIO, EROFS) is
// not a crash and does not hold the call up: the event goes to the stream directly. When that
// fails too (Redis down at the same time), the event is held in memory (up to `memoryLimit`
// events) and retried with the spool: sent once Redis is back, or written to the disk once it
// has room, whichever comes first. Only an event beyond that limit, or one still held when the
// daemon exits, is lost, logged with AH_ERR_EVENT_LOST and counted.

export interface EventSink {
  append(event: AfterHoursEvent): Promise<unknown>;
}

export interface EventSpoolOptions {
  /** A write was refused with this errno code (`ENOSPC`…); `lost`: the stream did not take the event either. */
  writeFailed?: (code: string, lost: boolean) => void;
  /** How caller numbers appear in the loss log line (LOG_MASK_CALLERS). */
  maskCaller?: (n: string) => string;
  /** How many events neither the disk nor Redis took are held in memory for a retry (default 10,000). */
  memoryLimit?: number;
}

export const DEFAULT_MEMORY_LIMIT = 10_000;

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
  /** Events the disk refused while Redis was unreachable (oldest first), with the disk's errno. */
  private readonly held: Array<{ event: AfterHoursEvent; errno: string }> = [];

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
   * disk refuses is sent directly, held in memory while Redis is down too, or logged as lost.
   */
  async add(event: AfterHoursEvent): Promise<void> {
    const file = join(this.dir, this.fileName(event));
    try {
      await writeDurably(file, JSON.stringify(event));
    } catch (err) {
      await this.refused(event, err);
      return;
    }
    this.log.info({ event: event.id, did: event.did, action: event.action, outcome: event.outcome.kind }, 'event spooled');
    void this.flush();
  }

  /** Names sort in arrival order (time, then a per-process sequence), so sending needs no stat. */
  private fileName(event: AfterHoursEvent): string {
    return `${String(Date.now()).padStart(14, '0')}-${String(++this.seq).padStart(9, '0')}-${event.id}.json`;
  }

  private async refused(event: AfterHoursEvent, err: unknown): Promise<void> {
    const errno = (err as NodeJS.ErrnoException | undefined)?.code ?? 'unknown';
    try {
      await this.sink.append(event);
    } catch (sendErr) {
      if (!this.closed && this.held.length < (this.opts.memoryLimit ?? DEFAULT_MEMORY_LIMIT)) {
        this.held.push({ event, errno });
        this.log.error(
          { err: new SpoolWriteError(errno, { cause: err }), event: event.id, held: this.held.length, redis: String(sendErr) },
          'event held in memory: the spool disk refused it and Redis is unreachable; sent when either takes it',
        );
        this.opts.writeFailed?.(errno, false);
        this.retryLater();
        return;
      }
      this.lost(event, errno, sendErr, err);
      return;
    }
    this.log.error(
      { err: new SpoolWriteError(errno, { cause: err }), event: event.id },
      'event spool refused a write; event sent to Redis directly',
    );
    this.opts.writeFailed?.(errno, false);
  }

  private lost(event: AfterHoursEvent, errno: string, sendErr: unknown, cause: unknown): void {
    const mask = this.opts.maskCaller ?? ((n: string) => n);
    const o = event.outcome as { kind: string; recording?: { name: string } };
    // Everything an operator needs to redo the CRM work by hand.
    this.log.error(
      {
        err: new EventLostError(errno, sendErr, { cause }),
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
  }

  private retryLater(): void {
    if (this.closed || this.retryTimer) return;
    this.failures++;
    const delay = backoffDelay(Math.min(this.failures, 8), { baseMs: 200, maxMs: 10_000 });
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.flush();
    }, delay);
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

  /** Events not on the stream yet: the spool's files and the events held in memory. */
  async pending(): Promise<number> {
    return (await this.files()).length + this.held.length;
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

  /** Stops retrying. Events still held in memory are lost with the process: each is logged as lost. */
  close(): void {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    for (const { event, errno } of this.held.splice(0))
      this.lost(event, errno, new Error('the daemon stopped before Redis or the disk took it'), undefined);
  }

  /** The spool's files, oldest first; none when the folder cannot be read (its disk failing: logged, the held events go on). */
  private async files(): Promise<string[]> {
    try {
      return (await fs.readdir(this.dir)).filter((n) => n.endsWith('.json')).sort();
    } catch (err) {
      this.log.warn({ err, dir: this.dir }, 'the spool folder cannot be read');
      return [];
    }
  }

  /** Resolves false when a send failed (the rest waits for the retry). */
  private async sendAll(): Promise<boolean> {
    return (await this.sendHeld()) && this.sendFiles();
  }

  /** Held events go to Redis, or else to the disk if it has room again; false while neither takes them. */
  private async sendHeld(): Promise<boolean> {
    while (this.held.length > 0) {
      const { event } = this.held[0]!;
      try {
        await this.sink.append(event);
        this.failures = 0;
        this.log.info({ event: event.id }, 'held event sent');
      } catch (err) {
        try {
          await writeDurably(join(this.dir, this.fileName(event)), JSON.stringify(event));
          this.log.info({ event: event.id }, 'held event written to the spool');
        } catch {
          this.log.warn({ err, event: event.id, held: this.held.length }, 'held events not sent yet; kept in memory');
          this.retryLater();
          return false;
        }
      }
      this.held.shift();
    }
    return true;
  }

  private async sendFiles(): Promise<boolean> {
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
        this.log.warn({ err, event: event.id }, 'event not sent yet; kept in the spool');
        this.retryLater();
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
