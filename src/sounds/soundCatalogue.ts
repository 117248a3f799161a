import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { soundUri } from './audioFile';
import type { AppConfig } from '../policy/compiledConfig';
import { soundUses, storedSoundName } from './soundRefs';

// How a greeting or announcement on the daemon's disk reaches Asterisk. Without a base URL
// Asterisk reads the same absolute path (same host, or a shared disk). With one, the daemon
// serves the file over HTTP under a name made of its content hash, and Asterisk plays
// `sound:<base>/<hash>.<ext>` through res_http_media_cache: a changed file gets a new URL,
// so Asterisk's media cache (keyed by URL) can never play a stale copy. Only files the
// daemon was asked to play (or registered from the configuration) can be fetched.
//
// Stored sounds (`sound:NAME`, uploaded with `after-hours sound add`) live in Redis. The
// daemon keeps the ones its configuration names in memory (setStored) and serves them the same
// way; without a base URL it writes each to a folder of its own (`<hash>.wav`) and gives
// Asterisk that path. Any other stored sound (`sound play` of one no number uses yet) is
// fetched from Redis when Asterisk asks for its hash (fetchStored).

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

/** A stored sound as the daemon holds it. */
export interface HeldSound {
  name: string;
  hash: string;
  wav: Buffer;
  /** The 16 kHz copy, written beside the 8 kHz one as `<hash>.wav16` for a same-host Asterisk. */
  wav16?: Buffer;
}

export class SoundCatalogue {
  /** Stored sounds the configuration names, by name. */
  private stored = new Map<string, HeldSound & { file?: string }>();
  /** Any stored sound by its hash (a sound played by `sound play`); undefined when none has it. */
  fetchStored: ((hash: string) => Promise<Buffer | undefined>) | undefined;
  /** By absolute path on the daemon's disk. */
  private readonly byPath = new Map<string, Entry>();
  /** By served name (`<hash>.<ext>`) → absolute path. */
  private readonly byName = new Map<string, string>();
  private readonly base: string | undefined;

  /**
   * `baseUrl`: SOUNDS_BASE_URL (e.g. http://10.0.0.5:9464/sounds), or undefined for absolute paths.
   * `storedDir`: where stored sounds are written for Asterisk to read when there is no base URL.
   */
  constructor(
    baseUrl?: string,
    private readonly storedDir?: string,
  ) {
    this.base = baseUrl ? baseUrl.replace(/\/+$/, '') : undefined;
  }

  /**
   * The stored sounds the configuration names (replacing the previous set); without a base URL
   * each is written to `storedDir` first. Returns the names that could not be made playable.
   */
  setStored(sounds: HeldSound[]): Array<{ name: string; err: Error }> {
    const failed: Array<{ name: string; err: Error }> = [];
    const next = new Map<string, HeldSound & { file?: string }>();
    for (const s of sounds) {
      if (this.base !== undefined || this.storedDir === undefined) {
        next.set(s.name, s);
        continue;
      }
      // Both under one base name: Asterisk picks the file closest to the call's codec (wav16 for G.722).
      const file = join(this.storedDir, `${s.hash}.wav`);
      try {
        for (const [path, content] of [[file, s.wav], ...(s.wav16 ? [[`${file}16`, s.wav16]] : [])] as Array<[string, Buffer]>) {
          if (statSync(path, { throwIfNoEntry: false })?.size === content.length) continue;
          // Asterisk (another user) reads it: world-readable, written whole then renamed.
          mkdirSync(this.storedDir, { recursive: true, mode: 0o755 });
          writeFileSync(`${path}.tmp`, content, { mode: 0o644 });
          renameSync(`${path}.tmp`, path);
        }
        next.set(s.name, { ...s, file });
      } catch (err) {
        failed.push({ name: s.name, err: err as Error });
      }
    }
    this.stored = next;
    return failed;
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
    const name = storedSoundName(file);
    if (name !== undefined) {
      const held = this.stored.get(name);
      // Not held (Redis was down at start, say): Asterisk reports the playback failed, which is counted.
      if (!held) return `sound:after-hours-stored-sound-not-loaded/${name}`;
      return held.file !== undefined ? soundUri(held.file) : `sound:${this.base ?? ''}/${held.hash}.wav`;
    }
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
    if (path === undefined) {
      if (m[2] !== '.wav') return undefined;
      for (const s of this.stored.values()) if (s.hash === m[1]) return { content: s.wav, contentType: 'audio/wav' };
      return undefined;
    }
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

  /** What the sounds endpoint serves: read(), else any stored sound with that hash, fetched. */
  serve(name: string): ServedSound | undefined | Promise<ServedSound | undefined> {
    const now = this.read(name);
    const m = SERVED_NAME.exec(name);
    if (now || !m || m[2] !== '.wav' || !this.fetchStored) return now;
    return this.fetchStored(m[1] as string).then((wav) => (wav ? { content: wav, contentType: 'audio/wav' } : undefined));
  }

  get size(): number {
    return this.byName.size;
  }
}

/** Every sound file on the daemon's disk a configuration may play (the default greeting and stored sounds aside). */
export function configuredSounds(config: AppConfig): string[] {
  const files = new Set<string>();
  for (const u of soundUses(config)) if (storedSoundName(u.value) === undefined) files.add(u.value);
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
