import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { extname } from 'node:path';
import { soundUri } from '../config/audioFile';
import type { AppConfig } from '../config/types';

// How a greeting or announcement on the daemon's disk reaches Asterisk. Without a base URL
// Asterisk reads the same absolute path (same host, or a shared disk). With one, the daemon
// serves the file over HTTP under a name made of its content hash, and Asterisk plays
// `sound:<base>/<hash>.<ext>` through res_http_media_cache: a changed file gets a new URL,
// so Asterisk's media cache (keyed by URL) can never play a stale copy. Only files the
// daemon was asked to play (or registered from the configuration) can be fetched.

/** MIME types for the formats AUDIO_EXTENSIONS allows; the URL's extension is what Asterisk reads first. */
const CONTENT_TYPES: Record<string, string> = {
  '.wav': 'audio/wav',
  '.gsm': 'audio/gsm',
};

/** A file the sound endpoint may serve. */
export interface ServedSound {
  content: Buffer;
  contentType: string;
}

/** Greetings are seconds to minutes of 8 kHz audio; anything this big is not one. */
const MAX_SOUND_BYTES = 64 * 1024 * 1024;

interface Entry {
  hash: string;
  ext: string;
  size: number;
  mtimeMs: number;
}

/** Hex digits of the content hash in a served name (128 bits of SHA-256). */
const HASH_CHARS = 32;
const SERVED_NAME = new RegExp(`^([0-9a-f]{${HASH_CHARS}})(\\.[a-z0-9]{1,8})$`);

export class SoundCatalogue {
  /** By absolute path on the daemon's disk. */
  private readonly byPath = new Map<string, Entry>();
  /** By served name (`<hash>.<ext>`) → absolute path. */
  private readonly byName = new Map<string, string>();
  private readonly base: string | undefined;

  /** `baseUrl`: SOUNDS_BASE_URL (e.g. http://10.0.0.5:9464/sounds), or undefined for absolute paths. */
  constructor(baseUrl?: string) {
    this.base = baseUrl ? baseUrl.replace(/\/+$/, '') : undefined;
  }

  get remote(): boolean {
    return this.base !== undefined;
  }

  /**
   * Asterisk's media URI for a sound file. Stats the file (cheap) and hashes it again only
   * when its size or modification time changed. A file that cannot be read falls back to the
   * absolute path: Asterisk then reports the playback as failed, which the daemon counts.
   */
  uriFor(file: string): string {
    if (this.base === undefined) return soundUri(file);
    const entry = this.register(file);
    return entry ? `sound:${this.base}/${entry.hash}${entry.ext}` : soundUri(file);
  }

  /** Hashes and registers `file` now (at configuration load, so the first call does not). */
  register(file: string): Entry | undefined {
    let size: number;
    let mtimeMs: number;
    try {
      const st = statSync(file);
      if (!st.isFile()) return undefined;
      size = st.size;
      mtimeMs = st.mtimeMs;
    } catch {
      return undefined;
    }
    const known = this.byPath.get(file);
    if (known && known.size === size && known.mtimeMs === mtimeMs) return known;
    let content: Buffer;
    try {
      content = readFileSync(file);
    } catch {
      return undefined;
    }
    const entry: Entry = {
      hash: createHash('sha256').update(content).digest('hex').slice(0, HASH_CHARS),
      ext: extname(file).toLowerCase(),
      size: content.length,
      mtimeMs,
    };
    if (known) this.byName.delete(`${known.hash}${known.ext}`);
    this.byPath.set(file, entry);
    this.byName.set(`${entry.hash}${entry.ext}`, file);
    return entry;
  }

  /**
   * What GET <sounds path>/<name> serves: the bytes of a registered file, read now and served
   * only if they still hash to `name` (a file rewritten since gets a new name on its next play);
   * anything else is undefined (404). `name` is the last path segment, never a path.
   */
  read(name: string): ServedSound | undefined {
    const m = SERVED_NAME.exec(name);
    if (!m) return undefined;
    const path = this.byName.get(name);
    if (path === undefined) return undefined;
    let content: Buffer;
    try {
      if (statSync(path).size > MAX_SOUND_BYTES) return undefined;
      content = readFileSync(path);
    } catch {
      return undefined;
    }
    if (createHash('sha256').update(content).digest('hex').slice(0, HASH_CHARS) !== m[1]) return undefined;
    return { content, contentType: CONTENT_TYPES[m[2] as string] ?? 'application/octet-stream' };
  }

  get size(): number {
    return this.byName.size;
  }
}

/** Every sound file a configuration may play (the default greeting aside). */
export function configuredSounds(config: AppConfig): string[] {
  const files = new Set<string>();
  for (const n of config.numbers) {
    if (n.afterHours.voicemail.greeting) files.add(n.afterHours.voicemail.greeting);
    if (n.afterHours.hangup.announcement) files.add(n.afterHours.hangup.announcement);
  }
  return [...files];
}

/** SOUNDS_BASE_URL checked: an http(s) URL without query, fragment or credentials; the reason as the error. */
export function parseSoundsBaseUrl(raw: string): string | { error: string } {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return { error: `SOUNDS_BASE_URL is not a URL: "${raw}" (e.g. http://10.0.0.5:9464/sounds)` };
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:')
    return { error: `SOUNDS_BASE_URL must start with http:// or https:// (got "${u.protocol}")` };
  if (u.username || u.password || u.search || u.hash)
    return { error: 'SOUNDS_BASE_URL must not carry credentials, a query or a fragment: Asterisk appends /<hash>.wav to it' };
  return raw.replace(/\/+$/, '');
}
