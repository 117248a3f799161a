// A small UDP SIP caller for benchmarks, timed with process.hrtime.bigint().
//
// sipp's own timer has millisecond resolution; this one measures the time from the INVITE
// leaving (the send call) to its final response arriving (the first thing the 'message'
// handler does) in nanoseconds. It speaks just enough SIP for a call that is rejected or
// answered: INVITE with an SDP offer (PCMA, PCMU), 100/180/183 noted, the final response
// ACKed (non-2xx: same branch, RFC 3261 17.1.1.3; 2xx: a new ACK, then BYE), INVITE
// retransmitted on Timer A until a provisional or final answer, and a time-out after which
// the call counts as failed. Final responses that come again (our ACK lost) are ACKed again.
import { randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';

export interface CallResult {
  /** Request-URI user part that was dialled. */
  to: string;
  /** Final status code, or 0 on time-out / send error. */
  status: number;
  /** INVITE sent → final response received, in microseconds (fractional). */
  latencyUs: number;
  /** Provisional codes seen (100, 180, 183). */
  provisional: number[];
  /** INVITEs sent (1 + retransmissions). */
  sends: number;
  error?: string;
}

export interface SipCallerOptions {
  /** Asterisk's PJSIP UDP transport. */
  host: string;
  port: number;
  /** Give up on a call (and count it as failed) after this long. */
  timeoutMs?: number;
  /** Timer T1 of RFC 3261 (INVITE retransmissions: T1, 2·T1, 4·T1 …). */
  t1Ms?: number;
  /** The caller number in From (a valid number, so the daemon can normalise it). */
  callerNumber?: string;
}

interface Pending {
  to: string;
  callId: string;
  branch: string;
  fromTag: string;
  invite: Buffer;
  /** The caller number in From. */
  from: string;
  start: bigint;
  sends: number;
  provisional: number[];
  retransmit?: NodeJS.Timeout;
  nextRetransmitMs: number;
  timeout: NodeJS.Timeout;
  resolve: (r: CallResult) => void;
}

const CRLF = '\r\n';
const rand = (bytes = 6) => randomBytes(bytes).toString('hex');

/** Header value by name (case-insensitive), compact forms included. */
function header(lines: string[], name: string, compact?: string): string | undefined {
  const n = name.toLowerCase();
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === '') break;
    const c = line.indexOf(':');
    if (c < 0) continue;
    const h = line.slice(0, c).trim().toLowerCase();
    if (h === n || (compact !== undefined && h === compact)) return line.slice(c + 1).trim();
  }
  return undefined;
}

export class SipCaller {
  private socket: Socket | undefined;
  private localPort = 0;
  private readonly pending = new Map<string, Pending>();
  /** ACKs of completed calls, for final responses that are retransmitted. */
  private readonly acks = new Map<string, { ack: Buffer; at: number }>();
  private readonly timeoutMs: number;
  private readonly t1Ms: number;
  private readonly callerNumber: string;
  private sweeper: NodeJS.Timeout | undefined;
  /** Responses that matched no call (late, after a time-out). */
  stray = 0;
  /** ICMP port-unreachable reports (nobody listening on Asterisk's port). */
  unreachable = 0;

  constructor(private readonly opts: SipCallerOptions) {
    this.timeoutMs = opts.timeoutMs ?? 8000;
    this.t1Ms = opts.t1Ms ?? 500;
    this.callerNumber = opts.callerNumber ?? '+48601234567';
  }

  async start(): Promise<void> {
    const s = createSocket({ type: 'udp4', recvBufferSize: 8 << 20, sendBufferSize: 8 << 20 });
    this.socket = s;
    s.on('message', (msg) => this.onMessage(msg, process.hrtime.bigint()));
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.bind(0, '127.0.0.1', () => resolve());
    });
    this.localPort = s.address().port;
    // A connected socket reports ICMP port unreachable (Asterisk restarting) as an error: the
    // INVITE is retransmitted on Timer A and the call times out if nobody ever answers.
    s.on('error', () => this.unreachable++);
    // A connected socket sends without a per-datagram address lookup.
    await new Promise<void>((resolve) => s.connect(this.opts.port, this.opts.host, () => resolve()));
    this.sweeper = setInterval(() => {
      const old = Date.now() - 40_000;
      for (const [id, a] of this.acks) if (a.at < old) this.acks.delete(id);
    }, 10_000);
    this.sweeper.unref();
  }

  get inFlight(): number {
    return this.pending.size;
  }

  close(): void {
    if (this.sweeper) clearInterval(this.sweeper);
    for (const p of this.pending.values()) this.finish(p, 0, process.hrtime.bigint(), 'closed');
    this.socket?.close();
    this.socket = undefined;
  }

  /** Places one call to `user` (the Request-URI user part) from `from` (default: the caller's number); resolves at its final response. */
  call(user: string, from: string = this.callerNumber): Promise<CallResult> {
    const s = this.socket;
    if (!s) throw new Error('SipCaller not started');
    const { host, port } = this.opts;
    const lp = this.localPort;
    const callId = `${rand(10)}@127.0.0.1`;
    const branch = `z9hG4bK${rand(8)}`;
    const fromTag = rand(5);
    const sdp = [
      'v=0',
      `o=bench ${Date.now()} 1 IN IP4 127.0.0.1`,
      's=-',
      'c=IN IP4 127.0.0.1',
      't=0 0',
      `m=audio ${20000 + (Math.floor(Math.random() * 10000) & ~1)} RTP/AVP 8 0 101`,
      'a=rtpmap:8 PCMA/8000',
      'a=rtpmap:0 PCMU/8000',
      'a=rtpmap:101 telephone-event/8000',
      'a=fmtp:101 0-16',
      'a=ptime:20',
      'a=sendrecv',
      '',
    ].join(CRLF);
    const invite = Buffer.from(
      [
        `INVITE sip:${user}@${host}:${port} SIP/2.0`,
        `Via: SIP/2.0/UDP 127.0.0.1:${lp};branch=${branch};rport`,
        'Max-Forwards: 70',
        `From: "bench" <sip:${from}@127.0.0.1:${lp}>;tag=${fromTag}`,
        `To: <sip:${user}@${host}:${port}>`,
        `Call-ID: ${callId}`,
        'CSeq: 1 INVITE',
        `Contact: <sip:bench@127.0.0.1:${lp}>`,
        'Allow: INVITE, ACK, CANCEL, BYE, OPTIONS',
        'User-Agent: after-hours-bench',
        'Content-Type: application/sdp',
        `Content-Length: ${Buffer.byteLength(sdp)}`,
        '',
        sdp,
      ].join(CRLF),
    );
    return new Promise<CallResult>((resolve) => {
      const p: Pending = {
        to: user,
        callId,
        branch,
        fromTag,
        invite,
        from,
        start: 0n,
        sends: 1,
        provisional: [],
        nextRetransmitMs: this.t1Ms,
        timeout: setTimeout(() => this.finish(p, 0, process.hrtime.bigint(), 'timeout'), this.timeoutMs),
        resolve,
      };
      this.pending.set(callId, p);
      p.retransmit = setTimeout(() => this.retransmit(p), p.nextRetransmitMs);
      p.start = process.hrtime.bigint();
      s.send(invite, (err) => {
        // Nobody on the port (ECONNREFUSED, reported for the previous datagram): UDP is retransmitted on Timer A.
        if (err && (err as NodeJS.ErrnoException).code !== 'ECONNREFUSED')
          this.finish(p, 0, process.hrtime.bigint(), `send: ${err.message}`);
      });
    });
  }

  private retransmit(p: Pending): void {
    if (!this.pending.has(p.callId) || p.provisional.length > 0) return;
    p.sends++;
    this.socket?.send(p.invite);
    p.nextRetransmitMs *= 2;
    p.retransmit = setTimeout(() => this.retransmit(p), p.nextRetransmitMs);
  }

  private finish(p: Pending, status: number, at: bigint, error?: string): void {
    if (!this.pending.delete(p.callId)) return;
    clearTimeout(p.timeout);
    if (p.retransmit) clearTimeout(p.retransmit);
    p.resolve({
      to: p.to,
      status,
      latencyUs: Number(at - p.start) / 1000,
      provisional: p.provisional,
      sends: p.sends,
      ...(error ? { error } : {}),
    });
  }

  private onMessage(msg: Buffer, at: bigint): void {
    const text = msg.toString('latin1');
    const lines = text.split(CRLF);
    const m = /^SIP\/2\.0 (\d{3})/.exec(lines[0] ?? '');
    const callId = header(lines, 'Call-ID', 'i');
    if (!callId) return;
    if (!m) {
      // A request from Asterisk (a BYE after a 2xx we hung up, an OPTIONS): answer 200.
      this.answerRequest(lines);
      return;
    }
    const status = Number(m[1]);
    const cseq = header(lines, 'CSeq') ?? '';
    if (!/INVITE/i.test(cseq)) return; // 200 to our BYE
    const p = this.pending.get(callId);
    if (!p) {
      const done = this.acks.get(callId);
      if (done && status >= 200) this.socket?.send(done.ack);
      else this.stray++;
      return;
    }
    if (status < 200) {
      p.provisional.push(status);
      return;
    }
    const to = header(lines, 'To', 't') ?? '';
    const ack = this.ackFor(p, status, to, lines);
    this.acks.set(callId, { ack, at: Date.now() });
    this.finish(p, status, at);
    this.socket?.send(ack);
    if (status < 300) {
      // Answered (not expected of a reject): hang up at once.
      this.socket?.send(this.byeFor(p, to, lines));
    }
  }

  private ackFor(p: Pending, status: number, to: string, lines: string[]): Buffer {
    const { host, port } = this.opts;
    const lp = this.localPort;
    const target =
      status < 300
        ? (/<([^>]+)>/.exec(header(lines, 'Contact', 'm') ?? '')?.[1] ?? `sip:${p.to}@${host}:${port}`)
        : `sip:${p.to}@${host}:${port}`;
    const branch = status < 300 ? `z9hG4bK${rand(8)}` : p.branch;
    return Buffer.from(
      [
        `ACK ${target} SIP/2.0`,
        `Via: SIP/2.0/UDP 127.0.0.1:${lp};branch=${branch};rport`,
        'Max-Forwards: 70',
        `From: "bench" <sip:${p.from}@127.0.0.1:${lp}>;tag=${p.fromTag}`,
        `To: ${to}`,
        `Call-ID: ${p.callId}`,
        'CSeq: 1 ACK',
        'Content-Length: 0',
        '',
        '',
      ].join(CRLF),
    );
  }

  private byeFor(p: Pending, to: string, lines: string[]): Buffer {
    const lp = this.localPort;
    const target = /<([^>]+)>/.exec(header(lines, 'Contact', 'm') ?? '')?.[1] ?? `sip:${p.to}@${this.opts.host}:${this.opts.port}`;
    return Buffer.from(
      [
        `BYE ${target} SIP/2.0`,
        `Via: SIP/2.0/UDP 127.0.0.1:${lp};branch=z9hG4bK${rand(8)};rport`,
        'Max-Forwards: 70',
        `From: "bench" <sip:${p.from}@127.0.0.1:${lp}>;tag=${p.fromTag}`,
        `To: ${to}`,
        `Call-ID: ${p.callId}`,
        'CSeq: 2 BYE',
        'Content-Length: 0',
        '',
        '',
      ].join(CRLF),
    );
  }

  private answerRequest(lines: string[]): void {
    const method = (lines[0] ?? '').split(' ')[0];
    if (!method || method === 'ACK') return;
    const keep = ['Via', 'From', 'To', 'Call-ID', 'CSeq'];
    const out = ['SIP/2.0 200 OK'];
    for (let i = 1; i < lines.length && lines[i] !== ''; i++) {
      const name = lines[i]!.slice(0, lines[i]!.indexOf(':')).trim();
      if (keep.some((k) => k.toLowerCase() === name.toLowerCase())) out.push(lines[i]!);
    }
    out.push('Content-Length: 0', '', '');
    this.socket?.send(Buffer.from(out.join(CRLF)));
  }
}
