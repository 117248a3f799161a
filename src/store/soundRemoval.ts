import type { Redis } from 'ioredis';
import { soundUses, STORED_SOUND_PREFIX } from '../sounds/soundRefs';
import { configKeys, readConfig } from './configStore';
import { describeUses, parseSound, soundKeys, SoundStoreError, type StoredSound } from './soundStore';

// `sound remove`: refused while the pushed configuration uses the sound, or while a push that
// may name it is checking (the lock withStoredSounds holds). One optimistic transaction: if the
// configuration, the lock or the sounds change between the checks and the removal, nothing is
// removed.

/**
 * Removes a sound unless the pushed configuration uses it (the error then names where); resolves
 * with the description it removed (undefined when that could not be read), for the audit trail.
 */
export async function removeSound(redis: Redis, prefix: string, name: string): Promise<StoredSound | undefined> {
  const k = soundKeys(prefix);
  await redis.watch(k.index, k.pushLock, configKeys(prefix).current);
  try {
    const description = await redis.hget(k.index, name);
    if (description === null) throw new SoundStoreError(`no sound named "${name}" is stored`, 'missing');
    if ((await redis.exists(k.pushLock)) === 1)
      throw new SoundStoreError('a configuration is being pushed right now; nothing removed, try again', 'busy');
    const pushed = await readConfig(redis, prefix);
    const uses = pushed ? soundUses(pushed.config).filter((u) => u.value === `${STORED_SOUND_PREFIX}${name}`) : [];
    if (uses.length > 0)
      throw new SoundStoreError(
        `the sound "${name}" is used by the pushed configuration (version ${pushed!.version}): ${describeUses(uses)}; push a configuration without it first`,
        'in-use',
        uses,
      );
    const done = await redis.multi().hdel(k.index, name).del(k.content(name), k.content16(name)).publish(k.channel, name).exec();
    if (done === null)
      throw new SoundStoreError('the sounds or the pushed configuration changed meanwhile; nothing removed, try again', 'busy');
    return parseSound(description);
  } finally {
    await redis.unwatch();
  }
}
