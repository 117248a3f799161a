// Voicemail by e-mail: a step of the CRM worker, because the worker already fetches the
// recording from Asterisk over ARI for each event, runs each step exactly once (the event's
// journal), retries transient failures and dead-letters the rest. The daemon only puts the
// recipients in the event (outcome.mailTo, from afterHours.voicemail.email).
//
// The step runs before the CRM's own work (a CRM that is down does not hold the office's
// mail back) and inside the recording clean-up (withRecordingCleanup wraps this adapter), so
// Asterisk's copy is never deleted before the mail has gone; a sent mail counts as stored.
import type { Logger } from 'pino';
import { eventLanguage, recordedVoicemail, voicemailMailText } from '../policy/voicemailMailText';
import { retry } from '../shared/backoff';
import { crmRetryOptions, once, type CrmAdapter, type CrmRetrySettings, type RecordingFetcher } from './adapter';
import type { Mp3Encoder } from './mp3Encoder';
import type { MailAttachment, MailSender } from './smtpMailer';

/** The journal step of the voicemail e-mail; its value is `sent` once the SMTP server took the message. */
export const VOICEMAIL_MAILED_STEP = 'voicemail-mail';
export const VOICEMAIL_MAILED = 'sent';

export interface VoicemailMailOptions extends CrmRetrySettings {
  sender: MailSender;
  fetchRecording: RecordingFetcher;
  /** Adds an MP3 copy when it can; absent: WAV only. */
  encodeMp3?: Mp3Encoder;
  logger?: Logger;
}

const CONTENT_TYPES: Record<string, string> = { wav: 'audio/wav', gsm: 'audio/x-gsm', mp3: 'audio/mpeg' };

export function withVoicemailMail(inner: CrmAdapter, o: VoicemailMailOptions): CrmAdapter {
  return {
    name: inner.name,
    lookupCaller: (phone, signal) => inner.lookupCaller(phone, signal),
    async apply(event, actions, context) {
      const voicemail = recordedVoicemail(event);
      if (voicemail?.mailTo?.length) {
        const recipients = voicemail.mailTo;
        await once(context.journal, VOICEMAIL_MAILED_STEP, async () => {
          const log = o.logger?.child({ eventId: event.id, recording: voicemail.recording.name });
          return retry(
            async () => {
              const file = await o.fetchRecording(voicemail.recording, context.signal);
              if (file === null) {
                log?.warn('voicemail e-mail not sent: the recording is no longer on Asterisk');
                return 'recording gone';
              }
              const base = `voicemail-${event.time.slice(0, 19).replace(/[:T]/g, '-')}`;
              const ext = voicemail.recording.format;
              const attachments: MailAttachment[] = [
                { filename: `${base}.${ext}`, content: file.content, contentType: CONTENT_TYPES[ext] ?? 'application/octet-stream' },
              ];
              const mp3 = ext === 'wav' && o.encodeMp3 ? await o.encodeMp3(file.content, context.signal) : null;
              if (mp3) attachments.push({ filename: `${base}.mp3`, content: mp3, contentType: CONTENT_TYPES.mp3 as string });
              const { subject, text } = voicemailMailText(
                event,
                voicemail,
                attachments.map((a) => a.filename),
              );
              await o.sender.send(
                {
                  to: recipients,
                  subject,
                  text,
                  messageId: `<${event.id}@after-hours>`,
                  date: new Date(event.time),
                  attachments,
                },
                context.signal,
              );
              log?.info({ to: recipients.length, language: eventLanguage(event), mp3: mp3 !== null }, 'voicemail e-mailed');
              return VOICEMAIL_MAILED;
            },
            crmRetryOptions(o, context.signal, 'voicemail e-mail', { eventId: event.id }),
          );
        });
      }
      await inner.apply(event, actions, context);
    },
    async close() {
      o.sender.close();
      o.fetchRecording.close?.();
      await inner.close?.();
    },
  };
}
