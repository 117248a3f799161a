// An in-process fake of the ARI requests a call action makes (src/actions), so every
// branch of an action's run() has a fast unit test; the sipp tests under test/integration stay
// the end-to-end proof. Each request is written down ("play c1 sound:/x") and answered the
// way Asterisk would: the events that follow it (a playback finishing, the forward leg
// entering the app, the dial's result, the recording's end) are delivered to the call's
// session as the call router would, on a later tick. A test changes any answer with `on`.
import pino from 'pino';
import type { AriChannel, CallSignal } from '../../src/call/ariEvents';
import type { ActionContext, CallControl } from '../../src/actions/context';
import { AriEventDispatcher } from '../../src/ari/ariEventDispatcher';
import { CallSession } from '../../src/call/callSession';
import { loadConfigText } from '../../src/config/load';
import type { Language } from '../../src/policy/callEvent';

/** The requests an action makes that Asterisk answers with events, as the fake answers them. */
type Requests = Omit<CallControl, 'playbackExists'>;
type RequestName = keyof Requests;

/**
 * What Asterisk does after a request: the signals it sends the call (delivered in order, each
 * on its own later tick), or an error the request fails with. Undefined: it only succeeds.
 */
export type Reaction = CallSignal[] | Error | undefined;

export const DID = '+48221234567';
export const CALLER = '+48600100200';

/** The forwarding settings of a plain file (forwards to Polish numbers allowed). */
function forwardingSettings(): ActionContext['forwarding'] {
  const loaded = loadConfigText(
    'after-hours.yaml',
    ['defaults: { region: PL, timezone: Europe/Warsaw, hours: {} }', 'numbers:', `  - { did: "${DID}" }`, ''].join('\n'),
  );
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
  return loaded.config.forwarding;
}

export class FakeAri {
  /** Every request, in order: the method and its telling arguments ("hangup c1 busy"). */
  readonly requests: string[] = [];
  /** mediaFailed reports: "playback:not-started". */
  readonly mediaFailures: string[] = [];
  readonly session: CallSession;
  readonly router = new AriEventDispatcher();
  readonly ctx: ActionContext;
  private clock = Date.parse('2026-11-29T22:00:00Z');
  private readonly overrides = new Map<RequestName, (args: unknown[]) => Reaction>();
  /** GET /playbacks/{id}: what Asterisk says (by default: no such playback), or an error. */
  private playbackLookup: (playbackId: string) => boolean | Error = () => false;

  constructor(opts: { caller?: string; language?: Language } = {}) {
    const channel: AriChannel = {
      id: 'c1',
      name: 'PJSIP/trunk-00000001',
      state: 'Ring',
      caller: { name: '', number: opts.caller ?? CALLER },
      dialplan: { context: 'from-callers', exten: DID, priority: 1 },
    };
    this.session = new CallSession('call1', channel, DID, opts.caller ?? CALLER, this.clock, opts.language ?? 'en');
    this.router.add(this.session);
    this.ctx = {
      rest: this.rest(),
      router: this.router,
      appName: 'after-hours',
      forwarding: forwardingSettings(),
      defaultSound: (kind, language) => `/sounds/${language}/${kind}.wav`,
      mediaFailed: (what, reason) => void this.mediaFailures.push(`${what}:${reason}`),
      log: pino({ level: 'silent' }),
      now: () => this.clock,
    };
  }

  /** Replaces how Asterisk answers one kind of request (its arguments as the action passed them). */
  on<K extends RequestName>(name: K, react: (...args: Parameters<Requests[K]>) => Reaction): this {
    this.overrides.set(name, (args) => react(...(args as Parameters<Requests[K]>)));
    return this;
  }

  /** Replaces what Asterisk says when asked whether a playback exists. */
  onPlaybackExists(answer: (playbackId: string) => boolean | Error): this {
    this.playbackLookup = answer;
    return this;
  }

  /** Moves the call's clock on (durations in outcomes). */
  advance(ms: number): void {
    this.clock += ms;
  }

  /** Delivers signals to the session one tick apart, as the router would route Asterisk's events. */
  deliver(signals: CallSignal[]): void {
    let at = Promise.resolve();
    for (const s of signals) at = at.then(() => new Promise<void>((r) => setImmediate(() => (this.session.deliver(s), r()))));
  }

  /** The caller hangs up now. */
  callerHangsUp(): void {
    this.session.deliver({ kind: 'hangup' });
  }

  private rest(): CallControl {
    // What Asterisk does when nothing else was said.
    const defaults: { [K in RequestName]: (...args: Parameters<Requests[K]>) => Reaction } = {
      answer: () => undefined,
      ring: () => undefined,
      hangup: () => undefined,
      continueInDialplan: () => undefined,
      play: (_channel, playbackId) => [{ kind: 'playback-finished', playbackId, state: 'done' }],
      stopPlayback: () => undefined,
      record: (_channel, o) => [{ kind: 'recording-finished', name: o.name, durationSeconds: 4 }],
      stopRecording: () => undefined,
      createChannel: (o) => [{ kind: 'peer-ready', channelId: o.channelId }],
      dial: (leg) => [{ kind: 'dial', channelId: leg, status: 'ANSWER' }],
      createBridge: () => undefined,
      addToBridge: () => undefined,
    };
    const describe: { [K in RequestName]: (...args: Parameters<Requests[K]>) => string } = {
      answer: (c) => c,
      ring: (c) => c,
      hangup: (c, cause) => `${c} ${cause ?? 'normal'}`,
      continueInDialplan: (c, context, exten, priority) => `${c} ${context},${exten},${priority ?? 1}`,
      play: (c, _id, media) => `${c} ${media}`,
      stopPlayback: (id) => id,
      record: (c, o) => `${c} ${o.name} max ${o.maxDurationSeconds} s`,
      stopRecording: (name) => name,
      createChannel: (o) => `${o.endpoint} ${o.channelId}`,
      dial: (leg, caller, timeout) => `${leg} from ${caller} ${timeout} s`,
      createBridge: (b) => b,
      addToBridge: (b, channels) => `${b} ${channels.join(' ')}`,
    };
    const handle =
      <K extends RequestName>(name: K) =>
      async (...args: Parameters<Requests[K]>): Promise<void> => {
        this.requests.push(`${name} ${(describe[name] as (...a: unknown[]) => string)(...args)}`);
        const override = this.overrides.get(name);
        const reaction = override ? override(args) : (defaults[name] as (...a: unknown[]) => Reaction)(...args);
        if (reaction instanceof Error) throw reaction;
        if (reaction) this.deliver(reaction);
      };
    const rest = {} as Record<RequestName, unknown>;
    for (const name of Object.keys(defaults) as RequestName[]) rest[name] = handle(name);
    const playbackExists = async (playbackId: string): Promise<boolean> => {
      this.requests.push(`playbackExists ${playbackId}`);
      const answer = this.playbackLookup(playbackId);
      if (answer instanceof Error) throw answer;
      return answer;
    };
    return { ...(rest as unknown as Requests), playbackExists };
  }
}
