import type { AfterHoursEvent } from '../../../src/policy/callEvent';
import { eventLanguage, recordedVoicemail, voicemailMailText } from '../../../src/policy/voicemailMailText';
import { makeEvent } from '../crm/fixtures';

const recorded = {
  kind: 'recorded',
  recording: { name: 'vm-1', format: 'wav' },
  durationSeconds: 72.4,
  mailTo: ['office@example.com'],
} as const;

function text(patch: Partial<Record<keyof AfterHoursEvent, unknown>>, files = ['voicemail.wav', 'voicemail.mp3']) {
  const event = makeEvent({ outcome: recorded, ...patch });
  return voicemailMailText(event, recordedVoicemail(event)!, files);
}

describe('the voicemail e-mail text', () => {
  it('English: who called, which number, when in the number zone, how long, what is attached', () => {
    // 19:42 in Warsaw is 13:42 in New York: the number's zone decides, not the event's offset.
    const t = text({ time: '2025-01-06T19:42:00+01:00', timezone: 'America/New_York', language: 'en' });
    expect(t.subject).toBe('Voicemail from +48600100200 to Sales (1 min 12 s)');
    expect(t.text).toBe(
      [
        'From: +48600100200',
        'To: Sales (+48221002030)',
        'When: 2025-01-06 13:42 (America/New_York)',
        'Length: 1 min 12 s',
        '',
        'The message is attached (voicemail.wav, voicemail.mp3).',
        '',
        'Sent by after-hours.',
        '',
      ].join('\n'),
    );
  });

  it('English, with the holiday named', () => {
    expect(text({ language: 'en', holiday: { name: 'Christmas Eve' } }).text).toContain('Closed for: Christmas Eve');
  });

  it('Polish, with the holiday named and an anonymous caller', () => {
    const t = text({ language: 'pl', caller: 'anonymous', holiday: { name: 'Wigilia' } }, ['voicemail.wav']);
    expect(t.subject).toBe('Wiadomość głosowa od numeru zastrzeżonego na numer Sales (1 min 12 s)');
    expect(t.text).toContain(
      'Od: numeru zastrzeżonego\nNa numer: Sales (+48221002030)\nKiedy: 06.01.2025 19:42 (Europe/Warsaw)\nDługość: 1 min 12 s',
    );
    expect(t.text).toContain('Zamknięte: Wigilia');
    expect(t.text).toContain('Nagranie jest w załączniku (voicemail.wav).');
  });

  it("the number's language wins over the CRM's; an event without one uses crm.language", () => {
    expect(eventLanguage(makeEvent({ language: 'pl' }))).toBe('pl');
    expect(eventLanguage(makeEvent({ crm: { lookup: true, unknownCaller: 'lead', queue: [1], notify: 'first', language: 'pl' } }))).toBe(
      'pl',
    );
    expect(
      eventLanguage(
        makeEvent({ language: 'en', crm: { lookup: true, unknownCaller: 'lead', queue: [1], notify: 'first', language: 'pl' } }),
      ),
    ).toBe('en');
  });

  it('finds the voicemail of a forward nobody answered; none in a rejected call or an answered forward', () => {
    const fallback = makeEvent({
      action: 'forward',
      outcome: { kind: 'forwarded', to: '+48601234567', answered: false, fallback: recorded },
    });
    expect(recordedVoicemail(fallback)).toEqual(recorded);
    expect(recordedVoicemail(makeEvent({ action: 'hangup', outcome: { kind: 'rejected', cause: 'busy' } }))).toBeUndefined();
    expect(
      recordedVoicemail(
        makeEvent({ action: 'forward', outcome: { kind: 'forwarded', to: '+48601234567', answered: true, durationSeconds: 3 } }),
      ),
    ).toBeUndefined();
    // Only an unanswered forward's fallback is its voicemail; one without a fallback has none.
    const answeredWithFallback = makeEvent({
      action: 'forward',
      outcome: { kind: 'forwarded', to: '+48601234567', answered: true, durationSeconds: 3, fallback: recorded },
    });
    expect(recordedVoicemail(answeredWithFallback)).toBeUndefined();
    expect(
      recordedVoicemail(makeEvent({ action: 'forward', outcome: { kind: 'forwarded', to: '+48601234567', answered: false } })),
    ).toBeUndefined();
    const hungUp = makeEvent({
      action: 'forward',
      outcome: { kind: 'forwarded', to: '+48601234567', answered: false, fallback: { kind: 'caller-hung-up', afterSeconds: 2 } },
    });
    expect(recordedVoicemail(hungUp)).toBeUndefined();
  });
});
