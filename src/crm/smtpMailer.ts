// Sends mail over SMTP with nodemailer; the CRM worker's voicemail step uses it. The thin
// adapter: settings in, a send function out, nodemailer's errors sorted into the worker's
// transient (retried, then dead-lettered) and permanent (dead-lettered at once) errors.
import { readFileSync } from 'node:fs';
import nodemailer from 'nodemailer';
import { PermanentCrmError, TransientCrmError } from './adapter';
import type { SmtpSettings } from '../settings/smtp';

export interface MailAttachment {
  filename: string;
  content: Buffer;
  contentType: string;
}

export interface OutgoingMail {
  to: string[];
  subject: string;
  text: string;
  /** Stable per event (`<event id@after-hours>`), so a duplicate is recognisable as one. */
  messageId: string;
  date: Date;
  attachments: MailAttachment[];
}

export interface MailSender {
  send(mail: OutgoingMail, signal: AbortSignal): Promise<void>;
  close(): void;
}

/** Errors of the connection rather than of the message: another try may well succeed. */
/** node's codes for a server certificate that does not verify (UNABLE_TO_VERIFY_LEAF_SIGNATURE, ERR_TLS_CERT_ALTNAME_INVALID…). */
const TLS_CERTIFICATE = /CERT|^UNABLE_TO_|^ERR_TLS_|SELF_SIGNED/;
const TRANSIENT_CODES = new Set(['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'EDNS', 'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'EPROTOCOL']);

export function createSmtpSender(settings: SmtpSettings): MailSender {
  const transport = nodemailer.createTransport({
    host: settings.host,
    port: settings.port,
    secure: settings.security === 'tls',
    requireTLS: settings.security === 'starttls',
    ignoreTLS: settings.security === 'none',
    ...(settings.user ? { auth: { user: settings.user, pass: settings.password ?? '' } } : {}),
    ...(settings.caFile ? { tls: { ca: readFileSync(settings.caFile) } } : {}),
    connectionTimeout: 15_000,
    greetingTimeout: 15_000,
    socketTimeout: 60_000,
  });
  const where = `smtp ${settings.host}:${settings.port}`;
  return {
    async send(mail, signal) {
      signal.throwIfAborted();
      try {
        await transport.sendMail({
          from: settings.from,
          to: mail.to,
          subject: mail.subject,
          text: mail.text,
          messageId: mail.messageId,
          date: mail.date,
          attachments: mail.attachments,
          // Only what the worker hands over: no file or URL content by path.
          disableFileAccess: true,
          disableUrlAccess: true,
        });
      } catch (err) {
        throw smtpError(err, where);
      }
    },
    close: () => transport.close(),
  };
}

/**
 * An SMTP reply 4xx (greylisting, a full mailbox for now, a busy server) or a connection
 * failure is worth another try; 5xx (a refused recipient, a refused message) and refused
 * credentials are not.
 */
export function smtpError(err: unknown, where: string): TransientCrmError | PermanentCrmError {
  const e = err as { code?: string; originalCode?: string; responseCode?: number; response?: string; message?: string };
  const detail = e.response ?? e.message ?? String(err);
  const message = `${where}: ${detail}${e.code ? ` (${e.originalCode ? `${e.code} ${e.originalCode}` : e.code})` : ''}`;
  if (typeof e.responseCode === 'number' && e.responseCode >= 400 && e.responseCode < 500)
    return new TransientCrmError(message, undefined, { cause: err });
  if (typeof e.responseCode === 'number' && e.responseCode >= 500)
    return new PermanentCrmError(message, { cause: err, auth: e.code === 'EAUTH' });
  if (e.code === 'EAUTH' || e.code === 'ENOAUTH') return new PermanentCrmError(message, { cause: err, auth: true });
  // A certificate that does not verify arrives as a socket error: it will not verify on the next try either.
  if (e.originalCode !== undefined && TLS_CERTIFICATE.test(e.originalCode)) return new PermanentCrmError(message, { cause: err });
  if (e.code !== undefined && TRANSIENT_CODES.has(e.code)) return new TransientCrmError(message, undefined, { cause: err });
  // TLS refused (a certificate that does not verify, no STARTTLS offered), a bad setting: an operator must act.
  return new PermanentCrmError(message, { cause: err });
}
