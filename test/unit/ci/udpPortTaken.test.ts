// test/support/sipp.ts' startUas waits until sipp holds its port by asking udpPortTaken. That
// probe once bound the port itself, for a moment, every 20 ms: a sipp binding in that moment
// failed with "Unable to bind main socket" (a CI run on Node 24). The probe now reads the
// kernel's socket tables: it must see a bound port and never hold one.
import { spawn } from 'node:child_process';
import * as dgram from 'node:dgram';
import { freeUdpPort, udpPortTaken } from '../../support/sipp';

function bound(port: number, address: string): Promise<dgram.Socket> {
  const s = dgram.createSocket('udp4');
  return new Promise((resolve, reject) => {
    s.once('error', reject);
    s.bind(port, address, () => resolve(s));
  });
}
const close = (s: dgram.Socket) => new Promise<void>((resolve) => s.close(() => resolve()));

describe('udpPortTaken', () => {
  test('sees a port held on 127.0.0.1 and on every address, and a free one as free', async () => {
    const port = await freeUdpPort();
    expect(udpPortTaken(port)).toBe(false);
    const loopback = await bound(port, '127.0.0.1');
    expect(udpPortTaken(port)).toBe(true);
    expect(udpPortTaken(port + 1 > 65535 ? port - 1 : port + 1)).toBe(false);
    await close(loopback);
    expect(udpPortTaken(port)).toBe(false);
    const any = await bound(port, '0.0.0.0');
    expect(udpPortTaken(port)).toBe(true);
    await close(any);
    expect(udpPortTaken(port)).toBe(false);
  });

  test('never holds the port it looks at: another process binding it meanwhile always succeeds', async () => {
    const port = await freeUdpPort();
    // The other process binds and frees the port 400 times and counts the binds refused.
    const script = `
      const dgram = require('node:dgram');
      (async () => {
        let refused = 0;
        for (let i = 0; i < 400; i++) {
          const s = dgram.createSocket('udp4');
          await new Promise((resolve) => {
            s.once('error', () => { refused++; s.close(resolve); });
            s.bind(${port}, '127.0.0.1', () => s.close(resolve));
          });
        }
        process.stdout.write(String(refused));
      })();`;
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    let exited = false;
    const exit = new Promise<number | null>((resolve) =>
      child.once('exit', (code) => {
        exited = true;
        resolve(code);
      }),
    );
    let probes = 0;
    while (!exited) {
      udpPortTaken(port);
      probes++;
      await new Promise((r) => setImmediate(r));
    }
    expect(await exit).toBe(0);
    expect(probes).toBeGreaterThan(10);
    expect(Number(out)).toBe(0);
  });
});
