import pino from 'pino';
import type { AriChannel, StasisStartEvent } from '../../../src/call/ariEvents';
import { FORWARD_LEG_ARG } from '../../../src/actions/forward';
import { FEATURE_ARG } from '../../../src/ari/featureCodes';
import { planStranded, stasisArgs, sweepStranded, type StrandedSweepDeps } from '../../../src/ari/strandedCalls';

// Channels in the Stasis app that no call of this daemon handles: what is done with each
// (pure), and the sweep's two looks at the app (a StasisStart on its way is not taken over).

const DID = '+48221234567';
const channel = (id: string, over: Partial<AriChannel> = {}): AriChannel => ({
  id,
  name: `PJSIP/callers-${id}`,
  state: 'Ring',
  caller: { name: '', number: '48600100200' },
  dialplan: { context: 'from-callers', exten: DID, priority: 1, app_name: 'Stasis', app_data: `after-hours,${DID}` },
  ...over,
});

describe('planStranded', () => {
  test('an unanswered call is decided again, with the app arguments it entered Stasis with', () => {
    const c = channel('c1', {
      dialplan: { context: 'x', exten: '221234567', priority: 1, app_name: 'Stasis', app_data: `after-hours,${DID},more` },
    });
    expect(planStranded(c, 'after-hours', false, 'box-a')).toEqual({
      kind: 'decide-again',
      event: { type: 'StasisStart', application: 'after-hours', args: [DID, 'more'], channel: c, asterisk_id: 'box-a' },
    });
  });

  test('without app_data (an older Asterisk) the dialled extension stands in for the arguments', () => {
    const c = channel('c1', { dialplan: { context: 'x', exten: '221234567', priority: 1 } });
    expect(stasisArgs(c)).toBeUndefined();
    const plan = planStranded(c, 'after-hours', false, undefined);
    expect(plan.kind).toBe('decide-again');
    expect((plan as { event: StasisStartEvent }).event.args).toEqual(['221234567']);
    expect((plan as { event: StasisStartEvent }).event).not.toHaveProperty('asterisk_id');
  });

  test('an answered call (its greeting or recording cut off) goes to normal routing', () => {
    expect(planStranded(channel('c1', { state: 'Up' }), 'after-hours', false, undefined).kind).toBe('normal-routing');
  });

  test('a feature code is never run again (the day/night key toggles): normal routing even unanswered', () => {
    const key = channel('k1', {
      dialplan: {
        context: 'from-callers',
        exten: '*281',
        priority: 1,
        app_name: 'Stasis',
        app_data: `after-hours,${FEATURE_ARG},daynight,1`,
      },
    });
    expect(planStranded(key, 'after-hours', false, undefined).kind).toBe('normal-routing');
  });

  test('a forward leg is hung up; anything in a bridge is left to its parties', () => {
    const leg = channel('l1', {
      dialplan: { context: 'd', exten: 's', priority: 1, app_name: 'Stasis', app_data: `after-hours,${FORWARD_LEG_ARG}` },
    });
    expect(planStranded(leg, 'after-hours', false, undefined)).toEqual({ kind: 'hang-up-leg' });
    expect(planStranded(leg, 'after-hours', true, undefined).kind).toBe('leave');
    expect(planStranded(channel('c1', { state: 'Up' }), 'after-hours', true, undefined).kind).toBe('leave');
  });
});

describe('sweepStranded', () => {
  function deps(over: Partial<StrandedSweepDeps> & { looks: string[][]; channels: AriChannel[] }) {
    const looks = [...over.looks];
    const done: string[] = [];
    const d: StrandedSweepDeps = {
      app: 'after-hours',
      appChannels: async () => looks.shift() ?? [],
      channel: async (id) => over.channels.find((c) => c.id === id),
      bridgedChannels: async () => new Set(),
      owned: () => false,
      asteriskId: () => undefined,
      decideAgain: (e) => void done.push(`decide ${e.channel.id}`),
      normalRouting: async (e) => void done.push(`route ${e.channel.id}`),
      hangUp: async (id) => void done.push(`hangup ${id}`),
      graceMs: 5,
      log: pino({ level: 'silent' }),
      ...over,
    };
    return { d, done };
  }

  test('each stranded channel gets its plan; a channel owned by a call is not touched', async () => {
    const leg = channel('l1', {
      dialplan: { context: 'd', exten: 's', priority: 1, app_name: 'Stasis', app_data: `after-hours,${FORWARD_LEG_ARG}` },
    });
    const { d, done } = deps({
      looks: [
        ['c1', 'c2', 'l1', 'mine'],
        ['c1', 'c2', 'l1', 'mine'],
      ],
      channels: [channel('c1'), channel('c2', { state: 'Up' }), leg, channel('mine')],
      owned: (id) => id === 'mine',
    });
    expect(await sweepStranded(d)).toBe(3);
    expect(done).toEqual(['decide c1', 'route c2', 'hangup l1']);
  });

  test('a channel that left the app by the second look, or whose StasisStart arrived meanwhile, is not taken over', async () => {
    const owned = new Set<string>();
    const { d, done } = deps({
      looks: [
        ['left', 'arriving', 'stuck'],
        ['arriving', 'stuck'],
      ],
      channels: [channel('left'), channel('arriving'), channel('stuck')],
      owned: (id) => owned.has(id),
    });
    const sweep = sweepStranded(d);
    owned.add('arriving'); // its StasisStart is handled during the grace
    expect(await sweep).toBe(1);
    expect(done).toEqual(['decide stuck']);
  });

  test('nothing in the app but calls in progress: no second look', async () => {
    const appChannels = jest.fn(async () => ['c1']);
    const { d, done } = deps({ looks: [], channels: [], appChannels, owned: () => true });
    expect(await sweepStranded(d)).toBe(0);
    expect(appChannels).toHaveBeenCalledTimes(1);
    expect(done).toEqual([]);
  });

  test('a channel gone when its snapshot is asked for, or in a bridge, is left alone', async () => {
    const { d, done } = deps({
      looks: [
        ['gone', 'talking'],
        ['gone', 'talking'],
      ],
      channels: [channel('talking', { state: 'Up' })],
      bridgedChannels: async () => new Set(['talking']),
    });
    expect(await sweepStranded(d)).toBe(0);
    expect(done).toEqual([]);
  });
});
