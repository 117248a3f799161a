import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ariTls, AriUrlError, isCertificateError, parseAriUrl, resolveAriAccess } from '../../../src/ariHttp/endpoint';

describe('parseAriUrl', () => {
  test.each([
    [
      'http://127.0.0.1:8088',
      {
        secure: false,
        host: '127.0.0.1',
        port: 8088,
        hostHeader: '127.0.0.1:8088',
        prefix: '',
        restUrl: 'http://127.0.0.1:8088/ari',
        eventsUrl: 'ws://127.0.0.1:8088/ari/events',
      },
    ],
    ['http://127.0.0.1:8088/ari/', { secure: false, host: '127.0.0.1', port: 8088, prefix: '', restBase: '/ari' }],
    ['http://pbx.example', { secure: false, host: 'pbx.example', port: 80, hostHeader: 'pbx.example', restUrl: 'http://pbx.example/ari' }],
    [
      'https://pbx.example',
      { secure: true, host: 'pbx.example', port: 443, hostHeader: 'pbx.example', eventsUrl: 'wss://pbx.example/ari/events' },
    ],
    ['https://127.0.0.1:8089', { secure: true, host: '127.0.0.1', port: 8089, eventsUrl: 'wss://127.0.0.1:8089/ari/events' }],
    ['wss://pbx.example:8089', { secure: true, port: 8089, restUrl: 'https://pbx.example:8089/ari' }],
    ['ws://127.0.0.1:8088', { secure: false, port: 8088, restUrl: 'http://127.0.0.1:8088/ari' }],
    [
      'http://[::1]:8088',
      {
        secure: false,
        host: '::1',
        port: 8088,
        hostHeader: '[::1]:8088',
        restUrl: 'http://[::1]:8088/ari',
        eventsUrl: 'ws://[::1]:8088/ari/events',
      },
    ],
    [
      'https://[2001:db8::5]',
      { secure: true, host: '2001:db8::5', port: 443, hostHeader: '[2001:db8::5]', eventsUrl: 'wss://[2001:db8::5]/ari/events' },
    ],
    [
      'https://pbx.example/asterisk',
      {
        prefix: '/asterisk',
        restBase: '/asterisk/ari',
        restUrl: 'https://pbx.example/asterisk/ari',
        eventsUrl: 'wss://pbx.example/asterisk/ari/events',
      },
    ],
    ['https://pbx.example/asterisk/ari', { prefix: '/asterisk', restBase: '/asterisk/ari' }],
    ['https://pbx.example/pbx/one//', { prefix: '/pbx/one', restBase: '/pbx/one/ari' }],
    ['HTTPS://PBX.Example:443/x', { secure: true, host: 'pbx.example', port: 443, hostHeader: 'pbx.example', prefix: '/x' }],
  ])('%s', (url, expected) => {
    expect(parseAriUrl(url)).toMatchObject(expected);
  });

  test.each([
    ['127.0.0.1:8088', /not a URL|must start with/],
    ['ftp://pbx.example', /must start with http/],
    ['http://user:pw@pbx.example', /ARI_USER and ARI_PASSWORD/],
    ['http://pbx.example/?x=1', /query or fragment/],
    ['http://[::1', /not a URL/],
    ['', /not a URL/],
  ])('refuses %s', (url, message) => {
    expect(() => parseAriUrl(url)).toThrow(AriUrlError);
    expect(() => parseAriUrl(url)).toThrow(message);
  });
});

describe('TLS settings', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ah-endpoint-'));
  const pem = join(dir, 'ca.pem');
  writeFileSync(pem, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
  const notPem = join(dir, 'junk.txt');
  writeFileSync(notPem, 'hello');

  test('verification is always on; SNI only for host names', () => {
    expect(ariTls(parseAriUrl('https://127.0.0.1:8089'))).toEqual({ rejectUnauthorized: true });
    expect(ariTls(parseAriUrl('https://[::1]:8089'))).toEqual({ rejectUnauthorized: true });
    expect(ariTls(parseAriUrl('https://pbx.example'))).toEqual({ rejectUnauthorized: true, servername: 'pbx.example' });
  });

  test('the CA file is read once and handed to TLS', () => {
    const t = resolveAriAccess({ url: 'https://pbx.example:8089', user: 'u', password: 'p', caFile: pem });
    expect(t.tls?.ca?.toString()).toContain('BEGIN CERTIFICATE');
    expect(t.auth).toBe(`Basic ${Buffer.from('u:p').toString('base64')}`);
    expect(resolveAriAccess({ url: 'http://127.0.0.1:8088', user: 'u', password: 'p' }).tls).toBeUndefined();
  });

  test('a CA file for a plain-http URL, a missing file or a non-PEM file is refused', () => {
    expect(() => resolveAriAccess({ url: 'http://127.0.0.1:8088', user: 'u', password: 'p', caFile: pem })).toThrow(
      /ARI_CA_FILE is set but ARI_URL is not https/,
    );
    expect(() => resolveAriAccess({ url: 'https://127.0.0.1:8089', user: 'u', password: 'p', caFile: join(dir, 'missing.pem') })).toThrow(
      /ENOENT/,
    );
    expect(() => resolveAriAccess({ url: 'https://127.0.0.1:8089', user: 'u', password: 'p', caFile: notPem })).toThrow(
      /no PEM certificate/,
    );
  });

  test('certificate errors are told apart from network errors', () => {
    expect(isCertificateError(Object.assign(new Error('x'), { code: 'SELF_SIGNED_CERT_IN_CHAIN' }))).toBe(true);
    expect(isCertificateError(Object.assign(new Error('x'), { code: 'ERR_TLS_CERT_ALTNAME_INVALID' }))).toBe(true);
    expect(isCertificateError(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }))).toBe(false);
    expect(isCertificateError(undefined)).toBe(false);
  });
});
