import { mkdtempSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { startHttpServer } from '../../../src/shared/httpServer';
import { parseSoundsBaseUrl, SoundCatalogue } from '../../../src/sounds/soundCatalogue';
import { repoRoot } from '../../support/stackEnv';

const greeting = join(repoRoot, 'test', 'fixtures', 'sounds', 'short-greeting.wav');

describe('SoundCatalogue', () => {
  it('without a base URL gives the absolute path, as before', () => {
    expect(new SoundCatalogue().uriFor(greeting)).toBe(`sound:${greeting.slice(0, -4)}`);
  });

  it('with one, a content-hash URL ending in the file extension; a changed file gets a new URL', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ah-sounds-'));
    const f = join(dir, 'g.wav');
    copyFileSync(greeting, f);
    const c = new SoundCatalogue('http://10.0.0.5:9464/sounds/');
    const first = c.uriFor(f);
    expect(first).toMatch(/^sound:http:\/\/10\.0\.0\.5:9464\/sounds\/[0-9a-f]{32}\.wav$/);
    expect(c.uriFor(f)).toBe(first);
    writeFileSync(f, Buffer.concat([Buffer.from('RIFF'), Buffer.alloc(40, 1)]));
    const second = c.uriFor(f);
    expect(second).not.toBe(first);
    // the old name is no longer served; the new one is, with the new bytes
    expect(c.read(first.split('/').pop()!)).toBeUndefined();
    expect(c.read(second.split('/').pop()!)?.content.length).toBe(44);
  });

  it('serves only registered names, never a path', () => {
    const c = new SoundCatalogue('http://h/sounds');
    c.register(greeting);
    expect(c.read('../../etc/passwd')).toBeUndefined();
    expect(c.read('0'.repeat(32) + '.wav')).toBeUndefined();
    expect(c.read(greeting)).toBeUndefined();
  });

  it('SOUNDS_BASE_URL is refused with the reason', () => {
    expect(parseSoundsBaseUrl('http://10.0.0.5:9464/sounds/')).toBe('http://10.0.0.5:9464/sounds');
    expect(parseSoundsBaseUrl('ftp://x/')).toEqual({ error: expect.stringMatching(/http/) });
    expect(parseSoundsBaseUrl('not a url')).toEqual({ error: expect.stringMatching(/not a URL/) });
    expect(parseSoundsBaseUrl('http://u:p@x/s')).toEqual({ error: expect.stringMatching(/credentials/) });
  });
});

describe('the sounds endpoint', () => {
  it('GET and HEAD a registered sound as audio/wav with its length; anything else 404', async () => {
    const c = new SoundCatalogue('http://127.0.0.1/sounds');
    const name = c.uriFor(greeting).split('/').pop()!;
    const server = await startHttpServer({
      port: 0,
      host: '127.0.0.1',
      registry: new Registry(),
      health: () => ({ ready: true }),
      files: { prefix: '/sounds/', read: (n) => c.read(n) },
    });
    try {
      const base = `http://127.0.0.1:${server.port}/sounds/`;
      const res = await fetch(base + name);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('audio/wav');
      const body = Buffer.from(await res.arrayBuffer());
      expect(Number(res.headers.get('content-length'))).toBe(body.length);
      expect(body.toString('ascii', 0, 4)).toBe('RIFF');
      const head = await fetch(base + name, { method: 'HEAD' });
      expect(head.status).toBe(200);
      expect(Number(head.headers.get('content-length'))).toBe(body.length);
      for (const bad of ['x.wav', '..%2F..%2Fpackage.json', `${name}/x`, '']) expect((await fetch(base + bad)).status).toBe(404);
      expect((await fetch(`http://127.0.0.1:${server.port}/sounds/../package.json`)).status).toBe(404);
    } finally {
      await server.close();
    }
  });
});
