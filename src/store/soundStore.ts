import { createHash, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { AppConfig } from '../config/types';
import { storedSoundNames, soundUses, STORED_SOUND_PREFIX, type SoundUse } from '../sounds/soundRefs';

// Own recordings in Redis, so every daemon (and through it every Asterisk, on any host) plays
// the same file: one hash of descriptions by name, one key per name holding the stored WAV,
// and an announcement on every change so daemons reload the sounds their configuration names.
// A sound the pushed configuration uses cannot be removed (soundRemoval.ts); a push that names a
// missing sound is refused (pushConfig runs inside withStoredSounds). A push holds a short lock
// key while it checks and pushes, and a removal is one optimistic transaction (WATCH … MULTI/EXEC)
// over that key and the pushed configuration, so neither can slip past the other.

export interface StoredSound {
  name: string;
  /** Served name's hash: the first 32 hex digits of the WAV's SHA-256 (the catalogue's scheme). */
  hash: string;
  durationMs: number;
  bytes: number;
  /** The 16 kHz copy's size (0: none, a sound stored before it was kept). */
  bytes16: number;
  addedAt: string;
  /** The uploaded file's name (no folder) and size, for `sound list`. */
  source: string;
  sourceBytes: number;
}

export function soundKeys(prefix: string) {
  return {
    index: `${prefix}sounds`,
    content: (name: string) => `${prefix}sound:${name}`,
    /** The 16 kHz copy (a name has no ":"). */
    content16: (name: string) => `${prefix}sound:${name}:16k`,
    channel: `${prefix}sounds:changed`,
    pushLock: `${prefix}sounds:push-lock`,
  };
}

/** The content hash a served sound's URL carries. */
export function soundHash(wav: Buffer): string {
  return createHash('sha256').update(wav).digest('hex').slice(0, 32);
}

export class SoundStoreError extends Error {
  constructor(
    message: string,
    readonly reason: 'exists' | 'missing' | 'in-use' | 'busy',
    readonly uses: SoundUse[] = [],
  ) {
    super(message);
    this.name = 'SoundStoreError';
  }
}

/** Stores `wav` under `name` and announces it; an existing name only with `replace`. */
export async function addSound(
  redis: Redis,
  prefix: string,
  entry: { name: string; wav: Buffer; wav16?: Buffer; durationMs: number; source: string; sourceBytes: number },
  opts: { replace: boolean; now: Date },
): Promise<{ sound: StoredSound; replaced: boolean }> {
  const k = soundKeys(prefix);
  const sound: StoredSound = {
    name: entry.name,
    hash: soundHash(entry.wav),
    durationMs: entry.durationMs,
    bytes: entry.wav.length,
    bytes16: entry.wav16?.length ?? 0,
    addedAt: opts.now.toISOString(),
    source: entry.source,
    sourceBytes: entry.sourceBytes,
  };
  await redis.watch(k.index);
  try {
    const exists = (await redis.hexists(k.index, entry.name)) === 1;
    if (exists && !opts.replace)
      throw new SoundStoreError(`a sound named "${entry.name}" is stored already (give --replace to replace it)`, 'exists');
    const tx = redis.multi().set(k.content(entry.name), entry.wav);
    if (entry.wav16) tx.set(k.content16(entry.name), entry.wav16);
    else tx.del(k.content16(entry.name));
    const done = await tx.hset(k.index, entry.name, JSON.stringify(sound)).publish(k.channel, entry.name).exec();
    if (done === null) throw new SoundStoreError(`the sound "${entry.name}" changed meanwhile; nothing stored, try again`, 'busy');
    return { sound, replaced: exists };
  } finally {
    await redis.unwatch();
  }
}

/** Every stored sound, by name; an entry that cannot be read is passed to `onMalformed` and skipped. */
export async function listSounds(redis: Redis, prefix: string, onMalformed?: (name: string) => void): Promise<StoredSound[]> {
  const all = await redis.hgetall(soundKeys(prefix).index);
  const out: StoredSound[] = [];
  for (const [name, text] of Object.entries(all)) {
    const s = parseSound(text);
    if (s) out.push(s);
    else onMalformed?.(name);
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/** One stored sound's description (one HGET), or undefined when it is not stored or cannot be read. */
export async function describeSound(redis: Redis, prefix: string, name: string): Promise<StoredSound | undefined> {
  const text = await redis.hget(soundKeys(prefix).index, name);
  return text === null ? undefined : parseSound(text);
}

/** One stored sound's description and WAVs (8 kHz, and 16 kHz when kept), or undefined when it is not stored. */
export async function readSound(
  redis: Redis,
  prefix: string,
  name: string,
): Promise<{ sound: StoredSound; wav: Buffer; wav16?: Buffer } | undefined> {
  const k = soundKeys(prefix);
  const [meta, wav, wav16] = await Promise.all([
    redis.hget(k.index, name),
    redis.getBuffer(k.content(name)),
    redis.getBuffer(k.content16(name)),
  ]);
  const sound = meta === null ? undefined : parseSound(meta);
  if (!sound || !wav || soundHash(wav) !== sound.hash) return undefined;
  return wav16 && wav16.length === sound.bytes16 ? { sound, wav, wav16 } : { sound, wav };
}

/**
 * Runs `push` while no stored sound the configuration names can be removed, after checking
 * they are all stored; a missing one refuses the push (the error names where it is used).
 */
export async function withStoredSounds<T>(redis: Redis, prefix: string, config: AppConfig, push: () => Promise<T>): Promise<T> {
  const names = storedSoundNames(config);
  if (names.length === 0) return push();
  const k = soundKeys(prefix);
  const token = randomBytes(8).toString('hex');
  // Long enough for a 100,000-number push; a crashed push leaves it for at most this long.
  await redis.set(k.pushLock, token, 'PX', 60_000);
  try {
    const stored = await redis.hmget(k.index, ...names);
    const missing = names.filter((_, i) => stored[i] === null);
    if (missing.length > 0) {
      const uses = soundUses(config).filter((u) => missing.some((m) => u.value === `${STORED_SOUND_PREFIX}${m}`));
      throw new SoundStoreError(
        `${missing.map((m) => `sound "${m}"`).join(', ')} ${missing.length === 1 ? 'is' : 'are'} not stored (used by ${describeUses(uses)}): nothing pushed; add ${missing.length === 1 ? 'it' : 'them'} with: after-hours sound add FILE --name ${missing[0]}`,
        'missing',
        uses,
      );
    }
    return await push();
  } finally {
    if ((await redis.get(k.pushLock)) === token) await redis.del(k.pushLock);
  }
}

export function describeUses(uses: SoundUse[]): string {
  const shown = uses.slice(0, 5).map((u) => `${u.did} ${u.at}`);
  return uses.length > 5 ? `${shown.join(', ')} and ${uses.length - 5} more` : shown.join(', ');
}

/** A stored description (the index hash's value); undefined when it cannot be read. */
export function parseSound(text: string): StoredSound | undefined {
  try {
    const s = JSON.parse(text) as Partial<StoredSound>;
    if (typeof s.name !== 'string' || typeof s.hash !== 'string' || typeof s.durationMs !== 'number' || typeof s.bytes !== 'number')
      return undefined;
    return {
      name: s.name,
      hash: s.hash,
      durationMs: s.durationMs,
      bytes: s.bytes,
      bytes16: Number(s.bytes16 ?? 0),
      addedAt: String(s.addedAt ?? ''),
      source: String(s.source ?? ''),
      sourceBytes: Number(s.sourceBytes ?? 0),
    };
  } catch {
    return undefined;
  }
}
