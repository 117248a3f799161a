// The caller's media end for tests that must hear what Asterisk plays: a UDP socket whose port
// goes into the caller's SDP (instead of sipp's own media port), counting the RTP packets that
// arrive. With `talk`, it answers every stream with its own RTP (PCMA noise, 20 ms packets) from
// the same socket, so a voicemail has something to record (PJSIP's rtp_symmetric sends to
// whoever sends to it, which stays this socket).
import * as dgram from 'node:dgram';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { packageRoot } from '../../src/shared/paths';

// Not from ./stackEnv: that module reads the stack's ports when first loaded, and a test that
// starts its own stack imports it only after pointing the environment at that stack.
const sippDir = path.join(packageRoot(), 'test', 'sipp');

export interface RtpPacket {
  at: number;
  payloadType: number;
  seq: number;
  payload: Buffer;
}

/** A run of packets with no gap above `gapMs` between them. */
export interface Spurt {
  startAt: number;
  durationMs: number;
  packets: number;
}

export interface RtpPeer {
  port: number;
  packets: RtpPacket[];
  spurts(gapMs?: number): Spurt[];
  close(): Promise<void>;
}

export async function startRtpPeer(opts: { talk?: boolean } = {}): Promise<RtpPeer> {
  const socket = dgram.createSocket('udp4');
  const packets: RtpPacket[] = [];
  let talker: NodeJS.Timeout | undefined;
  let seq = 1;
  let ts = 0;
  const ssrc = Math.floor(Math.random() * 0xffffffff);
  socket.on('message', (m, from) => {
    if (m.length < 12 || m[0]! >> 6 !== 2) return;
    packets.push({ at: Date.now(), payloadType: m[1]! & 0x7f, seq: m.readUInt16BE(2), payload: m.subarray(12) });
    if (opts.talk && !talker) {
      talker = setInterval(() => {
        const p = Buffer.alloc(12 + 160);
        p[0] = 0x80;
        p[1] = 8; // PCMA
        p.writeUInt16BE(seq++ & 0xffff, 2);
        p.writeUInt32BE((ts += 160) >>> 0, 4);
        p.writeUInt32BE(ssrc >>> 0, 8);
        for (let i = 12; i < p.length; i++) p[i] = Math.floor(Math.random() * 256);
        socket.send(p, from.port, from.address);
      }, 20);
    }
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
  return {
    port: socket.address().port,
    packets,
    spurts(gapMs = 200) {
      const out: Spurt[] = [];
      for (const p of packets) {
        const last = out[out.length - 1];
        if (last && p.at - (last.startAt + last.durationMs) <= gapMs) {
          last.durationMs = p.at - last.startAt;
          last.packets += 1;
        } else out.push({ startAt: p.at, durationMs: 0, packets: 1 });
      }
      return out;
    },
    close: () =>
      new Promise<void>((resolve) => {
        if (talker) clearInterval(talker);
        socket.close(() => resolve());
      }),
  };
}

/**
 * A copy of a caller scenario of test/sipp/ whose SDP offers `port` as the caller's media port,
 * without sipp playing audio of its own; returns its path (the name keeps "reject" where the
 * original has it, which sipp.ts reads).
 */
export function scenarioWithMediaPort(name: string, port: number): string {
  const text = fs
    .readFileSync(path.join(sippDir, `${name}.xml`), 'utf8')
    .replace(/m=audio \[media_port\]/g, `m=audio ${port}`)
    .replace(/<nop>\s*<action>\s*<exec play_pcap_audio="[^"]*"\s*\/>\s*<\/action>\s*<\/nop>/g, '');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ah-rtp-scenario-'));
  const file = path.join(dir, `${name}-rtp.xml`);
  fs.writeFileSync(file, text);
  return file;
}

/** Seconds of audio in a PCM WAV file (from its header). */
export function wavSeconds(file: string): number {
  const b = fs.readFileSync(file);
  const byteRate = b.readUInt32LE(28);
  let off = 12;
  while (off + 8 <= b.length) {
    const id = b.toString('ascii', off, off + 4);
    const size = b.readUInt32LE(off + 4);
    if (id === 'data') return size / byteRate;
    off += 8 + size + (size % 2);
  }
  throw new Error(`${file}: no data chunk`);
}

/**
 * A call whose caller's media port is a socket of the test's: rejected after early media
 * (`expect` 486 and the like) or answered (200, the caller talking for `talkMs`). The SIP
 * result and the RTP spurts the caller received. `sipp` is test/support/sipp as the test
 * loaded it (pointed at its stack).
 */
export async function callHearing(
  sipp: typeof import('./sipp'),
  o: { to: string; expect: number; talkMs?: number },
): Promise<{ result: import('./sipp').CallResult; spurts: Spurt[] }> {
  const answered = o.expect === 200;
  const peer = await startRtpPeer({ talk: answered });
  try {
    const result = await sipp.call({
      to: o.to,
      expect: o.expect,
      ...(answered ? { talkMs: o.talkMs ?? 2000, timeoutMs: 30_000 } : { earlyMedia: true, timeoutMs: 20_000 }),
      scenario: scenarioWithMediaPort(answered ? 'caller-answered' : 'caller-early-media-reject', peer.port),
    });
    // A busy machine can stall Asterisk's media for a few hundred ms (a run of four integration
    // workers beside other work split a 5.3 s greeting at 1.8 s with 200): a pause under a second
    // does not end a sound here; nothing else plays within a second after these sounds.
    return { result, spurts: peer.spurts(1000) };
  } finally {
    await peer.close();
  }
}
