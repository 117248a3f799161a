// Sounds in the console against a real Redis and ffmpeg: upload (raw body), list, play back,
// replace, remove; every refusal changes nothing and writes no audit entry. The upload limit is
// the server's option (1 MiB here), so the 413 needs no 256 MiB body.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listAudit } from '../../../src/store/auditLog';
import { listSounds } from '../../../src/store/soundStore';
import { makeSilence, makeTone } from '../../support/audioFixtures';
import { startRedisServer } from '../../support/redisServer';
import { CONFIG_YAML, useConsoleHarness, type Harness } from './harness';

jest.setTimeout(60_000);

const LIMIT = 1024 * 1024;
const harness = useConsoleHarness(startRedisServer, { soundUploadBytes: LIMIT });
let h: Harness;
beforeEach(() => {
  h = harness();
});

let dir: string;
let mp3: Buffer;
let wav44: Buffer;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'console-sounds-'));
  mp3 = readFileSync(makeTone(dir, 'greeting.mp3', { seconds: 2, padBefore: 0.5, padAfter: 0.5 }));
  wav44 = readFileSync(makeTone(dir, 'jingle.wav', { seconds: 1.5, rate: 44100, channels: 2, frequency: 660 }));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// The console's temp folder for uploads is this test's own: every upload's file is gone once it is answered.
let uploads: string;
const tmpBefore = process.env.TMPDIR;
beforeAll(() => {
  uploads = mkdtempSync(join(tmpdir(), 'console-uploads-'));
  process.env.TMPDIR = uploads;
});
afterEach(() => expect(readdirSync(uploads)).toEqual([]));
afterAll(() => {
  process.env.TMPDIR = tmpBefore;
  rmSync(uploads, { recursive: true, force: true });
});

interface Sent {
  statusCode: number;
  body: string;
  json(): { error: string; code: string } & Record<string, unknown>;
  /** Bytes of the body the client got to write before the answer or the connection's end. */
  written: number;
}

/**
 * POSTs a raw body: a Buffer, or `chunks` chunks of `chunk` bytes written one after another
 * (chunked) while the server reads them. Stops writing when the answer comes.
 */
function send(
  url: string,
  o: { token?: string; headers?: Record<string, string>; body?: Buffer; chunks?: number; chunk?: number },
): Promise<Sent> {
  const { port } = new URL(h.url);
  const headers: Record<string, string> = { 'content-type': 'audio/mpeg', ...(o.headers ?? {}) };
  if (o.token !== undefined) headers.authorization = `Bearer ${o.token}`;
  return new Promise((resolve, reject) => {
    let written = 0;
    let answered = false;
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: url, headers }, (res) => {
      answered = true;
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => {
        const text = Buffer.concat(parts).toString('utf8');
        resolve({ statusCode: res.statusCode ?? 0, body: text, json: () => JSON.parse(text), written });
        req.destroy();
      });
    });
    req.on('error', (err) => {
      if (!answered) reject(err);
    });
    if (o.body !== undefined) {
      written = o.body.length;
      req.end(o.body);
      return;
    }
    const piece = Buffer.alloc(o.chunk ?? 64 * 1024, 7);
    const next = (left: number) => {
      while (left > 0 && !answered && !req.destroyed) {
        left--;
        written += piece.length;
        if (!req.write(piece)) return void req.once('drain', () => next(left));
      }
      if (left === 0 && !answered) req.end();
    };
    next(o.chunks ?? 1);
  });
}

const auditNow = async () => (await listAudit(h.redis, h.prefix)).entries;
const storedNow = () => listSounds(h.redis, h.prefix);

/** A WAV header's channels and rate. */
function wavFormat(wav: Buffer) {
  expect(wav.subarray(0, 4).toString('latin1')).toBe('RIFF');
  expect(wav.subarray(8, 12).toString('latin1')).toBe('WAVE');
  return { channels: wav.readUInt16LE(22), rate: wav.readUInt32LE(24), bits: wav.readUInt16LE(34) };
}

function getWav(url: string, token: string): Promise<{ statusCode: number; type: string; body: Buffer }> {
  const { port } = new URL(h.url);
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path: url, headers: { authorization: `Bearer ${token}` } }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () =>
        resolve({ statusCode: res.statusCode ?? 0, type: String(res.headers['content-type']), body: Buffer.concat(parts) }),
      );
    })
      .on('error', reject)
      .end();
  });
}

describe('upload, list, play back, replace, remove', () => {
  it('an MP3 and a 44.1 kHz stereo WAV are stored as 8 kHz mono WAV, listed, played back, replaced and removed, each on the audit trail', async () => {
    const admin = await h.token('ada', 'admin');
    const viewer = await h.token('vera', 'viewer');

    const first = await send('/api/sounds/greeting?file=studio%20take.mp3', { token: admin, body: mp3 });
    expect(first.statusCode).toBe(201);
    expect(first.json()).toEqual(expect.objectContaining({ name: 'greeting', source: 'studio take.mp3', sourceBytes: mp3.length }));
    const second = await send('/api/sounds/jingle', { token: admin, body: wav44, headers: { 'content-type': 'application/octet-stream' } });
    expect(second.statusCode).toBe(201);

    const list = await h.call({ method: 'GET', url: '/api/sounds', token: viewer });
    expect(list.statusCode).toBe(200);
    const sounds = list.json() as Array<{ name: string; durationMs: number; bytes: number; addedAt: string; source: string }>;
    expect(sounds.map((s) => [s.name, s.source])).toEqual([
      ['greeting', 'studio take.mp3'],
      ['jingle', 'jingle'],
    ]);
    // The MP3's half seconds of silence are trimmed: about 2 s of tone is left.
    expect(sounds[0]!.durationMs).toBeGreaterThan(1800);
    expect(sounds[0]!.durationMs).toBeLessThan(2300);
    expect(sounds[1]!.durationMs).toBeGreaterThan(1300);
    expect(sounds[1]!.addedAt).toBe(new Date(h.clock.now).toISOString());

    for (const s of sounds) {
      const played = await getWav(`/api/sounds/${s.name}.wav`, viewer);
      expect(played.statusCode).toBe(200);
      expect(played.type).toBe('audio/wav');
      expect(played.body.length).toBe(s.bytes);
      expect(wavFormat(played.body)).toEqual({ channels: 1, rate: 8000, bits: 16 });
      // 8000 samples of 2 bytes a second, after a 44-byte header.
      expect(Math.abs((played.body.length - 44) / 16 - s.durationMs)).toBeLessThan(20);
    }
    expect((await getWav('/api/sounds/nothing.wav', viewer)).statusCode).toBe(404);

    const replaced = await send('/api/sounds/greeting?replace=1', { token: admin, body: wav44, headers: { 'content-type': 'audio/wav' } });
    expect(replaced.statusCode).toBe(200);
    expect((await storedNow()).find((s) => s.name === 'greeting')).toEqual(
      expect.objectContaining({ source: 'greeting', durationMs: sounds[1]!.durationMs }),
    );

    const removed = await h.call({ method: 'DELETE', url: '/api/sounds/jingle', token: admin });
    expect(removed.statusCode).toBe(204);
    expect((await storedNow()).map((s) => s.name)).toEqual(['greeting']);
    expect((await getWav('/api/sounds/jingle.wav', viewer)).statusCode).toBe(404);

    const audit = (await auditNow()).reverse();
    expect(audit.map((e) => [e.action, e.target, e.actor, e.door, e.from])).toEqual([
      ['sound.add', 'greeting', 'ada', 'api', '127.0.0.1'],
      ['sound.add', 'jingle', 'ada', 'api', '127.0.0.1'],
      ['sound.add', 'greeting', 'ada', 'api', '127.0.0.1'],
      ['sound.remove', 'jingle', 'ada', 'api', '127.0.0.1'],
    ]);
    expect(audit[0]!.before).toBeNull();
    expect(audit[2]!.before).toEqual(expect.objectContaining({ name: 'greeting', source: 'studio take.mp3' }));
    expect(audit[2]!.after).toEqual(expect.objectContaining({ name: 'greeting', source: 'greeting' }));
    expect(audit[3]!.before).toEqual(expect.objectContaining({ name: 'jingle' }));
    expect(audit[3]!.after).toBeNull();
  });

  it('from the page: a session cookie with the CSRF header uploads (door page); without the header it is refused (403)', async () => {
    await h.token('ada', 'admin');
    const adminToken = await h.token('adam', 'admin');
    const login = await h.call({ method: 'POST', url: '/api/session', payload: { token: adminToken } });
    const cookie = String(login.headers['set-cookie']).split(';')[0]!;
    const { csrf } = login.json() as { csrf: string };
    const refused = await send('/api/sounds/greeting', { headers: { cookie }, body: mp3 });
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error).toBe("a change from the page needs the session's x-csrf-token header");
    expect(await storedNow()).toEqual([]);
    expect(await auditNow()).toEqual([]);
    const ok = await send('/api/sounds/greeting', { headers: { cookie, 'x-csrf-token': csrf }, body: mp3 });
    expect(ok.statusCode).toBe(201);
    expect((await auditNow()).map((e) => [e.action, e.actor, e.door])).toEqual([['sound.add', 'adam', 'page']]);
    const noCsrfDelete = await h.call({ method: 'DELETE', url: '/api/sounds/greeting', headers: { cookie } });
    expect(noCsrfDelete.statusCode).toBe(403);
    expect((await storedNow()).map((s) => s.name)).toEqual(['greeting']);
  });
});

describe('refusals: nothing stored, nothing audited', () => {
  const nothingChanged = async (names: string[] = []) => {
    expect((await storedNow()).map((s) => s.name)).toEqual(names);
    expect((await auditNow()).filter((e) => e.action.startsWith('sound.'))).toHaveLength(names.length);
  };

  it('401 without a token, 403 for a viewer or an operator (upload and remove)', async () => {
    const viewer = await h.token('vera', 'viewer');
    const op = await h.token('olga', 'operator');
    const none = await send('/api/sounds/greeting', { body: mp3 });
    expect(none.statusCode).toBe(401);
    expect(none.json().code).toBe('AH_ERR_CONSOLE_UNAUTHENTICATED');
    expect((await h.call({ method: 'GET', url: '/api/sounds' })).statusCode).toBe(401);
    for (const token of [viewer, op]) {
      const res = await send('/api/sounds/greeting', { token, body: mp3 });
      expect(res.statusCode).toBe(403);
      expect(res.json().error).toMatch(/^this needs the admin role; (vera|olga) is (viewer|operator)$/);
    }
    await nothingChanged();
    const admin = await h.token('ada', 'admin');
    expect((await send('/api/sounds/greeting', { token: admin, body: mp3 })).statusCode).toBe(201);
    expect((await h.call({ method: 'DELETE', url: '/api/sounds/greeting', token: op })).statusCode).toBe(403);
    await nothingChanged(['greeting']);
  });

  it('400 for a file that is not audio, only silence, empty, a bad name or a JSON body; each says why', async () => {
    const admin = await h.token('ada', 'admin');
    const text = await send('/api/sounds/greeting?file=notes.mp3', {
      token: admin,
      body: Buffer.from('these are not the droids\n'.repeat(200)),
    });
    expect(text.statusCode).toBe(400);
    expect(text.json()).toEqual({
      code: 'AH_ERR_CONSOLE_BAD_REQUEST',
      error: expect.stringMatching(/^notes\.mp3: refused: .+; nothing stored$/),
    });
    expect(text.body).not.toContain('after-hours-upload'); // the temp file's path is not in the answer
    const silence = await send('/api/sounds/greeting', {
      token: admin,
      body: readFileSync(makeSilence(dir, 'quiet.wav', 1)),
      headers: { 'content-type': 'audio/wav' },
    });
    expect(silence.statusCode).toBe(400);
    expect(silence.json().error).toMatch(/silence/);
    const empty = await send('/api/sounds/greeting', { token: admin, body: Buffer.alloc(0) });
    expect(empty.statusCode).toBe(400);
    const badName = await send('/api/sounds/Greeting%20Eve', { token: admin, body: mp3 });
    expect(badName.statusCode).toBe(400);
    expect(badName.json().error).toContain('is not a sound name');
    const json = await send('/api/sounds/greeting', {
      token: admin,
      body: Buffer.from('{"a":1}'),
      headers: { 'content-type': 'application/json' },
    });
    expect(json.statusCode).toBe(400);
    expect(json.json().error).toContain('Content-Type audio/* or application/octet-stream');
    await nothingChanged();
  });

  it('409 for a name that is taken without ?replace=1, and for removing a sound the pushed configuration uses', async () => {
    const admin = await h.token('ada', 'admin');
    expect((await send('/api/sounds/greeting', { token: admin, body: mp3 })).statusCode).toBe(201);
    const taken = await send('/api/sounds/greeting', { token: admin, body: wav44 });
    expect(taken.statusCode).toBe(409);
    expect(taken.json().error).toBe('a sound named "greeting" is stored already (send ?replace=1 to replace it); nothing stored');
    const yaml = CONFIG_YAML.replace(
      '    hours: {}\n',
      '    hours: {}\n    afterHours:\n      voicemail: { greeting: "sound:greeting" }\n',
    );
    expect((await h.call({ method: 'POST', url: '/api/config', token: admin, payload: { yaml } })).statusCode).toBe(200);
    const inUse = await h.call({ method: 'DELETE', url: '/api/sounds/greeting', token: admin });
    expect(inUse.statusCode).toBe(409);
    expect(inUse.json().error).toMatch(/^the sound "greeting" is used by the pushed configuration .*afterHours\.voicemail\.greeting/);
    expect((await h.call({ method: 'DELETE', url: '/api/sounds/nothing', token: admin })).statusCode).toBe(404);
    await nothingChanged(['greeting']);
  });

  it('413 for a body over the limit: declared, refused before reading; streamed, the server stops reading', async () => {
    const admin = await h.token('ada', 'admin');
    const declared = await send('/api/sounds/greeting', { token: admin, body: Buffer.alloc(LIMIT + 1, 1) });
    expect(declared.statusCode).toBe(413);
    expect(declared.json()).toEqual({ code: 'AH_ERR_CONSOLE_TOO_LARGE', error: expect.stringContaining(`at most ${LIMIT} bytes`) });
    // 256 MiB offered chunked (no length): the answer comes while most of it is unsent.
    const streamed = await send('/api/sounds/greeting', { token: admin, chunks: 4096, chunk: 64 * 1024 });
    expect(streamed.statusCode).toBe(413);
    expect(streamed.json().code).toBe('AH_ERR_CONSOLE_TOO_LARGE');
    expect(streamed.written).toBeLessThan(64 * 1024 * 1024);
    await nothingChanged();
    // The limit itself is allowed through to the decoder (which refuses these bytes as not audio).
    expect((await send('/api/sounds/greeting', { token: admin, body: Buffer.alloc(LIMIT, 1) })).statusCode).toBe(400);
  });

  it('an upload cut off by the client stores nothing and leaves no file behind', async () => {
    const admin = await h.token('ada', 'admin');
    const { port } = new URL(h.url);
    await new Promise<void>((resolve) => {
      const req = request({
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/api/sounds/greeting',
        headers: { authorization: `Bearer ${admin}`, 'content-type': 'audio/mpeg', 'content-length': String(mp3.length) },
      });
      req.on('error', () => resolve());
      req.write(mp3.subarray(0, 4096), () => setImmediate(() => req.destroy()));
    });
    // The server notices the end of the connection on its own time: wait (bounded) for its temp folder to go.
    for (let i = 0; i < 100 && readdirSync(uploads).length > 0; i++) await new Promise((r) => setTimeout(r, 50));
    await nothingChanged();
  });

  it('the upload is in the OpenAPI document with its media types', async () => {
    const doc = (await h.call({ method: 'GET', url: '/openapi.json' })).json() as {
      paths: Record<string, Record<string, { requestBody?: { content: Record<string, unknown> }; responses: Record<string, unknown> }>>;
    };
    expect(Object.keys(doc.paths['/api/sounds/{name}']!.post!.requestBody!.content)).toEqual(['audio/*', 'application/octet-stream']);
    expect(doc.paths['/api/sounds/{name}']!.post!.responses).toHaveProperty('413');
    expect(doc.paths['/api/sounds/{name}.wav']!.get!.responses['200']).toEqual(
      expect.objectContaining({ content: { 'audio/wav': expect.anything() } }),
    );
  });
});
