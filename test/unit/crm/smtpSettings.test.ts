import { smtpSettings } from '../../../src/settings/smtp';

const FROM = { SMTP_FROM: 'after-hours@example.com' };

describe('SMTP settings from the environment', () => {
  it('none: no mail', () => {
    expect(smtpSettings({})).toBeUndefined();
  });

  it('SMTP_HOST: STARTTLS on 587 by default, tls on 465, none on 25; user and password together', () => {
    expect(smtpSettings({ SMTP_HOST: 'mail.example.com', ...FROM })).toEqual({
      host: 'mail.example.com',
      port: 587,
      security: 'starttls',
      from: 'after-hours@example.com',
    });
    expect(smtpSettings({ SMTP_HOST: 'h', SMTP_SECURITY: 'TLS', SMTP_USER: 'u', SMTP_PASSWORD: 'p', ...FROM })).toMatchObject({
      port: 465,
      security: 'tls',
      user: 'u',
      password: 'p',
    });
    expect(smtpSettings({ SMTP_HOST: 'h', SMTP_SECURITY: 'none', SMTP_PORT: '2525', ...FROM })).toMatchObject({
      port: 2525,
      security: 'none',
    });
  });

  it('SMTP_URL: smtp:// is STARTTLS, smtps:// implicit TLS; credentials percent-decoded; IPv6 in brackets', () => {
    expect(smtpSettings({ SMTP_URL: 'smtp://u%40x:p%3Aw@mail.example.com', ...FROM })).toEqual({
      host: 'mail.example.com',
      port: 587,
      security: 'starttls',
      user: 'u@x',
      password: 'p:w',
      from: 'after-hours@example.com',
    });
    expect(smtpSettings({ SMTP_URL: 'smtps://[::1]', ...FROM })).toMatchObject({ host: '::1', port: 465, security: 'tls' });
    expect(smtpSettings({ SMTP_URL: 'smtp://relay:25', SMTP_SECURITY: 'none', SMTP_FROM: 'Office <vm@example.com>' })).toMatchObject({
      port: 25,
      security: 'none',
      from: 'Office <vm@example.com>',
    });
  });

  it.each([
    [{ SMTP_HOST: 'h' }, /SMTP_FROM is not set/],
    [{ SMTP_HOST: 'h', SMTP_FROM: 'nobody' }, /SMTP_FROM must be an address/],
    [{ SMTP_HOST: 'h', SMTP_FROM: 'a@b\r\nBcc: x@y' }, /SMTP_FROM must be an address/],
    [{ SMTP_URL: 'smtp://h', SMTP_HOST: 'h', ...FROM }, /either SMTP_URL or SMTP_HOST/],
    [{ SMTP_URL: 'http://h', ...FROM }, /smtp:\/\/ or smtps:\/\//],
    [{ SMTP_URL: 'smtp://h/x?y', ...FROM }, /no path, query or fragment/],
    [{ SMTP_URL: 'smtp://u@h', ...FROM }, /user without a password/],
    [{ SMTP_URL: 'smtp://h', SMTP_PASSWORD: 'p', ...FROM }, /SMTP_PASSWORD and SMTP_URL are both set/],
    [{ SMTP_URL: 'smtps://h', SMTP_SECURITY: 'starttls', ...FROM }, /contradicts smtps/],
    [{ SMTP_HOST: 'h', SMTP_SECURITY: 'ssl', ...FROM }, /starttls, tls or none/],
    [{ SMTP_HOST: 'h', SMTP_PORT: '70000', ...FROM }, /1-65535/],
    [{ SMTP_HOST: 'h', SMTP_USER: 'u', ...FROM }, /SMTP_USER and SMTP_PASSWORD go together/],
    [{ SMTP_FROM: 'a@b' }, /SMTP_FROM is set but neither SMTP_URL nor SMTP_HOST/],
  ])('refused with the reason: %j', (env, message) => {
    expect(() => smtpSettings(env)).toThrow(message);
  });
});
