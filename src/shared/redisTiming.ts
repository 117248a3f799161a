import { tracingChannel } from 'node:diagnostics_channel';

// How long Redis commands take, without touching a client: ioredis 6 publishes every command
// it writes on the diagnostics tracing channel `ioredis:command` (start when written, asyncEnd
// when answered; time spent in an offline queue is not included). The subscription is
// process-wide: it times every client of the process (a daemon, or a worker, owns them all).

export type RedisCommandObserver = (command: string, result: 'ok' | 'error', seconds: number) => void;

interface CommandContext {
  command?: unknown;
  error?: unknown;
}

/** Times every Redis command of this process until the returned function is called. */
export function timeRedisCommands(observe: RedisCommandObserver, clock: () => number = () => performance.now()): () => void {
  const started = new WeakMap<object, number>();
  const channel = tracingChannel<unknown, CommandContext>('ioredis:command');
  const handlers = {
    start: (ctx: CommandContext) => void started.set(ctx, clock()),
    end: () => undefined,
    asyncStart: () => undefined,
    asyncEnd: (ctx: CommandContext) => {
      const t = started.get(ctx);
      if (t === undefined) return;
      started.delete(ctx);
      observe(String(ctx.command ?? 'unknown').toLowerCase(), ctx.error === undefined ? 'ok' : 'error', (clock() - t) / 1000);
    },
    error: () => undefined,
  };
  channel.subscribe(handlers);
  return () => channel.unsubscribe(handlers);
}
