import pino from 'pino';
import type { AriChannel, StasisStartEvent } from '../../../src/call/ariEvents';
import { CallHandler } from '../../../src/ari/callHandler';
import { AriEventDispatcher } from '../../../src/ari/ariEventDispatcher';
import { AriHttpError, type AriRest } from '../../../src/ari/rest';
import { loadConfigText } from '../../../src/config/load';
import type { AfterHoursEvent } from '../../../src/policy/callEvent';
import { NumberDirectory } from '../../../src/schedule/directory';

// The call handler without Asterisk: an action whose ARI request fails. When Asterisk no
// longer has the channel (the caller got the answer or left, and the hang-up event went with a
// cut connection), the call keeps its event; when the channel is still there, it goes to normal
// routing and no event claims it was handled.

const DID = '+48221234567';
const loaded = loadConfigText(
  'after-hours.yaml',
  [
    'defaults: { region: PL, timezone: Europe/Warsaw, hours: {} }',
    'numbers:',
    `  - { did: "${DID}", name: Closed, afterHours: { action: hangup, hangup: { cause: busy } } }`,
    '',
  ].join('\n'),
);
if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
const directory = new NumberDirectory(loaded.config, loaded.zones);

const channel: AriChannel = {
  id: 'c1',
  name: 'PJSIP/trunk-00000001',
  state: 'Ring',
  caller: { name: '', number: '48600100200' },
  dialplan: { context: 'from-trunk', exten: DID, priority: 1 },
};
const start: StasisStartEvent = { type: 'StasisStart', application: 'after-hours', args: [DID], channel };

function handlerWith(rest: Partial<AriRest>) {
  const emitted: AfterHoursEvent[] = [];
  const observed: string[] = [];
  const router = new AriEventDispatcher();
  const handler = new CallHandler({
    ctx: {
      rest: rest as AriRest,
      router,
      appName: 'after-hours',
      forwarding: loaded.ok ? loaded.config.forwarding : ({} as never),
      defaultSound: () => 'closed.wav',
      log: pino({ level: 'silent' }),
      now: () => Date.parse('2026-11-29T22:00:00Z'),
    },
    router,
    directory: () => directory,
    overrides: () => new Map(),
    continueTo: { context: 'from-trunk', priority: 1 },
    emit: async (e) => void emitted.push(e),
    observe: (kind, outcome) => void observed.push(outcome ? `${kind}:${outcome}` : kind),
    maskCaller: (n) => n,
    log: pino({ level: 'silent' }),
  });
  return { handler, emitted, observed };
}

const cut = () => Promise.reject(new TypeError('fetch failed', { cause: { code: 'ECONNRESET' } }));

describe('CallHandler: an action whose ARI request fails', () => {
  it('the channel is gone (404 on continue): the call keeps its event, as the caller having left', async () => {
    const continued = jest.fn(() => Promise.reject(new AriHttpError(404, 'POST', '/channels/c1/continue', 'Channel not found')));
    const { handler, emitted, observed } = handlerWith({ hangup: jest.fn(cut), continueInDialplan: continued });
    handler.onStasisStart(start);
    expect(await handler.settle(5000)).toBe(true);
    expect(continued).toHaveBeenCalledTimes(1);
    expect(emitted).toHaveLength(1);
    expect(emitted[0]).toMatchObject({ did: DID, action: 'hangup', outcome: { kind: 'caller-hung-up' } });
    expect(observed).toEqual(['hangup:caller-hung-up']);
  });

  it('the channel is still there: it goes to normal routing, counted as an error, and no event', async () => {
    const continued = jest.fn(() => Promise.resolve());
    const { handler, emitted, observed } = handlerWith({ hangup: jest.fn(cut), continueInDialplan: continued });
    handler.onStasisStart(start);
    expect(await handler.settle(5000)).toBe(true);
    expect(continued).toHaveBeenCalledWith('c1', 'from-trunk', DID, 1);
    expect(emitted).toEqual([]);
    expect(observed).toEqual(['error']);
  });

  it('the channel has left the app (409 on continue): it is somewhere else in the dialplan and is not hung up', async () => {
    const hangup = jest.fn(cut);
    const continued = jest.fn(() =>
      Promise.reject(new AriHttpError(409, 'POST', '/channels/c1/continue', '{"message":"Channel not in Stasis application"}')),
    );
    const { handler, emitted } = handlerWith({ hangup, continueInDialplan: continued });
    handler.onStasisStart(start);
    expect(handler.isHandling('c1')).toBe(true);
    expect(await handler.settle(5000)).toBe(true);
    expect(handler.isHandling('c1')).toBe(false);
    expect(continued).toHaveBeenCalledTimes(1);
    expect(hangup.mock.calls).toEqual([['c1', 'busy']]); // the action's reject only, no 'congestion' after it
    expect(emitted).toEqual([]);
  });

  it('the connection is cut (no answer to the action or to the hand-back): asked again; gone then means the call keeps its event', async () => {
    const continued = jest
      .fn<Promise<void>, []>()
      .mockImplementationOnce(cut)
      .mockImplementationOnce(() => Promise.reject(new AriHttpError(404, 'POST', '/channels/c1/continue', 'Channel not found')));
    const hangup = jest.fn(cut);
    const { handler, emitted, observed } = handlerWith({ hangup, continueInDialplan: continued });
    handler.onStasisStart(start);
    expect(await handler.settle(5000)).toBe(true);
    expect(continued).toHaveBeenCalledTimes(2);
    expect(hangup.mock.calls).toEqual([['c1', 'busy']]); // not hung up with 'congestion' on a connection that gave no answer
    expect(emitted).toHaveLength(1);
    expect(emitted[0]).toMatchObject({ did: DID, outcome: { kind: 'caller-hung-up' } });
    expect(observed).toEqual(['hangup:caller-hung-up']);
  });

  it('the connection is cut, then the hand-back succeeds: normal routing, no event', async () => {
    const continued = jest.fn<Promise<void>, []>().mockImplementationOnce(cut).mockImplementationOnce(cut).mockResolvedValue(undefined);
    const { handler, emitted, observed } = handlerWith({ hangup: jest.fn(cut), continueInDialplan: continued });
    handler.onStasisStart(start);
    expect(await handler.settle(5000)).toBe(true);
    expect(continued).toHaveBeenCalledTimes(3);
    expect(emitted).toEqual([]);
    expect(observed).toEqual(['error']);
  });
});
