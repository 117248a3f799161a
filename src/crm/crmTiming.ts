import { tracingChannel } from 'node:diagnostics_channel';

// How long the CRM side takes, published on diagnostics tracing channels so the adapters need
// no metrics plumbing: every request an adapter sends through crmFetch (`what` names it:
// "bitrix24 crm.lead.add", "webhook"), and every step of an event's work (the worker's lookup
// and apply, each journaled step of an adapter). The worker's metrics subscribe
// (timeCrmWork); without a subscriber nothing is measured.

interface RequestContext {
  what: string;
  result?: unknown;
  error?: unknown;
}
interface StepContext {
  step: string;
  error?: unknown;
}

const requests = tracingChannel<unknown, RequestContext>('after-hours:crm:request');
const steps = tracingChannel<unknown, StepContext>('after-hours:crm:step');

// (hasSubscribers is undefined before Node 20.13: trace then, as ioredis does.)

/** Runs one CRM HTTP request under the request channel. */
export function traceCrmRequest<T>(what: string, fn: () => Promise<T>): Promise<T> {
  return requests.hasSubscribers !== false ? requests.tracePromise(fn, { what }) : fn();
}

/** Runs one step of an event's CRM work under the step channel. */
export function traceCrmStep<T>(step: string, fn: () => Promise<T>): Promise<T> {
  return steps.hasSubscribers !== false ? steps.tracePromise(fn, { step }) : fn();
}

export interface CrmTimingObserver {
  /** adapter and method from `what` ("bitrix24 crm.lead.add" → bitrix24, crm.lead.add; "webhook" → webhook, POST); status 2xx…5xx or error. */
  request(adapter: string, method: string, status: string, seconds: number): void;
  /** step: lookup, apply, or a journal step without its per-user suffix (notify:7 → notify); result ok or error. */
  step(step: string, result: 'ok' | 'error', seconds: number): void;
}

/** Times CRM requests and steps in this process until the returned function is called. */
export function timeCrmWork(observer: CrmTimingObserver, clock: () => number = () => performance.now()): () => void {
  const started = new WeakMap<object, number>();
  const start = (ctx: object) => void started.set(ctx, clock());
  const elapsed = (ctx: object): number | undefined => {
    const t = started.get(ctx);
    started.delete(ctx);
    return t === undefined ? undefined : (clock() - t) / 1000;
  };
  const quiet = { end: () => undefined, asyncStart: () => undefined, error: () => undefined };
  const requestHandlers = {
    ...quiet,
    start,
    asyncEnd: (ctx: RequestContext) => {
      const s = elapsed(ctx);
      if (s === undefined) return;
      const space = ctx.what.indexOf(' ');
      const adapter = space < 0 ? ctx.what : ctx.what.slice(0, space);
      const method = space < 0 ? 'POST' : ctx.what.slice(space + 1);
      const status = ctx.error === undefined && ctx.result instanceof Response ? `${Math.floor(ctx.result.status / 100)}xx` : 'error';
      observer.request(adapter, method, status, s);
    },
  };
  const stepHandlers = {
    ...quiet,
    start,
    asyncEnd: (ctx: StepContext) => {
      const s = elapsed(ctx);
      if (s === undefined) return;
      const colon = ctx.step.indexOf(':');
      observer.step(colon < 0 ? ctx.step : ctx.step.slice(0, colon), ctx.error === undefined ? 'ok' : 'error', s);
    },
  };
  requests.subscribe(requestHandlers);
  steps.subscribe(stepHandlers);
  return () => {
    requests.unsubscribe(requestHandlers);
    steps.unsubscribe(stepHandlers);
  };
}
