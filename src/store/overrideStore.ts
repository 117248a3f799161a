import type { Redis } from 'ioredis';
import type { Override } from '../schedule/types';

// Temporary overrides set by operations, one per DID, in one Redis hash. A change is
// announced so every daemon reloads within a second; an override past its `until` stops
// applying by itself (the engine checks the expiry) and is swept on the next write.

export interface StoredOverride extends Override {
  did: string;
  setAt: number;
}

export function overrideKeys(prefix: string) {
  return { hash: `${prefix}overrides`, channel: `${prefix}overrides:changed` };
}

export async function setOverride(redis: Redis, prefix: string, o: StoredOverride): Promise<void> {
  const k = overrideKeys(prefix);
  await redis.multi().hset(k.hash, o.did, JSON.stringify(o)).publish(k.channel, o.did).exec();
}

export async function clearOverride(redis: Redis, prefix: string, did: string): Promise<boolean> {
  const k = overrideKeys(prefix);
  const res = await redis.multi().hdel(k.hash, did).publish(k.channel, did).exec();
  return Number(res?.[0]?.[1] ?? 0) > 0;
}

/** Every override still in force at `now`; expired ones are deleted on the way. */
export async function listOverrides(redis: Redis, prefix: string, now: number): Promise<StoredOverride[]> {
  const k = overrideKeys(prefix);
  const all = await redis.hgetall(k.hash);
  const live: StoredOverride[] = [];
  const expired: string[] = [];
  for (const [did, json] of Object.entries(all)) {
    try {
      const o = JSON.parse(json) as StoredOverride;
      if (o.until !== undefined && o.until <= now) expired.push(did);
      else live.push(o);
    } catch {
      expired.push(did);
    }
  }
  if (expired.length > 0) await redis.hdel(k.hash, ...expired).catch(() => undefined);
  return live.sort((a, b) => a.did.localeCompare(b.did));
}
