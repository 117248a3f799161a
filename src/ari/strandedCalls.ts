import type { Logger } from 'pino';
import type { AriChannel, StasisStartEvent } from '../call/ariEvents';
import { FORWARD_LEG_ARG } from '../actions/forward';
import { FEATURE_ARG } from './featureCodes';

// Channels left in the Stasis app with nobody handling them: a call whose every request to
// Asterisk failed while the ARI connection was cut (its hand-back to the dialplan and its
// hang-up too), a StasisStart lost with the socket, or the calls of a daemon that crashed.
// Asterisk keeps them in the app, silent, until the caller gives up. After each registration
// the daemon looks for them and puts each somewhere sensible.

/** What is done with a channel in the app that no call of this daemon owns. */
export type StrandedPlan =
  /** Not answered yet (and not a feature code): decided again as if its StasisStart had just arrived. */
  | { kind: 'decide-again'; event: StasisStartEvent }
  /** Answered (a greeting or recording was cut off), or a feature code (a toggle is not run twice): normal routing. */
  | { kind: 'normal-routing'; event: StasisStartEvent }
  /** A forward leg whose call is gone. */
  | { kind: 'hang-up-leg' }
  /** In a bridge (an answered forward): the parties are talking; left to them. */
  | { kind: 'leave'; why: string };

/** The app arguments of a channel in Stasis: app_data "after-hours,+4822…" → ["+4822…"]. */
export function stasisArgs(channel: AriChannel): string[] | undefined {
  const d = channel.dialplan;
  if (d.app_name?.toLowerCase() !== 'stasis' || d.app_data === undefined) return undefined;
  return d.app_data.split(',').slice(1);
}

/** Pure: what to do with one stranded channel, from its snapshot. */
export function planStranded(channel: AriChannel, app: string, bridged: boolean, asteriskId: string | undefined): StrandedPlan {
  const args = stasisArgs(channel) ?? [channel.dialplan.exten];
  if (args[0] === FORWARD_LEG_ARG) return bridged ? { kind: 'leave', why: 'forward leg in a bridge' } : { kind: 'hang-up-leg' };
  if (bridged) return { kind: 'leave', why: 'in a bridge' };
  const event: StasisStartEvent = {
    type: 'StasisStart',
    application: app,
    args,
    channel,
    ...(asteriskId !== undefined ? { asterisk_id: asteriskId } : {}),
  };
  return channel.state === 'Up' || args[0] === FEATURE_ARG ? { kind: 'normal-routing', event } : { kind: 'decide-again', event };
}

export interface StrandedSweepDeps {
  app: string;
  /** The channels in the app now. */
  appChannels(): Promise<string[]>;
  channel(id: string): Promise<AriChannel | undefined>;
  bridgedChannels(): Promise<Set<string>>;
  /** A call of this daemon has the channel (being decided, acting, or a forward leg of one). */
  owned(id: string): boolean;
  asteriskId(): string | undefined;
  decideAgain(e: StasisStartEvent): void;
  normalRouting(e: StasisStartEvent): Promise<unknown>;
  hangUp(id: string): Promise<unknown>;
  /** Between the two looks at the app: a StasisStart on its way when the first was taken has arrived by the second. */
  graceMs: number;
  log: Logger;
}

/**
 * Finds the channels that were in the app at two looks `graceMs` apart and that no call owns
 * at the second, and puts each where planStranded says. Resolves with how many it took.
 */
export async function sweepStranded(deps: StrandedSweepDeps): Promise<number> {
  const first = (await deps.appChannels()).filter((id) => !deps.owned(id));
  if (first.length === 0) return 0;
  await new Promise((r) => setTimeout(r, deps.graceMs));
  const now = new Set(await deps.appChannels());
  const stranded = first.filter((id) => now.has(id) && !deps.owned(id));
  if (stranded.length === 0) return 0;
  const bridged = await deps.bridgedChannels();
  let taken = 0;
  for (const id of stranded) {
    const channel = await deps.channel(id);
    if (!channel || deps.owned(id)) continue;
    const plan = planStranded(channel, deps.app, bridged.has(id), deps.asteriskId());
    const fields = { channel: id, name: channel.name, state: channel.state, plan: plan.kind };
    if (plan.kind === 'leave') {
      deps.log.warn({ ...fields, why: plan.why }, 'a channel in the app that no call handles; left alone');
      continue;
    }
    deps.log.warn(fields, 'a channel in the app that no call handled (lost with the ARI connection or a previous daemon): taken over');
    taken++;
    if (plan.kind === 'decide-again') deps.decideAgain(plan.event);
    else if (plan.kind === 'normal-routing') await deps.normalRouting(plan.event);
    else await deps.hangUp(id).catch(() => undefined);
  }
  return taken;
}
