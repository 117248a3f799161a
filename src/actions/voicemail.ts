import type { CallerHungUpOutcome, RecordedOutcome } from '../policy/actions';
import { chooseSound } from '../sounds/defaultSounds';
import type { CallSession } from '../call/callSession';
import { soundSetting, type CallAction, type SettingsContext } from './callAction';
import { elapsedSeconds, mediaFor, playAndWait, type ActionContext } from './context';

export interface VoicemailSettings {
  /** Absolute path of the greeting; undefined or `default`: the shipped one in the number's language. */
  greeting?: string;
  maxSeconds: number;
  maxSilenceSeconds: number;
  /** Addresses the recording is e-mailed to (by the CRM worker); absent: none. */
  email?: string[];
}

declare module '../policy/actions' {
  interface ActionCatalogue {
    voicemail: { settings: VoicemailSettings; outcome: RecordedOutcome; always: true };
  }
}

const RECORDING_FORMAT = 'wav';
const MAX_RECIPIENTS = 20;
const ATOM = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+";
const LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?';
/** A plain address (local@domain), no display name: what the event schema's `email` format accepts. */
const MAIL_ADDRESS = new RegExp(`^${ATOM}(?:\\.${ATOM})*@(?:${LABEL}\\.)+${LABEL}$`);

/** The recipients as written, each checked; a duplicate (ignoring case) is reported, not sent twice. */
function mailAddresses(list: string[], ctx: SettingsContext): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  list.forEach((address, i) => {
    if (!MAIL_ADDRESS.test(address))
      ctx.problem(['email', i], `${ctx.render(address)} is not an e-mail address (local@domain, without a name or <>)`);
    else if (seen.has(address.toLowerCase())) ctx.problem(['email', i], `${ctx.render(address)} is listed twice`);
    else {
      seen.add(address.toLowerCase());
      out.push(address);
    }
  });
  return out;
}

/** After the caller hangs up mid-message, Asterisk still reports the finished recording. */
const FINISH_GRACE_MS = 3000;

/**
 * Answers (voicemail is billed, as in Bitrix24), plays the number's greeting or the default
 * one, beeps and records until `maxSeconds`, silence, `#` or the caller hanging up. The
 * recording stays in Asterisk's spool; the CRM worker fetches it over ARI.
 */
export async function runVoicemail(
  s: CallSession,
  ctx: ActionContext,
  settings: VoicemailSettings,
): Promise<RecordedOutcome | CallerHungUpOutcome> {
  const gone = (): CallerHungUpOutcome => ({ kind: 'caller-hung-up', afterSeconds: elapsedSeconds(s, ctx) });
  if (s.hungUp) return gone();
  await ctx.rest.answer(s.channel.id);
  const greeting = chooseSound(settings.greeting, 'greeting', s.language, ctx.defaultSound) as string;
  if (!(await playAndWait(s, ctx, mediaFor(ctx, greeting)))) return gone();

  const name = `after-hours-${s.id}`;
  ctx.router.trackRecording(s, name);
  try {
    await ctx.rest.record(s.channel.id, {
      name,
      format: RECORDING_FORMAT,
      maxDurationSeconds: settings.maxSeconds,
      maxSilenceSeconds: settings.maxSilenceSeconds,
      beep: true,
      terminateOn: '#',
    });
  } catch (err) {
    if (s.hungUp) return gone();
    // Asterisk refused to start it (its recording folder missing or unwritable): the caller
    // is handed back to the dialplan (normal routing) by the call handler, not dropped.
    ctx.mediaFailed?.('recording', 'not-started');
    throw err;
  }
  const isMine = (x: { kind: string; name?: string }) =>
    (x.kind === 'recording-finished' || x.kind === 'recording-failed') && x.name === name;
  let sig = await s.waitFor(isMine, (settings.maxSeconds + 10) * 1000);
  if (sig?.kind === 'hangup') sig = await s.waitFor(isMine, FINISH_GRACE_MS, true);
  if (sig?.kind === 'recording-finished' && sig.durationSeconds > 0) {
    if (!s.hungUp) await ctx.rest.hangup(s.channel.id, 'normal').catch(() => undefined);
    return {
      kind: 'recorded',
      recording: { name, format: RECORDING_FORMAT },
      durationSeconds: sig.durationSeconds,
      ...(settings.email ? { mailTo: settings.email } : {}),
    };
  }
  if (sig === undefined) await ctx.rest.stopRecording(name).catch(() => undefined);
  if (sig?.kind === 'recording-failed') {
    // A full disk, for one: Asterisk stops writing and reports RecordingFailed. The caller is
    // hung up normally (not left in silence) and the call's event still goes out.
    ctx.log.error({ call: s.id, recording: name, cause: sig.cause }, 'recording failed: no voicemail was kept');
    ctx.mediaFailed?.('recording', 'failed');
  } else if (sig === undefined) ctx.mediaFailed?.('recording', 'timeout');
  if (!s.hungUp) await ctx.rest.hangup(s.channel.id, 'normal').catch(() => undefined);
  return gone();
}

export const voicemailAction: CallAction<'voicemail'> = {
  configSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      greeting: {
        description:
          "WAV (8 kHz mono) or GSM file, or sound:NAME (a sound stored with after-hours sound add); when absent or `default`, the shipped greeting in the number's language.",
        type: 'string',
        minLength: 1,
      },
      maxSeconds: { type: 'integer', minimum: 5, maximum: 3600, default: 120 },
      maxSilenceSeconds: { type: 'integer', minimum: 1, maximum: 60, default: 5 },
      email: {
        description: 'Addresses the recording is e-mailed to (the CRM worker sends it; SMTP_* settings). [] turns off an inherited list.',
        type: 'array',
        maxItems: MAX_RECIPIENTS,
        items: { type: 'string', minLength: 3, maxLength: 254 },
      },
    },
  },
  outcomes: {
    recorded: {
      defName: 'recorded',
      schema: {
        description: 'Voicemail: the caller left a message.',
        type: 'object',
        additionalProperties: false,
        required: ['kind', 'recording', 'durationSeconds'],
        properties: {
          kind: {
            const: 'recorded',
          },
          recording: {
            type: 'object',
            additionalProperties: false,
            required: ['name', 'format'],
            properties: {
              name: {
                description: 'ARI stored recording name.',
                type: 'string',
                pattern: '^[A-Za-z0-9._/-]{1,200}$',
              },
              format: {
                description: 'File extension as Asterisk wrote it (wav, gsm, ...).',
                type: 'string',
                pattern: '^[a-z0-9]{1,10}$',
              },
            },
          },
          durationSeconds: {
            $ref: '#/$defs/seconds',
          },
          mailTo: {
            description: 'Whom the CRM worker e-mails the recording to (afterHours.voicemail.email).',
            type: 'array',
            minItems: 1,
            maxItems: 20,
            items: {
              type: 'string',
              format: 'email',
              maxLength: 254,
            },
          },
        },
      },
      text: {
        en: (o, say) => `The caller left a voicemail (${say.duration(o.durationSeconds)}).`,
        pl: (o, say) => `Dzwoniący zostawił wiadomość głosową (${say.duration(o.durationSeconds)}).`,
      },
      examples: [{ kind: 'recorded', recording: { name: 'after-hours-x', format: 'wav' }, durationSeconds: 12.5 }],
    },
  },
  // Always configured (defaults apply), so it is every number's safe answer and a forward's fallback.
  settings(own, inherited, ctx) {
    const settings: VoicemailSettings = {
      maxSeconds: (own?.maxSeconds as number | undefined) ?? inherited?.maxSeconds ?? 120,
      maxSilenceSeconds: (own?.maxSilenceSeconds as number | undefined) ?? inherited?.maxSilenceSeconds ?? 5,
    };
    const greeting = soundSetting(own?.greeting, inherited?.greeting, 'greeting', ctx);
    if (greeting) settings.greeting = greeting;
    const email = own?.email !== undefined ? mailAddresses(own.email as string[], ctx) : inherited?.email;
    if (email && email.length > 0) settings.email = email;
    return settings;
  },
  run: (s, ctx, settings) => runVoicemail(s, ctx, settings),
};
