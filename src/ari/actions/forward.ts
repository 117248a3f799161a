import type { AfterHoursPolicy, ForwardSettings } from '../../config/types';
import type { CallerHungUpOutcome, ForwardedOutcome, ForwardFallbackOutcome } from '../../events/types';
import { checkForward } from '../../phone/tollFraud';
import type { CallSession } from '../callSession';
import type { CallSignal } from '../events';
import { elapsedSeconds, type ActionContext } from './context';
import { runHangup } from './hangup';
import { runVoicemail } from './voicemail';

/** Marks forward legs in StasisStart so the handler does not treat them as inbound calls. */
export const FORWARD_LEG_ARG = 'after-hours-forward-leg';

/**
 * Rings the caller (180) while dialing the target through the trunk; bridges when the far
 * end answers; on no answer, busy or failure runs the fallback on the still-unanswered
 * caller. The target is checked again here (toll-fraud guard), not only at validation.
 */
export async function runForward(s: CallSession, ctx: ActionContext, settings: ForwardSettings, policy: AfterHoursPolicy): Promise<ForwardedOutcome | CallerHungUpOutcome> {
  const gone = (): CallerHungUpOutcome => ({ kind: 'caller-hung-up', afterSeconds: elapsedSeconds(s, ctx) });
  // The same rules as validation (risk, the called number's country, allowNumbers), so a
  // pushed config from an older version cannot forward where this one refuses.
  const target = checkForward(settings.to, s.did, ctx.forwarding);
  if (!target.ok) {
    ctx.log.error({ call: s.id, error: target.error }, 'forward refused; running the fallback');
    return { kind: 'forwarded', to: settings.to, answered: false, fallback: await fallback(s, ctx, settings, policy) };
  }
  const to = target.e164;
  await ctx.rest.ring(s.channel.id).catch(() => undefined);

  const leg = s.nextId('leg');
  ctx.router.trackPeer(s, leg);
  let status = 'CHANUNAVAIL';
  try {
    await ctx.rest.createChannel({
      endpoint: ctx.forwarding.endpoint.replace('{number}', to),
      app: ctx.appName,
      appArgs: FORWARD_LEG_ARG,
      channelId: leg,
      originator: s.channel.id,
      callerId: s.caller === 'anonymous' ? undefined : s.caller,
    });
    // The new channel joins the app asynchronously; dialling before it has is refused (409).
    const ready = await s.waitFor((x) => (x.kind === 'peer-ready' || x.kind === 'peer-hangup') && x.channelId === leg, 5000);
    if (ready?.kind === 'hangup') {
      await ctx.rest.hangup(leg, 'normal').catch(() => undefined);
      return gone();
    }
    if (ready?.kind !== 'peer-ready') throw new Error(`forward leg ${leg} did not enter the app`);
    await ctx.rest.dial(leg, s.channel.id, settings.timeoutSeconds);
    const isAnswerOrEnd = (x: CallSignal) =>
      (x.kind === 'dial' && x.channelId === leg && ['ANSWER', 'BUSY', 'NOANSWER', 'CHANUNAVAIL', 'CONGESTION', 'CANCEL', 'DONTCALL', 'TORTURE', 'INVALIDARGS'].includes(x.status)) ||
      (x.kind === 'peer-hangup' && x.channelId === leg);
    const sig = await s.waitFor(isAnswerOrEnd, (settings.timeoutSeconds + 5) * 1000);
    if (sig?.kind === 'hangup') {
      await ctx.rest.hangup(leg, 'normal').catch(() => undefined);
      return gone();
    }
    status = sig === undefined ? 'NOANSWER' : sig.kind === 'dial' ? sig.status : 'CHANUNAVAIL';
  } catch (err) {
    if (s.hungUp) return gone();
    ctx.log.warn({ err, call: s.id, to }, 'forward leg failed');
  }

  if (status !== 'ANSWER') {
    await ctx.rest.hangup(leg, 'normal').catch(() => undefined);
    if (s.hungUp) return gone();
    ctx.log.info({ call: s.id, to, status }, 'forward not answered; running the fallback');
    return { kind: 'forwarded', to, answered: false, fallback: await fallback(s, ctx, settings, policy) };
  }

  // Answered: answer the caller and join both legs; whoever hangs up first ends the call.
  const answeredAt = ctx.now();
  const bridge = s.nextId('br');
  s.bridges.add(bridge);
  await ctx.rest.answer(s.channel.id);
  await ctx.rest.createBridge(bridge);
  await ctx.rest.addToBridge(bridge, [s.channel.id, leg]);
  const end = await s.waitFor((x) => x.kind === 'peer-hangup' && x.channelId === leg, 24 * 3600 * 1000);
  if (end?.kind === 'hangup') await ctx.rest.hangup(leg, 'normal').catch(() => undefined);
  else await ctx.rest.hangup(s.channel.id, 'normal').catch(() => undefined);
  return { kind: 'forwarded', to, answered: true, durationSeconds: Math.round((ctx.now() - answeredAt) / 100) / 10 };
}

async function fallback(s: CallSession, ctx: ActionContext, settings: ForwardSettings, policy: AfterHoursPolicy): Promise<ForwardFallbackOutcome> {
  if (settings.fallback === 'hangup') return runHangup(s, ctx, policy.hangup);
  return runVoicemail(s, ctx, policy.voicemail);
}
