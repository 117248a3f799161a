// A minimal UDP SIP user agent server for long benchmarks (the office and the forward trunk of
// the soak): it answers every INVITE with 200 (an SDP answer, PCMA), BYE and OPTIONS with 200,
// CANCEL with 200 and 487, and remembers who called whom. sipp's UAS writes a message trace
// per call, which grows without bound over a long run; this one keeps only the counts and the
// From/To users, in memory.
import { randomBytes } from 'node:crypto';
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';

const CRLF = '\r\n';

export interface UasInvite {
  /** Request-URI user part (the dialled number). */
  to: string;
  /** From user part (the caller number Asterisk passed on). */
  from: string;
  at: number;
}

export interface SipUas {
  port: number;
  /** Every first INVITE of a dialog (retransmissions not counted), oldest first. */
  invites: UasInvite[];
  /** Callers (From users) that reached this UAS, with how many times. */
  fromCount: Map<string, number>;
  close(): void;
}

function headerLine(lines: string[], name: string, compact: string): string | undefined {
  const n = name.toLowerCase();
  for (let i = 1; i < lines.length && lines[i] !== ''; i++) {
    const line = lines[i]!;
    const c = line.indexOf(':');
    const h = line.slice(0, c).trim().toLowerCase();
    if (h === n || h === compact) return line;
  }
  return undefined;
}

const userOf = (uri: string): string => /sip:([^@;>]+)@/.exec(uri)?.[1] ?? '';

/** `busy`: every INVITE is answered 486 at once (the office of the open-path benchmark: the cheapest final answer). */
export async function startSipUas(port: number, opts: { busy?: boolean } = {}): Promise<SipUas> {
  const socket: Socket = createSocket({ type: 'udp4', recvBufferSize: 4 << 20, sendBufferSize: 4 << 20 });
  const answered = new Map<string, { answer: Buffer; at: number }>();
  const uas: SipUas = { port, invites: [], fromCount: new Map(), close: () => socket.close() };
  const tag = randomBytes(4).toString('hex');

  const reply = (lines: string[], status: string, rinfo: RemoteInfo, extra: string[] = [], body = ''): Buffer => {
    const out = [`SIP/2.0 ${status}`];
    for (const [name, compact] of [
      ['Via', 'v'],
      ['From', 'f'],
      ['To', 't'],
      ['Call-ID', 'i'],
      ['CSeq', ''],
    ] as const) {
      for (let i = 1; i < lines.length && lines[i] !== ''; i++) {
        const h = lines[i]!.slice(0, lines[i]!.indexOf(':')).trim().toLowerCase();
        if (h !== name.toLowerCase() && h !== compact) continue;
        // our tag on To for every answer inside an INVITE dialog
        out.push(name === 'To' && !/;tag=/.test(lines[i]!) ? `${lines[i]};tag=${tag}` : lines[i]!);
      }
    }
    out.push(...extra, `Content-Length: ${Buffer.byteLength(body)}`, '', body);
    const buf = Buffer.from(out.join(CRLF));
    socket.send(buf, rinfo.port, rinfo.address);
    return buf;
  };

  socket.on('error', () => undefined); // ICMP unreachable from a restarting Asterisk: nothing to do
  socket.on('message', (msg, rinfo) => {
    const lines = msg.toString('latin1').split(CRLF);
    const [method, uri] = (lines[0] ?? '').split(' ');
    if (!method || method === 'SIP/2.0' || method === 'ACK') return;
    const callId = headerLine(lines, 'Call-ID', 'i')?.replace(/^[^:]*:\s*/, '') ?? '';
    if (method === 'INVITE') {
      const again = answered.get(callId);
      if (again) {
        socket.send(again.answer, rinfo.port, rinfo.address);
        return;
      }
      const from = userOf(headerLine(lines, 'From', 'f') ?? '');
      uas.invites.push({ to: userOf(uri ?? ''), from, at: Date.now() });
      uas.fromCount.set(from, (uas.fromCount.get(from) ?? 0) + 1);
      if (opts.busy) {
        answered.set(callId, { answer: reply(lines, '486 Busy Here', rinfo), at: Date.now() });
        return;
      }
      const sdp = [
        'v=0',
        `o=uas ${Date.now()} 1 IN IP4 127.0.0.1`,
        's=-',
        'c=IN IP4 127.0.0.1',
        't=0 0',
        `m=audio ${30000 + (Math.floor(Math.random() * 10000) & ~1)} RTP/AVP 8`,
        'a=rtpmap:8 PCMA/8000',
        'a=sendrecv',
        '',
      ].join(CRLF);
      const answer = reply(
        lines,
        '200 OK',
        rinfo,
        [`Contact: <sip:uas@127.0.0.1:${port}>`, 'Content-Type: application/sdp', 'Allow: INVITE, ACK, CANCEL, BYE, OPTIONS'],
        sdp,
      );
      answered.set(callId, { answer, at: Date.now() });
      return;
    }
    if (method === 'CANCEL') {
      reply(lines, '200 OK', rinfo);
      return;
    }
    reply(lines, '200 OK', rinfo); // BYE, OPTIONS and anything else
    if (method === 'BYE') answered.delete(callId);
  });
  // Dialogs whose BYE never came (a restarted Asterisk) are forgotten after a minute.
  const sweeper = setInterval(() => {
    const old = Date.now() - 60_000;
    for (const [id, a] of answered) if (a.at < old) answered.delete(id);
  }, 10_000);
  sweeper.unref();
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, '127.0.0.1', () => resolve());
  });
  const close = uas.close;
  uas.close = () => {
    clearInterval(sweeper);
    close();
  };
  return uas;
}
