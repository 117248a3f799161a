import { mkdirSync, promises as fs } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { AfterHoursEvent } from '../events/types';
import { backoffDelay } from '../util/backoff';

// Every event is first written to a local spool file (durable, no network), then sent to
// the stream; the file goes only once the stream has it. The stream's append is idempotent
// on the event id, so a resend after a crash or a Redis outage writes the event once.

export interface EventSink {
  append(event: AfterHoursEvent): Promise<unknown>;
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
  ) {
    mkdirSync(dir, { recursive: true });
  }

  /** Durably records the event, then sends it in the background. */
  async add(event: AfterHoursEvent): Promise<void> {
    // Names sort in arrival order (time, then a per-process sequence), so sending needs no stat.
    const file = join(this.dir, `${String(Date.now()).padStart(14, '0')}-${String(++this.seq).padStart(9, '0')}-${event.id}.json`);
    const tmp = `${file}.tmp`;
    const fh = await fs.open(tmp, 'w');
    try {
      await fh.writeFile(JSON.stringify(event));
      await fh.datasync();
    } finally {
      await fh.close();
    }
    await fs.rename(tmp, file);
    this.log.info({ event: event.id, did: event.did, action: event.action, outcome: event.outcome.kind }, 'event spooled');
    void this.flush();
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
