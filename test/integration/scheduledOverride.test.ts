// A scheduled override on the real stack: set now for a few seconds ahead, it changes nothing
// until it starts (the daemon's decision names its start as the next change), then real calls
// are closed by it and the lamp lights at its start, with no reload or announcement at that
// moment (the daemon's timer follows nextChange). The change is in the audit trail.
import { Redis } from 'ioredis';
import { eventually, runCli, startDaemon, writeConfig, type RunningDaemon } from '../support/daemon';
import { call } from '../support/sipp';
import { ariPassword, ariUrl, ariUser, redisUrl, uniqueDid, uniquePrefix } from '../support/stackEnv';

const auth = { authorization: `Basic ${Buffer.from(`${ariUser}:${ariPassword}`).toString('base64')}` };

async function lamp(did: string): Promise<string | undefined> {
  const res = await fetch(`${ariUrl}/ari/deviceStates/${encodeURIComponent(`Stasis:after-hours-${did.slice(1)}`)}`, { headers: auth });
  if (res.status !== 200) return undefined;
  return ((await res.json()) as { state: string }).state;
}

describe('a scheduled override on real calls', () => {
  const prefix = uniquePrefix('scheduled');
  const did = uniqueDid();
  const env = { REDIS_PREFIX: prefix };
  let daemon: RunningDaemon;
  let redis: Redis;

  beforeAll(async () => {
    const configFile = writeConfig(
      [
        'defaults: { region: PL, timezone: Europe/Warsaw }',
        'numbers:',
        `  - { did: "${did}", hours: "00:00-24:00", afterHours: { action: hangup, hangup: { cause: busy } } }`,
        '',
      ].join('\n'),
    );
    daemon = await startDaemon({ configFile, prefix });
    await daemon.waitHealthy();
    redis = new Redis(redisUrl);
  });

  afterAll(async () => {
    redis?.disconnect();
    await daemon?.stop();
  });

  test('open until it starts, closed from its start (calls and lamp), audited with its author', async () => {
    const start = new Date(Math.ceil((Date.now() + 6000) / 1000) * 1000);
    const until = new Date(start.getTime() + 3_600_000);
    const set = runCli(
      [
        'override',
        'set',
        '--did',
        did,
        '--state',
        'closed',
        '--from',
        start.toISOString(),
        '--until',
        until.toISOString(),
        '--note',
        'staff meeting',
        '--by',
        'alice',
      ],
      env,
    );
    expect(set.status).toBe(0);
    // Seen by the daemon, not yet in force: open, and the next change is the override's start.
    expect(await eventually(async () => (await fetchDecision()).nextChange !== null, 10_000)).toBe(true);
    const before = await fetchDecision();
    expect(before).toMatchObject({ open: true, reason: 'working-hours' });
    expect(Date.parse(before.nextChange!)).toBe(start.getTime());
    expect(await eventually(async () => (await lamp(did)) === 'NOT_INUSE', 10_000)).toBe(true);
    expect((await call({ to: did, expect: 200 })).finalCode).not.toBe(486);

    // From its start: closed by the override, the lamp lit by the daemon's own timer.
    expect(await eventually(() => Date.now() >= start.getTime(), 15_000, 50)).toBe(true);
    expect(await fetchDecision()).toMatchObject({ open: false, reason: 'override' });
    const r = await call({ to: did, expect: 486 });
    expect(r.finalCode).toBe(486);
    expect(await eventually(async () => (await lamp(did)) === 'INUSE', 10_000)).toBe(true);

    const audit = await redis.xrevrange(`${prefix}audit`, '+', '-');
    expect(audit).toHaveLength(1);
    expect(audit[0]![1]).toEqual(
      expect.arrayContaining(['actor', 'alice', 'door', 'cli', 'action', 'override.set', 'target', did, 'note', 'staff meeting']),
    );
  });

  async function fetchDecision(): Promise<{ open: boolean; reason: string; nextChange: string | null }> {
    const res = await fetch(`http://127.0.0.1:${daemon.decisionPort}/decision?did=${encodeURIComponent(did)}`);
    return (await res.json()) as { open: boolean; reason: string; nextChange: string | null };
  }
});
