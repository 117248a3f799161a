// Runs sipp against the test stack and says what happened, so tests read as sentences:
//
//   const r = await call({ to: '+48221234567', expect: 486 });
//   expect(r.finalCode).toBe(486);
//   expect(r.sent200).toBe(false);
//
//   const office = await startUas({ behaviour: 'answer', port: officePort });
//   await call({ to: did, expect: 200, talkMs: 1000 });
//   expect((await office.stop()).invites[0].user).toBe(did);
//
// Scenarios live in test/sipp/. The results come from sipp's message trace
// (-trace_msg), not from sipp's screen.
import { spawn, ChildProcess } from 'child_process';
import * as dgram from 'dgram';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { host, sipPort, sippDir, trunkPort } from './stackEnv';

export interface SipMessage {
  direction: 'sent' | 'received';
  /** time stamp from the trace, ms since the epoch */
  at: number;
  firstLine: string;
  /** the response code, or null for a request */
  code: number | null;
  /** the request method, or the CSeq method of a response */
  method: string;
  requestUri: string | null;
  headers: Record<string, string>;
  raw: string;
}

export interface CallOptions {
  /** the dialled number (Request-URI user part), e.g. '+48221234567' */
  to: string;
  /** the caller's number (From user part); default '48600100200' */
  from?: string;
  /** the final response the caller expects: 200 = answered; anything else = a rejection */
  expect: number;
  /** a rejection must come after 183 Session Progress (early media) */
  earlyMedia?: boolean;
  /** answered calls: how long the caller stays on, sending RTP from a pcap (default 2000 ms) */
  talkMs?: number;
  /** give up after this long (default 20000 ms) */
  timeoutMs?: number;
  /** explicit scenario file (a path, or a name in test/sipp/) instead of the one chosen from expect */
  scenario?: string;
  /** more sipp arguments */
  extraArgs?: string[];
}

export interface CallResult {
  /** the final response to the INVITE (>= 200), or null when none came */
  finalCode: number | null;
  /** a 200 OK to the INVITE reached the caller (the call was answered: billed) */
  sent200: boolean;
  /** every response code to the INVITE the caller received, in order (100, 180, 183, 486, ...) */
  codes: number[];
  /** INVITE sent -> final response, ms (from the trace's time stamps); null without one */
  setupMs: number | null;
  /** wall time of the whole sipp run, ms */
  durationMs: number;
  /** sipp's exit code: 0 = the scenario ran as expected; 1 = the call failed; others: sipp failed */
  exitCode: number;
  /** all SIP messages the caller sent and received */
  messages: SipMessage[];
  /** sipp's error log (unexpected messages, time-outs), for failure messages */
  errors: string;
  /** where the trace files are: kept only when the call failed (or AH_KEEP_SIPP_TRACES=1) */
  dir: string;
}

const keepTraces = process.env.AH_KEEP_SIPP_TRACES === '1';
function removeDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

const cleanup = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of cleanup) child.kill('SIGKILL');
});

/** A free UDP port on 127.0.0.1 (the OS picks it). */
export async function freeUdpPort(): Promise<number> {
  const s = await bindUdp(0);
  const { port } = s.address();
  await closeUdp(s);
  return port;
}

/**
 * A media port for sipp's -mp: sipp binds audio RTP there and video RTP two above it, so the
 * port and the three above it must all be free (a busy machine once had the video port taken).
 */
export async function freeMediaPort(): Promise<number> {
  for (let attempt = 0; ; attempt++) {
    const first = await bindUdp(0);
    const port = first.address().port;
    const held = [first];
    try {
      if (port + 3 > 65535) continue;
      for (let p = port + 1; p <= port + 3; p++) held.push(await bindUdp(p));
      return port;
    } catch (err) {
      if (attempt >= 50) throw err;
    } finally {
      await Promise.all(held.map(closeUdp));
    }
  }
}

function bindUdp(port: number): Promise<dgram.Socket> {
  const s = dgram.createSocket('udp4');
  return new Promise<dgram.Socket>((resolve, reject) => {
    // A bind that failed leaves the socket open: close it before saying so.
    s.once('error', (err) => s.close(() => reject(err)));
    s.bind(port, host, () => resolve(s));
  });
}

function closeUdp(s: dgram.Socket): Promise<void> {
  return new Promise<void>((resolve) => s.close(() => resolve()));
}

/**
 * true when a socket holds the UDP port on 127.0.0.1 or on every address, read from the kernel's
 * socket tables. Reading, not binding: a probe that binds the port holds it for a moment, and a
 * sipp starting in that moment fails with "Unable to bind main socket" (a CI run on Node 24 did).
 */
export function udpPortTaken(port: number): boolean {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  const held = new Set([`0100007F:${hexPort}`, `00000000:${hexPort}`]);
  const held6 = new Set([`00000000000000000000000000000000:${hexPort}`, `0000000000000000FFFF00000100007F:${hexPort}`]);
  const local = (table: string): string[] =>
    readIfExists(table)
      .split('\n')
      .slice(1)
      .map((line) => line.trim().split(/\s+/)[1] ?? '');
  return local('/proc/net/udp').some((a) => held.has(a)) || local('/proc/net/udp6').some((a) => held6.has(a.toUpperCase()));
}

function scenarioPath(name: string): string {
  return path.isAbsolute(name) ? name : path.join(sippDir, name.endsWith('.xml') ? name : `${name}.xml`);
}

/** Parses a sipp -trace_msg file. */
export function parseTrace(text: string): SipMessage[] {
  const out: SipMessage[] = [];
  // sipp 3.6 stamps "2026-11-29 07:45:06.884092"; sipp 3.8 (Debian sid) "2026-11-29T07:45:06.884092Z"
  const blocks = text.split(/^-{20,} (\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d\.\d+)Z?\s*$/m);
  // blocks: [before, stamp1, body1, stamp2, body2, ...]
  for (let i = 1; i + 1 < blocks.length; i += 2) {
    const stamp = blocks[i];
    const body = blocks[i + 1];
    const m = /^\s*\w+ message (sent|received)[^\n]*\n\n?([\s\S]*)$/.exec(body);
    if (!m) continue;
    const raw = m[2].replace(/\r/g, '').trim();
    if (!raw) continue;
    const lines = raw.split('\n');
    const firstLine = lines[0].trim();
    const headers: Record<string, string> = {};
    for (const line of lines.slice(1)) {
      if (line.trim() === '') break;
      const idx = line.indexOf(':');
      if (idx > 0) {
        const key = line.slice(0, idx).trim().toLowerCase();
        if (!(key in headers)) headers[key] = line.slice(idx + 1).trim();
      }
    }
    const status = /^SIP\/2\.0 (\d{3})/.exec(firstLine);
    const request = /^([A-Z]+) (\S+) SIP\/2\.0/.exec(firstLine);
    const cseqMethod = (headers['cseq'] ?? '').split(/\s+/)[1] ?? '';
    const [date, time] = stamp.split(/[ T]/);
    out.push({
      direction: m[1] as 'sent' | 'received',
      at: Date.parse(`${date}T${time.slice(0, 12)}Z`) + Number(`0.${time.slice(12) || '0'}`),
      firstLine,
      code: status ? Number(status[1]) : null,
      method: request ? request[1] : cseqMethod,
      requestUri: request ? request[2] : null,
      headers,
      raw,
    });
  }
  return out;
}

/** The user part of a SIP URI: 'sip:+48221234567@127.0.0.1:5070' -> '+48221234567' ('' without one). */
export function uriUser(uri: string): string {
  const m = /^(?:sips?:)?([^@;>]*)@/.exec(uri.replace(/^<|>$/g, ''));
  return m ? decodeURIComponent(m[1]) : '';
}

function readIfExists(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** sipp's error log and stderr without its chatter (host resolution, pcap details) */
function diagnostics(text: string): string {
  return (
    text
      .split('\n')
      .filter((l) => !/^(Resolving remote host|In pcap |max pkt length|base port|The following events occurred:\s*$)/.test(l.trim()))
      // sipp's own scheduler ran late (a busy machine): said about sipp, not about the call.
      .filter((l) => !/Overload warning: the minor watchdog timer/.test(l))
      .join('\n')
      .trim()
  );
}

function waitExit(child: ChildProcess): Promise<number> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve(child.exitCode);
    if (child.signalCode !== null) return resolve(128);
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : 255)));
  });
}

/** How one sipp run ended: its exit code and what it wrote on stderr. */
interface SippRun {
  exitCode: number;
  stderr: string;
}

async function runSipp(args: string[], cwd: string, killAfterMs: number): Promise<SippRun> {
  const child = spawn('sipp', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  cleanup.add(child);
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const killer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
  const spawnError = new Promise<never>((_, reject) => child.once('error', reject));
  try {
    const exitCode = await Promise.race([waitExit(child), spawnError]);
    return { exitCode, stderr };
  } finally {
    clearTimeout(killer);
    cleanup.delete(child);
  }
}

/**
 * A port found free can be taken before sipp binds it (another worker's sipp, or its port
 * probe, took it meanwhile): sipp then stops at once with "Unable to bind ... errno = 98",
 * before it sent anything. Such a start says nothing about the call and is tried again.
 */
function sippCouldNotBind(run: SippRun, errors: string, trace: string): boolean {
  return run.exitCode !== 0 && trace.trim() === '' && /Unable to bind .*errno = 98/.test(run.stderr + errors);
}

/** sipp's arguments that write its messages to `trace` and its errors to `errorFile`. */
function traceArgs(trace: string, errorFile: string): string[] {
  return ['-trace_msg', '-message_file', trace, '-trace_err', '-error_file', errorFile];
}

/** Places one call from a sipp caller into the stack and reports what happened. */
export async function call(opts: CallOptions): Promise<CallResult> {
  const timeoutMs = opts.timeoutMs ?? 20000;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ah-sipp-call-'));
  const scenario = scenarioPath(
    opts.scenario ?? (opts.expect === 200 ? 'caller-answered' : opts.earlyMedia ? 'caller-early-media-reject' : 'caller-reject'),
  );
  const trace = path.join(dir, 'messages.log');
  const errorFile = path.join(dir, 'errors.log');
  const started = Date.now();
  let run: SippRun;
  for (let attempt = 1; ; attempt++) {
    const [localPort, mediaPort] = [await freeUdpPort(), await freeMediaPort()];
    const args = [
      `${host}:${sipPort}`,
      '-sf',
      scenario,
      '-s',
      opts.to,
      '-key',
      'caller',
      opts.from ?? '48600100200',
      ...(/reject/.test(path.basename(scenario)) ? ['-set', 'expected_status', `SIP/2.0 ${opts.expect}`] : []),
      '-i',
      host,
      '-p',
      String(localPort),
      '-mp',
      String(mediaPort),
      '-m',
      '1',
      '-l',
      '1',
      '-d',
      String(opts.talkMs ?? 2000),
      '-nostdin',
      '-default_behaviors',
      'all,-bye',
      '-timeout',
      `${Math.ceil(timeoutMs / 1000)}s`,
      '-timeout_error',
      ...traceArgs(trace, errorFile),
      ...(opts.extraArgs ?? []),
    ];
    run = await runSipp(args, dir, timeoutMs + 5000);
    if (attempt >= 3 || !sippCouldNotBind(run, readIfExists(errorFile), readIfExists(trace))) break;
    fs.rmSync(errorFile, { force: true });
  }
  const { exitCode, stderr } = run;
  const durationMs = Date.now() - started;

  const messages = parseTrace(readIfExists(trace));
  const invite = messages.find((m) => m.direction === 'sent' && m.method === 'INVITE' && m.code === null);
  const inviteCallId = invite?.headers['call-id'];
  const responses = messages.filter(
    (m) =>
      m.direction === 'received' && m.code !== null && m.method === 'INVITE' && (!inviteCallId || m.headers['call-id'] === inviteCallId),
  );
  const codes = responses.map((m) => m.code as number);
  const final = responses.find((m) => (m.code as number) >= 200);
  const errors = diagnostics(readIfExists(errorFile) + stderr);
  if (exitCode === 0 && !keepTraces) removeDir(dir);
  return {
    finalCode: final ? (final.code as number) : null,
    sent200: codes.includes(200),
    codes,
    setupMs: final && invite ? Math.round((final.at - invite.at) * 1000) / 1000 : null,
    durationMs,
    exitCode,
    messages,
    errors,
    dir,
  };
}

export type UasBehaviour = 'answer' | 'ring' | 'busy';

export interface ReceivedInvite {
  requestUri: string;
  /** the Request-URI user part: the number Asterisk dialled */
  user: string;
  from: string;
  callId: string;
  at: number;
}

export interface UasReport {
  invites: ReceivedInvite[];
  /** methods of every request received (INVITE, ACK, BYE, CANCEL, ...) */
  requests: string[];
  /** codes of every response sent (including 200 to CANCEL or BYE) */
  responses: number[];
  /** codes of the responses sent to INVITEs only */
  inviteResponses: number[];
  /** it sent a 200 OK to an INVITE (the forward was answered) */
  answered: boolean;
  messages: SipMessage[];
  exitCode: number | null;
  errors: string;
}

export interface Uas {
  port: number;
  behaviour: UasBehaviour;
  /** what it has received so far (sipp's trace may lag by a moment) */
  report(): UasReport;
  /** waits until `count` INVITEs have arrived (default 1), or throws after timeoutMs */
  waitForInvites(count?: number, timeoutMs?: number): Promise<ReceivedInvite[]>;
  /** stops sipp and returns everything it received */
  stop(): Promise<UasReport>;
}

const running = new Set<Uas>();

/**
 * Starts a far end in the background: the trunk (default port AH_TRUNK_PORT) for forwards,
 * or the office (pass port: officePort) for normal routing.
 * answer: 100, 180, 200 after answerAfterMs, stays until BYE; ring: 100, 180, never answers;
 * busy: 486.
 */
export async function startUas(opts: {
  behaviour: UasBehaviour;
  port?: number;
  answerAfterMs?: number;
  /** Another scenario file for the behaviour (e.g. scenarioWithMediaPort('uas-answer', port) to hear the call's RTP). */
  scenario?: string;
}): Promise<Uas> {
  const port = opts.port ?? trunkPort;
  if (udpPortTaken(port)) throw new Error(`UDP 127.0.0.1:${port} is taken (another UAS still running?)`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `ah-sipp-uas-${opts.behaviour}-`));
  const trace = path.join(dir, 'messages.log');
  const errorFile = path.join(dir, 'errors.log');
  let child!: ChildProcess;
  let stderr = '';
  let exitCode: number | null = null;
  for (let attempt = 1; ; attempt++) {
    const mediaPort = await freeMediaPort();
    const args = [
      '-sf',
      scenarioPath(opts.scenario ?? `uas-${opts.behaviour}`),
      '-i',
      host,
      '-p',
      String(port),
      '-mp',
      String(mediaPort),
      '-d',
      String(opts.answerAfterMs ?? 0),
      '-nostdin',
      ...traceArgs(trace, errorFile),
    ];
    const started = spawn('sipp', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
    child = started;
    stderr = '';
    exitCode = null;
    cleanup.add(started);
    started.stderr?.on('data', (d: Buffer) => {
      if (child === started) stderr += d.toString();
    });
    started.once('exit', (code) => {
      if (child === started) exitCode = code ?? 128;
    });
    // Ready when sipp has held its port for 100 ms: sipp 3.6 binds the port, then audio and video
    // RTP, and exits at once if one of those is taken (sipp 3.8 binds media only for a call).
    const deadline = Date.now() + 5000;
    let portSeenAt: number | undefined;
    while (exitCode === null) {
      if (udpPortTaken(port)) {
        portSeenAt ??= Date.now();
        if (Date.now() - portSeenAt >= 100) break;
      }
      if (Date.now() > deadline) {
        started.kill('SIGKILL');
        throw new Error(`sipp UAS did not bind 127.0.0.1:${port}`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    if (exitCode === null) break;
    cleanup.delete(started);
    const failed: SippRun = { exitCode, stderr };
    if (attempt >= 3 || !sippCouldNotBind(failed, readIfExists(errorFile), readIfExists(trace)))
      throw new Error(`sipp UAS exited (${failed.exitCode}): ${failed.stderr || readIfExists(errorFile)}`);
    fs.rmSync(errorFile, { force: true });
  }

  const report = (): UasReport => {
    const messages = parseTrace(readIfExists(trace));
    const received = messages.filter((m) => m.direction === 'received' && m.code === null);
    const sent = messages.filter((m) => m.direction === 'sent' && m.code !== null);
    return {
      invites: received
        .filter((m) => m.method === 'INVITE')
        .map((m) => ({
          requestUri: m.requestUri ?? '',
          user: uriUser(m.requestUri ?? ''),
          from: m.headers['from'] ?? '',
          callId: m.headers['call-id'] ?? '',
          at: m.at,
        })),
      requests: received.map((m) => m.method),
      responses: sent.map((m) => m.code as number),
      inviteResponses: sent.filter((m) => m.method === 'INVITE').map((m) => m.code as number),
      answered: sent.some((m) => m.method === 'INVITE' && m.code === 200),
      messages,
      exitCode,
      errors: diagnostics(readIfExists(errorFile) + stderr),
    };
  };

  const uas: Uas = {
    port,
    behaviour: opts.behaviour,
    report,
    async waitForInvites(count = 1, timeoutMs = 10000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const { invites } = report();
        if (invites.length >= count) return invites;
        if (Date.now() > until) throw new Error(`UAS on ${port} got ${invites.length} INVITE(s), wanted ${count}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async stop() {
      running.delete(uas);
      if (exitCode === null) {
        child.kill('SIGINT');
        const t = setTimeout(() => child.kill('SIGKILL'), 3000);
        await waitExit(child);
        clearTimeout(t);
      }
      cleanup.delete(child);
      const final = report();
      if (!keepTraces) removeDir(dir);
      return final;
    },
  };
  running.add(uas);
  return uas;
}

/** Stops every UAS this process started (for afterAll / afterEach). */
export async function stopAllUas(): Promise<void> {
  await Promise.all([...running].map((u) => u.stop()));
}
