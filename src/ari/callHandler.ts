import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { NumberConfig } from '../config/types';
import { normaliseNumber } from '../phone/e164';
import type { CallOutcome } from '../policy/actions';
import { decideCall, settingsOf, type ActionDisposition, type CallDecision, type CallDisposition } from '../policy/afterHours';
import { ANONYMOUS, EVENT_TYPE, type AfterHoursEvent } from '../policy/callEvent';
import { readCaller } from '../policy/callers';
import { isoWithOffset } from '../schedule/calendar';
import type { CompiledSchedule } from '../schedule/compile';
import { decideNow } from '../schedule/decide';
import type { Overrides } from '../schedule/types';
import type { Prelude } from '../actions/callAction';
import { elapsedSeconds, type ActionContext } from '../actions/context';
import type { CallContext } from './callContext';
import { FORWARD_LEG_ARG } from '../actions/forward';
import { actionOf } from '../actions/registry';
import { FEATURE_ARG } from './featureCodes';
import type { AriEventDispatcher } from './ariEventDispatcher';
import { CallSession } from '../call/callSession';
import { AriHttpError } from './rest';
import { backoffDelay } from '../shared/backoff';
import type { StasisStartEvent } from '../call/ariEvents';

// Takes each inbound call from StasisStart to its end: decide, act, record the event.
// Open numbers, unknown numbers and anything that cannot be decided go back to the
// dialplan's normal routing; no call is ever left waiting in Stasis.

/** What the handler needs of the number directory (a NumberDirectory of the compiled config). */
export interface CallDirectory {
  config: { region: string };
  get(did: string): { number: NumberConfig; schedule: CompiledSchedule } | undefined;
}

/** How long a failed ARI request waits for the caller's hang-up event before it counts as an error. */
const CHANNEL_GONE_WAIT_MS = 1000;
/** How long a hand-back to the dialplan that got no answer (a cut connection) is tried again. */
const UNREACHABLE_RETRY_MS = 15_000;

export interface CallHandlerDeps {
  ctx: CallContext;
  router: AriEventDispatcher;
  directory: () => CallDirectory | undefined;
  overrides: () => ReadonlyMap<string, Overrides>;
  /** Where open and undecidable calls continue: context, priority (the extension is the call's own). */
  continueTo: { context: string; priority: number };
  emit: (event: AfterHoursEvent) => Promise<void>;
  observe?: (kind: CallDisposition['kind'] | 'unknown' | 'error', outcome?: string) => void;
  maskCaller: (n: string) => string;
  /** Feature codes from internal phones (StasisStart args[0] = FEATURE_ARG): the day/night key. */
  feature?: (e: StasisStartEvent) => Promise<unknown>;
  /** Times each inbound call's set-up (StasisStart to its first ARI command). */
  setup?: { start(channelId: string): void; forget(channelId: string): void };
  log: Logger;
}

export class CallHandler {
  private draining = false;
  /** The calls being handled now (deciding, acting, handing back), by channel id. */
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly didCache = new Map<string, string | null>();
  private readonly didCountry = new Map<string, string | null>();
  private readonly callerCache = new Map<string, string>();
  private lastAsteriskId: string | undefined;

  constructor(private readonly deps: CallHandlerDeps) {}

  get active(): number {
    return this.inFlight.size;
  }

  /** Stop taking calls: new ones go straight to normal routing. */
  drain(): void {
    this.draining = true;
  }

  /** Resolves when every call in progress has ended, or after `timeoutMs`. */
  async settle(timeoutMs: number): Promise<boolean> {
    const all = Promise.all([...this.inFlight.values()]).then(() => true);
    return Promise.race([all, new Promise<boolean>((r) => setTimeout(() => r(false), timeoutMs).unref())]);
  }

  /** This handler is deciding on, acting on or handing back the channel now. */
  isHandling(channelId: string): boolean {
    return this.inFlight.has(channelId);
  }

  /** The entity id of the Asterisk whose StasisStart came last (for calls taken over without one). */
  get asteriskId(): string | undefined {
    return this.lastAsteriskId;
  }

  onStasisStart(e: StasisStartEvent): void {
    if (e.args[0] === FORWARD_LEG_ARG || this.deps.router.isPeer(e.channel.id)) {
      this.deps.router.onPeerInStasis(e.channel.id);
      return;
    }
    if (e.asterisk_id) this.lastAsteriskId = e.asterisk_id;
    const id = e.channel.id;
    const feature = e.args[0] === FEATURE_ARG ? this.deps.feature : undefined;
    const setup = feature ? undefined : this.deps.setup;
    setup?.start(id);
    const p = this.track(
      id,
      (feature ? feature(e) : this.handle(e)).then(
        () => undefined,
        (err: unknown) => this.deps.log.error({ err, channel: id }, 'call handling failed'),
      ),
    );
    void p.finally(() => setup?.forget(id));
  }

  /** A channel in the app that no call handled (see strandedCalls.ts): normal routing. */
  normalRouting(e: StasisStartEvent): Promise<void> {
    return this.track(
      e.channel.id,
      this.backToDialplan(e).then(() => undefined),
    );
  }

  /** Counts `p` as the channel's handling until it settles. */
  private track(channelId: string, p: Promise<void>): Promise<void> {
    this.inFlight.set(channelId, p);
    void p.finally(() => {
      if (this.inFlight.get(channelId) === p) this.inFlight.delete(channelId);
    });
    return p;
  }

  private normalisedDid(raw: string, region: string): string | null {
    const key = `${region}|${raw}`;
    let did = this.didCache.get(key);
    if (did === undefined) {
      const n = normaliseNumber(raw, region);
      did = n.ok ? n.e164 : null;
      if (this.didCache.size > 100_000) this.didCache.clear();
      this.didCache.set(key, did);
    }
    return did;
  }

  /**
   * Sends the call to normal routing; `gone` when Asterisk no longer has the channel (the caller
   * left), `left` when it is no longer in Stasis (somewhere else in the dialplan: not ours to hang up).
   */
  private async backToDialplan(e: StasisStartEvent): Promise<'continued' | 'gone' | 'left' | 'hung-up'> {
    const { rest } = this.deps.ctx;
    const giveUpAt = Date.now() + UNREACHABLE_RETRY_MS;
    for (let attempt = 0; ; attempt++) {
      try {
        await rest.continueInDialplan(e.channel.id, this.deps.continueTo.context, e.channel.dialplan.exten, this.deps.continueTo.priority);
        return 'continued';
      } catch (err) {
        if (err instanceof AriHttpError && err.status === 404) {
          this.deps.log.info({ channel: e.channel.id }, 'the channel was gone before normal routing');
          return 'gone';
        }
        if (err instanceof AriHttpError && err.status === 409) {
          this.deps.log.warn({ err, channel: e.channel.id }, 'the channel had left the app before normal routing');
          return 'left';
        }
        // No answer at all (a cut connection): whether the channel is still there, and so
        // whether the call keeps its event, is Asterisk's to say; ask again for a while.
        if (!(err instanceof AriHttpError) && Date.now() < giveUpAt) {
          const delayMs = backoffDelay(attempt, { baseMs: 250, maxMs: 2000 });
          this.deps.log.warn(
            { err, channel: e.channel.id, retryInMs: delayMs },
            'Asterisk did not answer the hand-back to the dialplan; asking again',
          );
          await new Promise((r) => setTimeout(r, delayMs));
          continue;
        }
        // Continue failed (the dialplan target is missing, Asterisk unreachable): do not strand it.
        this.deps.log.error({ err, channel: e.channel.id }, 'continue in dialplan failed; hanging up');
        await rest.hangup(e.channel.id, 'congestion').catch(() => undefined);
        return 'hung-up';
      }
    }
  }

  /** One inbound call: decide, then hand it back to the dialplan or run its action, then emit its event. */
  private async handle(e: StasisStartEvent): Promise<void> {
    const decided = await this.decide(e);
    if (!decided) return;
    const { decision } = decided;
    const disposition = decision.plan;
    if (disposition.kind === 'continue') {
      if (disposition.reason === 'caller-bypass')
        this.deps.log.info(
          {
            channel: e.channel.id,
            did: decided.number.did,
            caller: this.deps.maskCaller(decided.caller ?? ANONYMOUS),
            entry: decision.caller?.entry,
          },
          'caller bypasses the schedule; normal routing',
        );
      await this.backToDialplan(e);
      this.deps.observe?.('continue');
      return;
    }
    const acted = await this.act(e, decided, disposition);
    if (!acted) return;
    this.deps.observe?.(disposition.kind, acted.outcome.kind);
    const event = callEvent(e, decided, disposition, acted);
    this.deps.log.info(
      {
        call: acted.session.id,
        did: decided.number.did,
        caller: this.deps.maskCaller(acted.session.caller),
        reason: event.reason,
        action: disposition.kind,
        outcome: acted.outcome.kind,
      },
      'after-hours call',
    );
    await this.deps.emit(event);
  }

  /**
   * What to do with the call: its number, the schedule's decision and the caller lists.
   * Undefined when the call went back to the dialplan (draining, no configuration, an
   * unknown DID, or a fault while deciding: the fail-safe is normal routing).
   */
  private async decide(e: StasisStartEvent): Promise<Decided | undefined> {
    const { ctx, log } = this.deps;
    const now = ctx.now();
    try {
      const directory = this.deps.directory();
      if (this.draining || !directory) {
        await this.backToDialplan(e);
        return undefined;
      }
      const did = this.normalisedDid(e.args[0] || e.channel.dialplan.exten, directory.config.region);
      const found = did === null ? undefined : directory.get(did);
      if (!found) {
        this.deps.observe?.('unknown');
        log.info({ channel: e.channel.id, dialed: e.args[0] || e.channel.dialplan.exten }, 'unknown DID; normal routing');
        await this.backToDialplan(e);
        return undefined;
      }
      const decision = decideNow(found.schedule, this.deps.overrides().get(found.number.did), now);
      // The caller is read first only for a number with caller lists: the others keep the
      // decision-to-prelude path as short as it was.
      const caller = found.number.callers ? this.normalisedCaller(e.channel.caller.number, found.number.did) : undefined;
      const holidayRule = decision.reason === 'holiday' ? found.schedule.holidayRuleAt(now) : -1;
      return {
        now,
        number: found.number,
        schedule: found.schedule,
        decision: decideCall({ ...decision, holidayRule, caller }, found.number),
        caller,
      };
    } catch (err) {
      this.deps.observe?.('error');
      log.error({ err, channel: e.channel.id }, 'could not decide; normal routing');
      await this.backToDialplan(e);
      return undefined;
    }
  }

  /** Runs the action on the call; undefined when it failed and the call went back to the dialplan. */
  private async act(e: StasisStartEvent, decided: Decided, disposition: ActionDisposition): Promise<Acted | undefined> {
    const { ctx } = this.deps;
    const { number } = decided;
    // What an action sends at once (a plain reject) goes out first: nothing but the decision
    // sits between the event and it. The caller's number and the session follow in the same
    // turn of the event loop, before any event of this channel can arrive.
    const prelude = startPrelude(disposition, e.channel.id, ctx);
    const caller = decided.caller ?? this.normalisedCaller(e.channel.caller.number, number.did);
    const session = new CallSession(randomUUID(), e.channel, number.did, caller, decided.now, number.language);
    this.deps.router.add(session);
    let outcome: CallOutcome | undefined;
    try {
      outcome = await runAction(disposition, session, ctx, decided.decision, prelude);
    } catch (err) {
      outcome = await this.recover(e, session, err);
    }
    this.release(session);
    return outcome === undefined ? undefined : { session, outcome };
  }

  /**
   * An action that threw: the call's outcome when the caller had hung up (it keeps its event),
   * else undefined once the call is back in the dialplan.
   */
  private async recover(e: StasisStartEvent, session: CallSession, err: unknown): Promise<CallOutcome | undefined> {
    const { ctx, log } = this.deps;
    // The caller hung up while the action was talking to Asterisk (a forward answered and
    // hung up at once, a voicemail left during the beep): ARI refuses with 400/404/422
    // (channel not found, not in Stasis), sometimes before the hang-up event arrives. The
    // call was still handled, so it gets its event (caller-hung-up): the CRM sees the call.
    if (!session.hungUp && err instanceof AriHttpError && [400, 404, 422].includes(err.status))
      await session.waitFor(() => false, CHANNEL_GONE_WAIT_MS);
    // Its hang-up event may also be lost (an ARI connection cut mid-call): a channel Asterisk
    // no longer has is a caller who left, answered or not, and the call keeps its event.
    if (!session.hungUp && (await this.backToDialplan(e)) !== 'gone') {
      log.error({ err, call: session.id }, 'after-hours action failed; normal routing');
      this.deps.observe?.('error');
      return undefined;
    }
    log.info({ err, call: session.id }, 'the caller hung up while the action ran');
    return { kind: 'caller-hung-up', afterSeconds: elapsedSeconds(session, ctx) };
  }

  private normalisedCaller(raw: string | undefined, did: string): string {
    if (!raw) return ANONYMOUS;
    // The DID's country: configured numbers only, so the cache stays small.
    let country = this.didCountry.get(did);
    if (country === undefined) {
      const d = normaliseNumber(did);
      country = d.ok ? (d.country ?? null) : null;
      if (this.didCountry.size > 100_000) this.didCountry.clear();
      this.didCountry.set(did, country);
    }
    // Callers call again: remember recent answers (bounded) instead of re-parsing each time.
    const key = `${country ?? ''}|${raw}`;
    let e164 = this.callerCache.get(key);
    if (e164 === undefined) {
      e164 = readCaller(raw, country ?? undefined);
      if (this.callerCache.size >= 50_000) this.callerCache.clear();
      this.callerCache.set(key, e164);
    }
    return e164;
  }

  /** Releases everything the call created. Idempotent. */
  private release(s: CallSession): void {
    const { rest } = this.deps.ctx;
    for (const b of s.bridges) void rest.destroyBridge(b).catch(() => undefined);
    s.bridges.clear();
    // A forward leg still up (the caller hung up between the far end's answer and the bridge)
    // would stay in Stasis for good, holding its RTP ports: hang it up (404 when already gone).
    for (const p of s.peers) void rest.hangup(p, 'normal').catch(() => undefined);
    s.cancelWaits();
    this.deps.router.remove(s);
  }
}

/** What was decided for a call on a configured number. */
interface Decided {
  /** When the call arrived (the decision's instant). */
  now: number;
  number: NumberConfig;
  schedule: CompiledSchedule;
  decision: CallDecision;
  /** The caller, read before deciding for a number with caller lists. */
  caller?: string;
}

/** A call an action handled. */
interface Acted {
  session: CallSession;
  outcome: CallOutcome;
}

/** Sends the action's prelude, if it has one. */
function startPrelude(disposition: ActionDisposition, channelId: string, ctx: ActionContext): Prelude | undefined {
  return actionOf(disposition.kind).prelude?.(channelId, settingsOf(disposition), ctx);
}

/** Runs the action from the registry, with the policy it was decided from (the holiday's, the days-off one or the number's). */
function runAction(
  disposition: ActionDisposition,
  s: CallSession,
  ctx: ActionContext,
  decision: CallDecision,
  prelude: Prelude | undefined,
): Promise<CallOutcome> {
  return actionOf(disposition.kind).run(s, ctx, settingsOf(disposition), decision.policy, prelude) as Promise<CallOutcome>;
}

/** The event of a call an action handled. */
function callEvent(e: StasisStartEvent, decided: Decided, disposition: ActionDisposition, acted: Acted): AfterHoursEvent {
  const { number, decision, now } = decided;
  const reason = disposition.reason === 'working-hours' || disposition.reason === 'caller-bypass' ? 'override' : disposition.reason;
  // The outcome is what the registry entry of disposition.kind returned (runAction), so action
  // and outcome agree; TypeScript cannot correlate the two across the union of actions.
  return {
    id: acted.session.id,
    type: EVENT_TYPE,
    time: isoWithOffset(now, decided.schedule.offsetAt(now)),
    did: number.did,
    name: number.name,
    timezone: number.timezone,
    caller: acted.session.caller,
    reason,
    ...(decision.holiday?.name !== undefined ? { holiday: { name: decision.holiday.name } } : {}),
    action: disposition.kind,
    outcome: acted.outcome,
    crm: number.crm,
    language: number.language,
    channel: { id: e.channel.id, name: e.channel.name },
    linkedid: e.channel.channelvars?.['CHANNEL(linkedid)'] ?? e.channel.id,
    ...(e.asterisk_id ? { asterisk: { id: e.asterisk_id } } : {}),
  } as AfterHoursEvent;
}
