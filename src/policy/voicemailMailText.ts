// The e-mail that carries a voicemail: who called, which number, when (in the number's zone)
// and for how long, in the number's language. Pure: the event carries everything; the CRM
// worker's mail step (src/crm/voicemailMail.ts) attaches the recording and sends it.
import type { RecordedOutcome } from './actions';
import { ANONYMOUS, type AfterHoursEvent, type Language } from './callEvent';
export { recordedVoicemail } from './callEvent';
import { formatDuration, formatLocalTime } from './notificationText';

interface MailPhrases {
  subject: (caller: string, name: string, duration: string) => string;
  anonymous: string;
  lines: (f: { caller: string; name: string; did: string; local: string; zone: string; duration: string }) => string[];
  holiday: (name: string) => string;
  attached: (files: string) => string;
  footer: string;
}

const EN: MailPhrases = {
  subject: (caller, name, duration) => `Voicemail from ${caller} to ${name} (${duration})`,
  anonymous: 'an anonymous caller',
  lines: (f) => [`From: ${f.caller}`, `To: ${f.name} (${f.did})`, `When: ${f.local} (${f.zone})`, `Length: ${f.duration}`],
  holiday: (name) => `Closed for: ${name}`,
  attached: (files) => `The message is attached (${files}).`,
  footer: 'Sent by after-hours.',
};

const PL: MailPhrases = {
  subject: (caller, name, duration) => `Wiadomość głosowa od ${caller} na numer ${name} (${duration})`,
  anonymous: 'numeru zastrzeżonego',
  lines: (f) => [`Od: ${f.caller}`, `Na numer: ${f.name} (${f.did})`, `Kiedy: ${f.local} (${f.zone})`, `Długość: ${f.duration}`],
  holiday: (name) => `Zamknięte: ${name}`,
  attached: (files) => `Nagranie jest w załączniku (${files}).`,
  footer: 'Wysłane przez after-hours.',
};

const PHRASES: Record<Language, MailPhrases> = { en: EN, pl: PL };

export interface VoicemailMailText {
  subject: string;
  text: string;
}

/** The language of a call's e-mail: the number's (event.language), else its CRM notifications'. */
export function eventLanguage(event: AfterHoursEvent): Language {
  return event.language ?? event.crm.language;
}

/** `attachments`: the file names as attached, e.g. ["voicemail.wav", "voicemail.mp3"]. */
export function voicemailMailText(event: AfterHoursEvent, voicemail: RecordedOutcome, attachments: string[]): VoicemailMailText {
  const lang = eventLanguage(event);
  const p = PHRASES[lang];
  const caller = event.caller === ANONYMOUS ? p.anonymous : event.caller;
  const duration = formatDuration(voicemail.durationSeconds, lang);
  const lines = p.lines({
    caller,
    name: event.name,
    did: event.did,
    local: formatLocalTime(event.time, event.timezone, lang),
    zone: event.timezone,
    duration,
  });
  if (event.holiday) lines.push(p.holiday(event.holiday.name));
  lines.push('', p.attached(attachments.join(', ')), '', p.footer);
  return { subject: p.subject(caller, event.name, duration), text: `${lines.join('\n')}\n` };
}
