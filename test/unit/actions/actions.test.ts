// Every branch of each action's run() without Asterisk: test/support/fakeAri answers the ARI
// requests the action makes and sends the events Asterisk would. What the caller gets (the
// outcome) and what was asked of Asterisk (the requests, in order) are both checked. The
// same actions on real calls: test/integration (sipp).
import { dialplanAction } from '../../../src/actions/dialplan';
import { runForward, type ForwardSettings } from '../../../src/actions/forward';
import { runHangup } from '../../../src/actions/hangup';
import { runVoicemail, type VoicemailSettings } from '../../../src/actions/voicemail';
import { AriHttpError, AriUnansweredError } from '../../../src/ari/rest';
import type { AfterHoursPolicy } from '../../../src/policy/actions';
import { FakeAri } from '../../support/fakeAri';

const TARGET = '+48601234567';
const voicemail: VoicemailSettings = { maxSeconds: 60, maxSilenceSeconds: 5 };
const policy = { action: 'forward', hangup: { cause: 'busy' }, voicemail } as unknown as AfterHoursPolicy;
const forward = (o: Partial<ForwardSettings> = {}): ForwardSettings => ({ to: TARGET, timeoutSeconds: 20, fallback: 'voicemail', ...o });
const gone404 = () => new AriHttpError(404, 'POST', '/channels/c1', 'Channel not found');

describe('forward', () => {
  const leg = 'call1-leg-1';
  const dialling = ['ring c1', `createChannel PJSIP/${TARGET}@trunk ${leg}`, `dial ${leg} from c1 20 s`];

  it('answered: the caller is answered and bridged with the leg; the far end hanging up ends the call', async () => {
    const ari = new FakeAri();
    ari.on('addToBridge', () => {
      ari.advance(42_000);
      return [{ kind: 'peer-hangup', channelId: leg }];
    });
    const outcome = await runForward(ari.session, ari.ctx, forward(), policy);
    expect(outcome).toEqual({ kind: 'forwarded', to: TARGET, answered: true, durationSeconds: 42 });
    expect(ari.requests).toEqual([
      ...dialling,
      'answer c1',
      'createBridge call1-br-2',
      `addToBridge call1-br-2 c1 ${leg}`,
      'hangup c1 normal',
    ]);
    expect(ari.router.size.peers).toBe(1); // tracked until the call handler removes the session
  });

  it('answered, and the caller hangs up first: the leg is hung up', async () => {
    const ari = new FakeAri();
    ari.on('addToBridge', () => [{ kind: 'hangup' }]);
    const outcome = await runForward(ari.session, ari.ctx, forward(), policy);
    expect(outcome).toMatchObject({ kind: 'forwarded', answered: true });
    expect(ari.requests.at(-1)).toBe(`hangup ${leg} normal`);
  });

  it('the caller id is not passed on for an anonymous caller', async () => {
    const ari = new FakeAri({ caller: 'anonymous' });
    let callerId: string | undefined = 'unset';
    ari.on('createChannel', (o) => {
      callerId = o.callerId;
      return [{ kind: 'peer-ready', channelId: o.channelId }];
    });
    ari.on('dial', () => [{ kind: 'dial', channelId: leg, status: 'BUSY' }]);
    await runForward(ari.session, ari.ctx, forward({ fallback: 'hangup' }), policy);
    expect(callerId).toBeUndefined();
  });

  it.each(['BUSY', 'NOANSWER', 'CHANUNAVAIL', 'CONGESTION'])(
    '%s: the leg is hung up and the fallback (voicemail) runs on the unanswered caller',
    async (status) => {
      const ari = new FakeAri();
      ari.on('dial', () => [{ kind: 'dial', channelId: leg, status }]);
      const outcome = await runForward(ari.session, ari.ctx, forward(), policy);
      expect(outcome).toEqual({
        kind: 'forwarded',
        to: TARGET,
        answered: false,
        fallback: { kind: 'recorded', recording: { name: 'after-hours-call1', format: 'wav' }, durationSeconds: 4 },
      });
      expect(ari.requests).toEqual([
        ...dialling,
        `hangup ${leg} normal`,
        'answer c1',
        'play c1 sound:/sounds/en/greeting',
        'record c1 after-hours-call1 max 60 s',
        'hangup c1 normal',
      ]);
    },
  );

  it('the leg hangs up while ringing (no dial result): the fallback (hangup) runs', async () => {
    const ari = new FakeAri();
    ari.on('dial', () => [{ kind: 'peer-hangup', channelId: leg }]);
    const outcome = await runForward(ari.session, ari.ctx, forward({ fallback: 'hangup' }), policy);
    expect(outcome).toEqual({ kind: 'forwarded', to: TARGET, answered: false, fallback: { kind: 'rejected', cause: 'busy' } });
    expect(ari.requests.slice(-2)).toEqual([`hangup ${leg} normal`, 'hangup c1 busy']);
  });

  it('the caller hangs up mid-dial: the leg is hung up, no fallback', async () => {
    const ari = new FakeAri();
    ari.on('dial', () => [{ kind: 'hangup' }]);
    const outcome = await runForward(ari.session, ari.ctx, forward(), policy);
    expect(outcome).toEqual({ kind: 'caller-hung-up', afterSeconds: 0 });
    expect(ari.requests).toEqual([...dialling, `hangup ${leg} normal`]);
  });

  it('the caller hangs up before the leg entered the app: the leg is hung up, nothing dialled', async () => {
    const ari = new FakeAri();
    ari.on('createChannel', () => [{ kind: 'hangup' }]);
    const outcome = await runForward(ari.session, ari.ctx, forward(), policy);
    expect(outcome).toMatchObject({ kind: 'caller-hung-up' });
    expect(ari.requests).toEqual([dialling[0], dialling[1], `hangup ${leg} normal`]);
  });

  it('the leg cannot be created: logged, the fallback runs', async () => {
    const ari = new FakeAri();
    ari.on('createChannel', () => new AriHttpError(500, 'POST', '/channels', 'Allocation failed'));
    const outcome = await runForward(ari.session, ari.ctx, forward({ fallback: 'hangup' }), policy);
    expect(outcome).toEqual({ kind: 'forwarded', to: TARGET, answered: false, fallback: { kind: 'rejected', cause: 'busy' } });
    expect(ari.requests).toEqual([dialling[0], dialling[1], `hangup ${leg} normal`, 'hangup c1 busy']);
  });

  it('the request fails because the caller is gone: caller-hung-up', async () => {
    const ari = new FakeAri();
    ari.on('dial', () => {
      ari.callerHangsUp();
      return gone404();
    });
    expect(await runForward(ari.session, ari.ctx, forward(), policy)).toMatchObject({ kind: 'caller-hung-up' });
  });

  it('a dial whose answer was lost (it may have reached Asterisk) and a caller gone meanwhile: the leg is still hung up', async () => {
    const ari = new FakeAri();
    ari.on('dial', () => {
      ari.callerHangsUp();
      return new AriUnansweredError('POST', `/channels/${leg}/dial`, true, 'connection closed before the answer');
    });
    expect(await runForward(ari.session, ari.ctx, forward(), policy)).toMatchObject({ kind: 'caller-hung-up' });
    expect(ari.requests).toEqual([...dialling, `hangup ${leg} normal`]);
  });

  it('a dial whose answer was lost with the caller still there: the leg is hung up, then the fallback', async () => {
    const ari = new FakeAri();
    ari.on('dial', () => new AriUnansweredError('POST', `/channels/${leg}/dial`, true, 'connection closed before the answer'));
    const outcome = await runForward(ari.session, ari.ctx, forward({ fallback: 'hangup' }), policy);
    expect(outcome).toEqual({ kind: 'forwarded', to: TARGET, answered: false, fallback: { kind: 'rejected', cause: 'busy' } });
    expect(ari.requests).toEqual([...dialling, `hangup ${leg} normal`, 'hangup c1 busy']);
  });

  it('a target the rules refuse (premium rate) is never dialled: the fallback runs at once', async () => {
    const ari = new FakeAri();
    const outcome = await runForward(ari.session, ari.ctx, forward({ to: '+48701234567', fallback: 'hangup' }), policy);
    expect(outcome).toEqual({ kind: 'forwarded', to: '+48701234567', answered: false, fallback: { kind: 'rejected', cause: 'busy' } });
    expect(ari.requests).toEqual(['hangup c1 busy']);
  });

  it('a fallback the caller leaves (hung up in the greeting) is reported as such inside the forward', async () => {
    const ari = new FakeAri();
    ari.on('dial', () => [{ kind: 'dial', channelId: leg, status: 'NOANSWER' }]);
    ari.on('play', () => [{ kind: 'hangup' }]);
    const outcome = await runForward(ari.session, ari.ctx, forward(), policy);
    expect(outcome).toMatchObject({ kind: 'forwarded', answered: false, fallback: { kind: 'caller-hung-up' } });
  });
});

describe('voicemail', () => {
  it('greeting, beep, recording: the recording and its length, mailed where configured; the caller is hung up', async () => {
    const ari = new FakeAri({ language: 'pl' });
    const outcome = await runVoicemail(ari.session, ari.ctx, { ...voicemail, email: ['biuro@example.com'] });
    expect(outcome).toEqual({
      kind: 'recorded',
      recording: { name: 'after-hours-call1', format: 'wav' },
      durationSeconds: 4,
      mailTo: ['biuro@example.com'],
    });
    expect(ari.requests).toEqual([
      'answer c1',
      'play c1 sound:/sounds/pl/greeting',
      'record c1 after-hours-call1 max 60 s',
      'hangup c1 normal',
    ]);
    expect(ari.router.size).toMatchObject({ playbacks: 1, recordings: 1 });
  });

  it('the number’s own greeting is played instead of the shipped one', async () => {
    const ari = new FakeAri();
    await runVoicemail(ari.session, ari.ctx, { ...voicemail, greeting: '/srv/office/greeting.wav' });
    expect(ari.requests[1]).toBe('play c1 sound:/srv/office/greeting');
  });

  it('the caller hangs up during the greeting: nothing is recorded', async () => {
    const ari = new FakeAri();
    ari.on('play', () => {
      ari.advance(2_500);
      return [{ kind: 'hangup' }];
    });
    expect(await runVoicemail(ari.session, ari.ctx, voicemail)).toEqual({ kind: 'caller-hung-up', afterSeconds: 2.5 });
    expect(ari.requests).toEqual(['answer c1', 'play c1 sound:/sounds/en/greeting']);
  });

  it('the caller is gone before the action starts: not answered (not billed)', async () => {
    const ari = new FakeAri();
    ari.callerHangsUp();
    expect(await runVoicemail(ari.session, ari.ctx, voicemail)).toMatchObject({ kind: 'caller-hung-up' });
    expect(ari.requests).toEqual([]);
  });

  it('the caller hangs up mid-message: the recording Asterisk reports afterwards is kept; no hang-up is sent', async () => {
    const ari = new FakeAri();
    ari.on('record', (_c, o) => [{ kind: 'hangup' }, { kind: 'recording-finished', name: o.name, durationSeconds: 7 }]);
    expect(await runVoicemail(ari.session, ari.ctx, voicemail)).toMatchObject({ kind: 'recorded', durationSeconds: 7 });
    expect(ari.requests.at(-1)).toBe('record c1 after-hours-call1 max 60 s');
  });

  it('an empty recording (0 s) is no voicemail: the caller is hung up, caller-hung-up', async () => {
    const ari = new FakeAri();
    ari.on('record', (_c, o) => [{ kind: 'recording-finished', name: o.name, durationSeconds: 0 }]);
    expect(await runVoicemail(ari.session, ari.ctx, voicemail)).toMatchObject({ kind: 'caller-hung-up' });
    expect(ari.requests.at(-1)).toBe('hangup c1 normal');
    expect(ari.mediaFailures).toEqual([]);
  });

  it('the recording fails (a full disk): counted, the caller is hung up normally, the call still has its event', async () => {
    const ari = new FakeAri();
    ari.on('record', (_c, o) => [{ kind: 'recording-failed', name: o.name, cause: 'write error' }]);
    expect(await runVoicemail(ari.session, ari.ctx, voicemail)).toMatchObject({ kind: 'caller-hung-up' });
    expect(ari.mediaFailures).toEqual(['recording:failed']);
    expect(ari.requests.at(-1)).toBe('hangup c1 normal');
  });

  it('Asterisk refuses to start the recording with the caller there: counted, the error goes to the call handler', async () => {
    const ari = new FakeAri();
    ari.on('record', () => new AriHttpError(500, 'POST', '/channels/c1/record', 'Internal Server Error'));
    await expect(runVoicemail(ari.session, ari.ctx, voicemail)).rejects.toThrow(AriHttpError);
    expect(ari.mediaFailures).toEqual(['recording:not-started']);
  });

  it('the recording request fails because the caller left: caller-hung-up, nothing counted', async () => {
    const ari = new FakeAri();
    ari.on('record', () => {
      ari.callerHangsUp();
      return gone404();
    });
    expect(await runVoicemail(ari.session, ari.ctx, voicemail)).toMatchObject({ kind: 'caller-hung-up' });
    expect(ari.mediaFailures).toEqual([]);
  });

  it('a greeting that fails to start is skipped: counted, the message is still recorded', async () => {
    const ari = new FakeAri();
    ari.on('play', () => new AriHttpError(400, 'POST', '/channels/c1/play', 'media not found'));
    expect(await runVoicemail(ari.session, ari.ctx, voicemail)).toMatchObject({ kind: 'recorded' });
    expect(ari.mediaFailures).toEqual(['playback:not-started']);
  });
});

describe('hangup', () => {
  it('a reject already sent (the prelude): rejected, nothing more asked of Asterisk', async () => {
    const ari = new FakeAri();
    expect(await runHangup(ari.session, ari.ctx, { cause: 'busy' }, Promise.resolve(undefined))).toEqual({
      kind: 'rejected',
      cause: 'busy',
    });
    expect(ari.requests).toEqual([]);
  });

  it('the prelude failed and the caller is gone: caller-hung-up; with the caller there: the error goes on', async () => {
    const gone = new FakeAri();
    gone.callerHangsUp();
    expect(await runHangup(gone.session, gone.ctx, { cause: 'busy' }, Promise.resolve({ err: gone404() }))).toMatchObject({
      kind: 'caller-hung-up',
    });
    const there = new FakeAri();
    await expect(runHangup(there.session, there.ctx, { cause: 'busy' }, Promise.resolve({ err: gone404() }))).rejects.toThrow(
      'Channel not found',
    );
  });

  it('an announcement as early media, then the reject with the configured cause', async () => {
    const ari = new FakeAri();
    expect(await runHangup(ari.session, ari.ctx, { cause: 'congestion', announcement: '/srv/closed.wav' })).toEqual({
      kind: 'rejected',
      cause: 'congestion',
    });
    expect(ari.requests).toEqual(['play c1 sound:/srv/closed', 'hangup c1 congestion']);
  });

  it('`default`: the shipped announcement in the number’s language', async () => {
    const ari = new FakeAri({ language: 'pl' });
    await runHangup(ari.session, ari.ctx, { cause: 'busy', announcement: 'default' });
    expect(ari.requests[0]).toBe('play c1 sound:/sounds/pl/closed');
  });

  it('an announcement that fails to start: counted, the caller is still rejected', async () => {
    const ari = new FakeAri();
    ari.on('play', () => new AriHttpError(400, 'POST', '/channels/c1/play', 'media not found'));
    expect(await runHangup(ari.session, ari.ctx, { cause: 'busy', announcement: '/srv/closed.wav' })).toEqual({
      kind: 'rejected',
      cause: 'busy',
    });
    expect(ari.mediaFailures).toEqual(['playback:not-started']);
    expect(ari.requests.at(-1)).toBe('hangup c1 busy');
  });

  // The connection broke after Asterisk took the request, before its answer came back.
  const lostAnswer = () => new AriUnansweredError('POST', '/channels/c1/play/call1-pb-1', true, 'socket hang up');

  it('the play request’s answer is lost while Asterisk plays it: the announcement is waited for, then the reject', async () => {
    const ari = new FakeAri();
    let playbackId = '';
    ari.on('play', (_c, id) => {
      playbackId = id;
      return lostAnswer();
    });
    ari.onPlaybackExists(() => {
      // Still playing when asked; its end arrives as an event afterwards.
      ari.deliver([{ kind: 'playback-finished', playbackId, state: 'done' }]);
      return true;
    });
    expect(await runHangup(ari.session, ari.ctx, { cause: 'busy', announcement: '/srv/closed.wav' })).toEqual({
      kind: 'rejected',
      cause: 'busy',
    });
    expect(ari.requests).toEqual(['play c1 sound:/srv/closed', `playbackExists ${playbackId}`, 'hangup c1 busy']);
    expect(ari.mediaFailures).toEqual([]);
  });

  it('the answer is lost and Asterisk cannot be asked (connection down): the reject waits for the playback’s end', async () => {
    const ari = new FakeAri();
    let playbackId = '';
    ari.on('play', (_c, id) => {
      playbackId = id;
      return lostAnswer();
    });
    ari.onPlaybackExists(() => new AriUnansweredError('GET', '/playbacks/x', false, 'connect ECONNREFUSED'));
    const outcome = runHangup(ari.session, ari.ctx, { cause: 'busy', announcement: '/srv/closed.wav' });
    await new Promise((r) => setImmediate(r));
    // Nothing is rejected while the playback may still be playing.
    expect(ari.requests).toEqual(['play c1 sound:/srv/closed', `playbackExists ${playbackId}`]);
    // The reconnect finds it ended (AriEventDispatcher.resync).
    ari.session.deliver({ kind: 'playback-finished', playbackId, state: 'done' });
    expect(await outcome).toEqual({ kind: 'rejected', cause: 'busy' });
    expect(ari.requests.at(-1)).toBe('hangup c1 busy');
  });

  it('the answer is lost and Asterisk has no such playback: not started, counted, the caller is rejected at once', async () => {
    const ari = new FakeAri();
    ari.on('play', () => lostAnswer());
    expect(await runHangup(ari.session, ari.ctx, { cause: 'busy', announcement: '/srv/closed.wav' })).toEqual({
      kind: 'rejected',
      cause: 'busy',
    });
    expect(ari.mediaFailures).toEqual(['playback:not-started']);
  });

  it('a play request that surely never reached Asterisk: not started, Asterisk is not asked about it', async () => {
    const ari = new FakeAri();
    ari.on('play', () => new AriUnansweredError('POST', '/channels/c1/play/x', false, 'connect ECONNREFUSED'));
    await runHangup(ari.session, ari.ctx, { cause: 'busy', announcement: '/srv/closed.wav' });
    expect(ari.requests).toEqual(['play c1 sound:/srv/closed', 'hangup c1 busy']);
    expect(ari.mediaFailures).toEqual(['playback:not-started']);
  });

  it('an announcement Asterisk could not play (PlaybackFinished, failed): counted, the caller is still rejected', async () => {
    const ari = new FakeAri();
    ari.on('play', (_c, playbackId) => [{ kind: 'playback-finished', playbackId, state: 'failed' }]);
    expect(await runHangup(ari.session, ari.ctx, { cause: 'busy', announcement: '/srv/closed.wav' })).toEqual({
      kind: 'rejected',
      cause: 'busy',
    });
    expect(ari.mediaFailures).toEqual(['playback:failed']);
  });

  it('the caller hangs up during the announcement: no reject is sent', async () => {
    const ari = new FakeAri();
    ari.on('play', () => [{ kind: 'hangup' }]);
    expect(await runHangup(ari.session, ari.ctx, { cause: 'busy', announcement: '/srv/closed.wav' })).toMatchObject({
      kind: 'caller-hung-up',
    });
    expect(ari.requests).toEqual(['play c1 sound:/srv/closed']);
  });

  it('the reject fails: caller-hung-up when the caller had left, else the error goes to the call handler', async () => {
    const left = new FakeAri();
    left.on('hangup', () => {
      left.callerHangsUp();
      return gone404();
    });
    expect(await runHangup(left.session, left.ctx, { cause: 'busy' })).toMatchObject({ kind: 'caller-hung-up' });
    const there = new FakeAri();
    there.on('hangup', () => new AriHttpError(500, 'DELETE', '/channels/c1', 'Internal Server Error'));
    await expect(runHangup(there.session, there.ctx, { cause: 'busy' })).rejects.toThrow(AriHttpError);
  });
});

describe('dialplan', () => {
  const run = (ari: FakeAri, settings: { context: string; extension?: string; priority: number }) =>
    dialplanAction.run(ari.session, ari.ctx, settings, policy);

  it('continues at the context, the extension (the dialled number when not given) and priority', async () => {
    const ari = new FakeAri();
    expect(await run(ari, { context: 'ivr-main', priority: 1 })).toEqual({
      kind: 'sent-to-dialplan',
      context: 'ivr-main',
      extension: '+48221234567',
      priority: 1,
    });
    expect(await run(new FakeAri(), { context: 'ext-queues', extension: '400', priority: 2 })).toMatchObject({ extension: '400' });
    expect(ari.requests).toEqual(['continueInDialplan c1 ivr-main,+48221234567,1']);
  });

  it('the request fails: caller-hung-up when the caller had left, else the error goes on', async () => {
    const left = new FakeAri();
    left.on('continueInDialplan', () => {
      left.callerHangsUp();
      return gone404();
    });
    expect(await run(left, { context: 'ivr-main', priority: 1 })).toMatchObject({ kind: 'caller-hung-up' });
    const there = new FakeAri();
    there.on('continueInDialplan', () => new AriHttpError(500, 'POST', '/channels/c1/continue', 'Internal Server Error'));
    await expect(run(there, { context: 'ivr-main', priority: 1 })).rejects.toThrow(AriHttpError);
  });
});
