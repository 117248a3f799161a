import { Registry } from 'prom-client';
import { daemonListen, metricsListen } from '../../../src/settings/listen';
import { startHttpServer } from '../../../src/shared/httpServer';

// METRICS_HOST/METRICS_PORT and DECISION_HOST/DECISION_PORT: what they accept, what they refuse,
// and that a listener really binds where it is told (IPv6 literals too).

describe('listen settings', () => {
  test('defaults: metrics on every address at 9464, /decision on 127.0.0.1:9466', () => {
    expect(daemonListen({})).toEqual({ metrics: { host: undefined, port: 9464 }, decision: { host: '127.0.0.1', port: 9466 } });
    expect(metricsListen({}, 9465)).toEqual({ host: undefined, port: 9465 });
  });

  test('IPv4, IPv6 with or without brackets, and host names are accepted', () => {
    expect(daemonListen({ METRICS_HOST: '10.0.0.5', DECISION_HOST: '[::1]', DECISION_PORT: '8080' })).toEqual({
      metrics: { host: '10.0.0.5', port: 9464 },
      decision: { host: '::1', port: 8080 },
    });
    expect(metricsListen({ METRICS_HOST: '2001:db8::5', METRICS_PORT: '0' }, 1).host).toBe('2001:db8::5');
    expect(metricsListen({ METRICS_HOST: 'localhost' }, 1).host).toBe('localhost');
  });

  test.each([
    [{ METRICS_HOST: 'http://0.0.0.0' }, /METRICS_HOST "http:\/\/0.0.0.0" is not an IP address or host name/],
    [{ DECISION_HOST: '[10.0.0.1]' }, /DECISION_HOST "\[10.0.0.1\]": \[10.0.0.1\] is not an IPv6 address/],
    [{ METRICS_HOST: '127.0.0.1:9464' }, /METRICS_HOST "127.0.0.1:9464" is not an IP address/],
    [{ METRICS_PORT: '65536' }, /METRICS_PORT must be a port number from 0 to 65535 \(got "65536"\)/],
    [{ DECISION_PORT: '-1' }, /DECISION_PORT must be a port number/],
    [
      { DECISION_PORT: '9464' },
      /DECISION_PORT is METRICS_PORT \(9464\) but DECISION_HOST \(127.0.0.1\) is not METRICS_HOST \(unset: every address\)/,
    ],
  ])('%j is refused with the reason', (env, message) => {
    expect(() => daemonListen(env)).toThrow(message);
  });

  test('the same host and port serve /decision on the metrics listener; two specific hosts may share a port', () => {
    expect(daemonListen({ METRICS_HOST: '127.0.0.1', DECISION_PORT: '9464' }).decision).toEqual({ host: '127.0.0.1', port: 9464 });
    expect(daemonListen({ METRICS_HOST: '10.0.0.5', DECISION_PORT: '9464' }).decision).toEqual({ host: '127.0.0.1', port: 9464 });
  });
});

describe('HTTP listeners', () => {
  const decide = { '/decision': () => ({ status: 200, body: { open: true } }) };

  test('a /decision listener on loopback answers there and only serves its routes', async () => {
    const server = await startHttpServer({ host: '127.0.0.1', port: 0, routes: decide });
    try {
      expect(server.address).toBe(`127.0.0.1:${server.port}`);
      expect(await (await fetch(`http://127.0.0.1:${server.port}/decision?did=1`)).json()).toEqual({ open: true });
      expect((await fetch(`http://127.0.0.1:${server.port}/metrics`)).status).toBe(404);
      expect((await fetch(`http://127.0.0.1:${server.port}/healthz`)).status).toBe(404);
    } finally {
      await server.close();
    }
  });

  test('an IPv6 literal binds that address (skipped where the machine has no IPv6 loopback)', async () => {
    let server;
    try {
      server = await startHttpServer({ host: '::1', port: 0, registry: new Registry(), health: () => ({ ready: true }) });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EADDRNOTAVAIL' || (err as NodeJS.ErrnoException).code === 'EAFNOSUPPORT') {
        console.warn('no IPv6 loopback on this machine: the ::1 listener is not checked');
        return;
      }
      throw err;
    }
    try {
      expect(server.address).toBe(`[::1]:${server.port}`);
      expect((await fetch(`http://[::1]:${server.port}/healthz`)).status).toBe(200);
      await expect(fetch(`http://127.0.0.1:${server.port}/healthz`)).rejects.toThrow();
    } finally {
      await server.close();
    }
  });
});
