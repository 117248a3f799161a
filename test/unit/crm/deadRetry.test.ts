// `crm-worker dead retry --all` next to a running worker that dead-letters the retried
// events again: each dead letter is retried once per command, not round and round.
import { PermanentCrmError, type CrmAdapter } from '../../../src/crm/adapter';
import { listDead, retryAllDead } from '../../../src/crm/deadLetters';
import type { StreamKeys } from '../../../src/store/eventStream';
import { startRedisServer, type RedisServer } from '../../support/redisServer';
import { makeEvent } from './fixtures';
import { addDeadLetter, freshKeys, startWorker, waitFor, type Running } from './harness';

jest.setTimeout(60_000);

let server: RedisServer;
let keys: StreamKeys;
let running: Running | undefined;

beforeAll(async () => {
  server = await startRedisServer();
});
afterAll(async () => {
  await server.stop();
});
beforeEach(() => {
  keys = freshKeys();
});
afterEach(async () => {
  await running?.worker.stop();
  running = undefined;
});

const refusing: CrmAdapter = {
  name: 'test',
  lookupCaller: async () => ({ kind: 'not-found' }),
  apply: async () => {
    throw new PermanentCrmError('the CRM still refuses it');
  },
};

async function seedDead(count: number): Promise<string[]> {
  const redis = server.client();
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const e = makeEvent();
    ids.push(e.id);
    await addDeadLetter(redis, keys, e, 1);
  }
  return ids;
}

/** Fails (instead of hanging the suite) when retryAllDead keeps going round. */
function bounded<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`still retrying after ${ms} ms`)), ms);
  });
  return Promise.race([p, limit]).finally(() => clearTimeout(timer));
}

describe('dead retry --all', () => {
  it('retries each of 302 dead letters exactly once while a worker dead-letters them again', async () => {
    const eventIds = await seedDead(302);
    running = await startWorker(server, keys, { adapter: refusing });
    const redis = server.client();

    const retried = await bounded(retryAllDead(redis, keys, undefined, 50), 20_000);
    expect(retried).toHaveLength(302);
    expect(new Set(retried).size).toBe(302);

    // Every retried event went through the worker and back to the dead letters, once each.
    await waitFor(async () => (await redis.xlen(keys.dead)) === 302, '302 dead letters again');
    const stream = await redis.xrange(keys.stream, '-', '+');
    expect(stream.map(([, f]) => f[1]).sort()).toEqual([...eventIds].sort());
    expect((await listDead(redis, keys, 1000)).map((d) => d.eventId).sort()).toEqual([...eventIds].sort());
  });

  it('works through the snapshot in batches; nothing left, nothing to do', async () => {
    const redis = server.client();
    await seedDead(3);
    expect(await retryAllDead(redis, keys, undefined, 2)).toHaveLength(3);
    expect(await redis.xlen(keys.dead)).toBe(0);
    expect(await redis.xlen(keys.stream)).toBe(3);
    expect(await retryAllDead(redis, keys)).toEqual([]);
  });
});
