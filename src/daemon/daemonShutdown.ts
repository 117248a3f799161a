import type { Logger } from 'pino';
import type { CallHandler } from '../ari/callHandler';
import type { AriEventDispatcher } from '../ari/ariEventDispatcher';
import type { AriRest } from '../ari/rest';
import type { EventSpool } from '../store/eventSpool';

// The daemon's shutdown sequence (SIGTERM), in the order that loses no call and no event:
// stop taking calls, let those in progress finish (or hand them back to the dialplan),
// flush the spool, then close ARI, the HTTP endpoint and Redis.

export interface ShutdownParts {
  handler: CallHandler;
  router: AriEventDispatcher;
  rest: AriRest;
  spool: EventSpool;
  /** Where handed-back calls continue (normal routing). */
  continueTo: { context: string; priority: number };
  /** Everything else to close once calls and events are done, in order. */
  close: Array<() => void | Promise<void>>;
  log: Logger;
}

export async function shutDownDaemon(parts: ShutdownParts, graceMs: number): Promise<void> {
  const { handler, router, rest, spool, continueTo, log } = parts;
  handler.drain();
  const settled = await handler.settle(graceMs);
  if (!settled) {
    for (const s of router.sessions) {
      // Hand back what is still ringing; hang up what was answered.
      await rest
        .continueInDialplan(s.channel.id, continueTo.context, s.channel.dialplan.exten, continueTo.priority)
        .catch(() => rest.hangup(s.channel.id, 'normal').catch(() => undefined));
      s.deliver({ kind: 'hangup' });
    }
    await handler.settle(1000);
  }
  const left = await spool.drain(1500);
  if (left > 0) log.warn({ events: left }, 'events left in the spool; they are sent on the next start');
  for (const step of parts.close) await step();
}
