import { randomUUID, timingSafeEqual } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { isInForce, overrideInForce } from '../schedule/overrides';
import type { AuditWho } from '../store/auditLog';
import { clearOverride, getOverrides, setOverride } from '../store/overrideStore';
import { playAndWait } from '../actions/context';
import type { CallContext } from './callContext';
import { CallSession } from '../call/callSession';
import type { StasisStartEvent } from '../call/ariEvents';

// Feature codes dialled from internal phones. The dialplan sends them into the same Stasis
// app with `feature` as the first argument:
//
//   exten => _*28X.,1,Stasis(after-hours,feature,daynight,${EXTEN:3})
//
// Day/night key: `*28<index>` (or `*28<index>*<PIN>` when FEATURE_CODE_PIN is set) moves the
// number at position <index> of the configuration (1-based) one step around
// auto → closed → open → auto through the override store, with the caller's extension as the
// author. The call is answered, hears the new state, and is hung up.

/** StasisStart's args[0] for a feature code. */
export const FEATURE_ARG = 'feature';

/** The state the day/night key sets: forced closed, forced open, or auto (the schedule). */
export type DayNightState = 'closed' | 'open' | 'auto';

/** One press moves a number one step: auto → closed → open → auto. */
export function nextDayNight(current: DayNightState): DayNightState {
  return current === 'auto' ? 'closed' : current === 'closed' ? 'open' : 'auto';
}

/** `3` or `3*1234` (index, then the PIN after a star); undefined for anything else. */
export function parseDayNight(arg: string): { index: number; pin?: string } | undefined {
  const m = /^(\d{1,5})(?:\*(\d{1,16}))?$/.exec(arg);
  if (!m) return undefined;
  return m[2] === undefined ? { index: Number(m[1]) } : { index: Number(m[1]), pin: m[2] };
}

/** What the caller hears (Asterisk core sounds; `digits:` says the index). */
export const PROMPTS = {
  confirm: (index: number, state: DayNightState): string[] => [
    'sound:telephone-number',
    `digits:${index}`,
    'sound:is-set-to',
    state === 'closed' ? 'sound:disabled' : state === 'open' ? 'sound:enabled' : 'sound:cancelled',
    'sound:goodbye',
  ],
  wrongPin: ['sound:vm-invalidpassword'],
  unknownNumber: ['sound:privacy-incorrect'],
  unknownFeature: ['sound:feature-not-avail-line'],
} as const;

export interface FeatureCodeDeps {
  ctx: CallContext;
  redis: Redis;
  prefix: string;
  /** The configured numbers, in file order: the day/night index is the 1-based position. */
  numbers: () => ReadonlyArray<{ did: string }> | undefined;
  /** When set, the day/night key needs `*<PIN>` after the index. */
  pin?: string;
  log: Logger;
}

type Decided =
  | { kind: 'daynight'; did: string; index: number; state: DayNightState; by: string }
  | { kind: 'refused'; why: 'wrong-pin' | 'unknown-number' | 'unknown-feature' | 'store-failed' };
export type FeatureResult = Decided | { kind: 'caller-hung-up' };

function samePin(given: string | undefined, wanted: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(wanted);
  return a.length === b.length && timingSafeEqual(a, b);
}

export class FeatureCodes {
  constructor(private readonly deps: FeatureCodeDeps) {}

  /** Handles one feature-code call from StasisStart to its hang-up. */
  async handle(e: StasisStartEvent): Promise<FeatureResult> {
    const { ctx, log } = this.deps;
    const extension = e.channel.caller.number || 'unknown';
    const by = `extension ${extension}`.slice(0, 100);
    const session = new CallSession(randomUUID(), e.channel, '', extension, ctx.now());
    ctx.router.add(session);
    try {
      await ctx.rest.answer(e.channel.id);
      const result = await this.decide(e.args.slice(1), by);
      const prompts =
        result.kind === 'daynight'
          ? PROMPTS.confirm(result.index, result.state)
          : result.why === 'wrong-pin'
            ? PROMPTS.wrongPin
            : result.why === 'unknown-number'
              ? PROMPTS.unknownNumber
              : PROMPTS.unknownFeature;
      if (result.kind === 'daynight') log.info({ did: result.did, index: result.index, state: result.state, by }, 'day/night key');
      else log.warn({ why: result.why, by, args: e.args.slice(1) }, 'feature code refused');
      const stillThere = await playAndWait(session, ctx, prompts.join(','), 30_000);
      if (stillThere) await ctx.rest.hangup(e.channel.id, 'normal').catch(() => undefined);
      return result;
    } catch (err) {
      log.error({ err, channel: e.channel.id }, 'feature code failed');
      await ctx.rest.hangup(e.channel.id, 'normal').catch(() => undefined);
      return session.hungUp ? { kind: 'caller-hung-up' } : { kind: 'refused', why: 'store-failed' };
    } finally {
      session.cancelWaits();
      ctx.router.remove(session);
    }
  }

  private async decide(args: string[], by: string): Promise<Decided> {
    const { deps } = this;
    if (args[0] !== 'daynight') return { kind: 'refused', why: 'unknown-feature' };
    const parsed = parseDayNight(args[1] ?? '');
    if (!parsed) return { kind: 'refused', why: 'unknown-number' };
    // The PIN is checked before the index is looked up, so a wrong PIN says nothing about which indexes exist.
    if (deps.pin !== undefined && deps.pin !== '' && !samePin(parsed.pin, deps.pin)) return { kind: 'refused', why: 'wrong-pin' };
    const numbers = deps.numbers();
    const number = numbers?.[parsed.index - 1];
    if (!number || parsed.index < 1) return { kind: 'refused', why: 'unknown-number' };
    const now = deps.ctx.now();
    const live = await getOverrides(deps.redis, deps.prefix, number.did, now);
    // The override in force counts as its state, whoever set it and for however long: the key
    // makes it permanent, or (auto) clears the overrides in force now; scheduled ones stay.
    const state = nextDayNight(overrideInForce(live, now)?.state ?? 'auto');
    const who: AuditWho = { actor: by, door: 'phone', from: by };
    if (state === 'auto') {
      const ids = live.filter((o) => isInForce(o, now)).map((o) => o.id);
      await clearOverride(deps.redis, deps.prefix, number.did, who, { ids, now });
    } else await setOverride(deps.redis, deps.prefix, { did: number.did, state, setAt: now, note: 'day/night key', by }, who);
    return { kind: 'daynight', did: number.did, index: parsed.index, state, by };
  }
}
