import { checkForward, checkForwardCountry, checkForwardRisk } from '../phone/tollFraud';
import type { AfterHoursPolicy, CallerHungUpOutcome, RecordedOutcome, RejectedOutcome } from '../policy/actions';
import type { CallSession } from '../call/callSession';
import type { CallSignal } from '../call/ariEvents';
import type { CallAction } from './callAction';
import { elapsedSeconds, type ActionContext } from './context';
import { runHangup } from './hangup';
import { runVoicemail } from './voicemail';

export interface ForwardSettings {
  /** E.164, validated: international, valid, not premium-rate, allowed country. */
  to: string;
  timeoutSeconds: number;
  /** What an unanswered forward does next. */
  fallback: 'voicemail' | 'hangup';
}

export type ForwardFallbackOutcome = RecordedOutcome | CallerHungUpOutcome | RejectedOutcome;

export type ForwardedOutcome =
  | { kind: 'forwarded'; to: string; answered: true; durationSeconds?: number }
  | { kind: 'forwarded'; to: string; answered: false; fallback?: ForwardFallbackOutcome };

declare module '../policy/actions' {
  interface ActionCatalogue {
    forward: { settings: ForwardSettings; outcome: ForwardedOutcome };
  }
}

/** Marks forward legs in StasisStart so the handler does not treat them as inbound calls. */
export const FORWARD_LEG_ARG = 'after-hours-forward-leg';

/**
 * Rings the caller (180) while dialing the target through the trunk; bridges when the far
 * end answers; on no answer, busy or failure runs the fallback on the still-unanswered
 * caller. The target is checked again here (toll-fraud guard), not only at validation.
 */
export async function runForward(
  s: CallSession,
  ctx: ActionContext,
  settings: ForwardSettings,
  policy: AfterHoursPolicy,
): Promise<ForwardedOutcome | CallerHungUpOutcome> {
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
      (x.kind === 'dial' &&
        x.channelId === leg &&
        ['ANSWER', 'BUSY', 'NOANSWER', 'CHANUNAVAIL', 'CONGESTION', 'CANCEL', 'DONTCALL', 'TORTURE', 'INVALIDARGS'].includes(x.status)) ||
      (x.kind === 'peer-hangup' && x.channelId === leg);
    const sig = await s.waitFor(isAnswerOrEnd, (settings.timeoutSeconds + 5) * 1000);
    if (sig?.kind === 'hangup') {
      await ctx.rest.hangup(leg, 'normal').catch(() => undefined);
      return gone();
    }
    status = sig === undefined ? 'NOANSWER' : sig.kind === 'dial' ? sig.status : 'CHANUNAVAIL';
  } catch (err) {
    // A create or dial that failed may still have reached Asterisk (an answer lost on the wire:
    // AriUnansweredError), so the leg may exist and ring: it is hung up on every way out.
    if (s.hungUp) {
      await ctx.rest.hangup(leg, 'normal').catch(() => undefined);
      return gone();
    }
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

async function fallback(
  s: CallSession,
  ctx: ActionContext,
  settings: ForwardSettings,
  policy: AfterHoursPolicy,
): Promise<ForwardFallbackOutcome> {
  // Voicemail and hangup settings are in every policy (defaults apply).
  if (settings.fallback === 'hangup') return runHangup(s, ctx, policy.hangup);
  return runVoicemail(s, ctx, policy.voicemail);
}

export const forwardAction: CallAction<'forward'> = {
  configSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['to'],
    properties: {
      to: { description: 'International E.164 number (+...).', type: 'string' },
      timeoutSeconds: { type: 'integer', minimum: 5, maximum: 300, default: 25 },
      fallback: { type: 'string', enum: ['voicemail', 'hangup'], default: 'voicemail' },
    },
  },
  outcomes: {
    forwarded: {
      defName: 'forwarded',
      schema: {
        type: 'object',
        additionalProperties: false,
        required: ['kind', 'to', 'answered'],
        properties: {
          kind: {
            const: 'forwarded',
          },
          to: {
            $ref: '#/$defs/e164',
          },
          answered: {
            type: 'boolean',
          },
          durationSeconds: {
            description: 'Talk time when answered.',
            $ref: '#/$defs/seconds',
          },
          fallback: {
            description: 'What happened after an unanswered forward.',
            type: 'object',
            required: ['kind'],
            discriminator: {
              propertyName: 'kind',
            },
            oneOf: [
              {
                $ref: '#/$defs/recorded',
              },
              {
                $ref: '#/$defs/callerHungUp',
              },
              {
                $ref: '#/$defs/rejected',
              },
            ],
          },
        },
        if: {
          properties: {
            answered: {
              const: true,
            },
          },
        },
        then: {
          properties: {
            fallback: false,
          },
        },
        else: {
          properties: {
            durationSeconds: false,
          },
        },
      },
      text: {
        en: (o, say) =>
          o.answered
            ? `Forwarded to ${o.to} and answered${o.durationSeconds === undefined ? '' : ` (${say.duration(o.durationSeconds)})`}.`
            : `Forwarded to ${o.to}, not answered.${o.fallback ? ` ${say.outcome(o.fallback)}` : ''}`,
        pl: (o, say) =>
          o.answered
            ? `Przekierowano na ${o.to}, odebrane${o.durationSeconds === undefined ? '' : ` (${say.duration(o.durationSeconds)})`}.`
            : `Przekierowano na ${o.to}, nieodebrane.${o.fallback ? ` ${say.outcome(o.fallback)}` : ''}`,
      },
      examples: [
        { kind: 'forwarded', to: '+48601234567', answered: true, durationSeconds: 65 },
        { kind: 'forwarded', to: '+48601234567', answered: false, fallback: { kind: 'rejected', cause: 'no_answer' } },
      ],
    },
  },
  needs: { key: 'to', hint: 'an international number' },
  settings(own, inherited, ctx) {
    let to = inherited?.to;
    if (own?.to !== undefined) {
      // The risk of a target is checked where it is written; its country per number (below).
      const t = checkForwardRisk(String(own.to), ctx.forwardRules);
      if (!t.ok) ctx.problem(['to'], t.error);
      to = t.ok ? t.e164 : String(own.to);
    }
    if (to === undefined) return undefined;
    return {
      to,
      timeoutSeconds: (own?.timeoutSeconds as number | undefined) ?? inherited?.timeoutSeconds ?? 25,
      fallback: (own?.fallback as ForwardSettings['fallback'] | undefined) ?? inherited?.fallback ?? 'voicemail',
    };
  },
  // Where a forward may go depends on the number called (its country).
  checkForNumber(settings, calledCountry, own, ctx) {
    const c = checkForwardCountry(own?.to !== undefined ? String(own.to) : settings.to, calledCountry, ctx.forwardRules);
    return c.ok ? undefined : { key: 'to', error: c.error };
  },
  run: (s, ctx, settings, policy) => runForward(s, ctx, settings, policy),
};
