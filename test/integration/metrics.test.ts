// The daemon's metrics on real calls (issue 13): call set-up by its first ARI command, ARI
// request time per operation, Redis command time, the configuration version and overrides in
// force, Node's default metrics without a prefix; and /decision on its own loopback listener,
// not on the metrics port.
import { Redis } from 'ioredis';
import { eventually, runCli, startDaemon, writeConfig, type RunningDaemon } from '../support/daemon';
import { call, startUas } from '../support/sipp';
import { officePort, redisUrl, uniqueDid, uniquePrefix } from '../support/stackEnv';

/** The value of one series (name with its labels as the daemon prints them), 0 when absent. */
function value(text: string, series: RegExp): number {
  const line = text.split('\n').find((l) => series.test(l));
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('daemon metrics on real calls', () => {
  const prefix = uniquePrefix('metrics');
  const closed = uniqueDid();
  const open = uniqueDid();
  let redis: Redis;
  let daemon: RunningDaemon;
  const scrape = async () => (await fetch(`http://127.0.0.1:${daemon.port}/metrics`)).text();

  beforeAll(async () => {
    redis = new Redis(redisUrl);
    const configFile = writeConfig(
      [
        'defaults: { region: PL, timezone: Europe/Warsaw, hours: {} }',
        'numbers:',
        `  - { did: "${closed}", name: Closed, afterHours: { action: hangup, hangup: { cause: busy } } }`,
        `  - { did: "${open}", name: Open, hours: "00:00-24:00" }`,
        '',
      ].join('\n'),
    );
    daemon = await startDaemon({ configFile, prefix });
    await daemon.waitHealthy();
  });

  afterAll(async () => {
    await daemon?.stop();
    redis?.disconnect();
  });

  test('each call is timed from StasisStart to its first command, labelled by that command; ARI and Redis requests by operation', async () => {
    expect((await call({ to: closed, expect: 486 })).finalCode).toBe(486);
    const office = await startUas({ behaviour: 'answer', port: officePort });
    try {
      expect((await call({ to: open, expect: 200, talkMs: 300 })).finalCode).toBe(200);
    } finally {
      await office.stop();
    }
    // The closed call's event reached the stream: its append was a Redis script call.
    expect(await eventually(async () => (await redis.xlen(`${prefix}events`)) === 1, 10_000)).toBe(true);
    const text = await scrape();
    expect(value(text, /^after_hours_call_setup_seconds_count\{command="channels\.hangup"\} /)).toBe(1);
    expect(value(text, /^after_hours_call_setup_seconds_count\{command="channels\.continueInDialplan"\} /)).toBe(1);
    // Every observation fell in a bucket: the largest finite one holds them all.
    expect(value(text, /^after_hours_call_setup_seconds_bucket\{le="10",command="channels\.hangup"\} /)).toBe(1);
    expect(value(text, /^after_hours_ari_request_duration_seconds_count\{operation="channels\.hangup",status="2xx"\} /)).toBe(1);
    expect(value(text, /^after_hours_ari_request_duration_seconds_count\{operation="channels\.continueInDialplan",status="2xx"\} /)).toBe(
      1,
    );
    // (ioredis sends a script by its hash, or whole the first time)
    const scripts = ['eval', 'evalsha'].map((c) =>
      value(text, new RegExp(`^after_hours_redis_command_duration_seconds_count\\{command="${c}",result="ok"\\} `)),
    );
    expect(scripts[0]! + scripts[1]!).toBeGreaterThanOrEqual(1);
    expect(value(text, /^after_hours_calls_total\{plan="hangup",outcome="rejected"\} /)).toBe(1);
    expect(value(text, /^process_resident_memory_bytes /)).toBeGreaterThan(10_000_000);
    expect(text).not.toMatch(/^after_hours_(process|nodejs)_/m);
    expect(value(text, /^after_hours_ari_registered /)).toBe(1);
    expect(text).toMatch(/^after_hours_ari_reconnects_total 0$/m);
  });

  test('the configuration version and the overrides in force follow a push and an override', async () => {
    expect(value(await scrape(), /^after_hours_config_version /)).toBe(0); // the start-up file
    const pushed = writeConfig(
      [
        'defaults: { region: PL, timezone: Europe/Warsaw, hours: {} }',
        'numbers:',
        `  - { did: "${closed}" }`,
        `  - { did: "${open}" }`,
        '',
      ].join('\n'),
    );
    expect(runCli(['push', '--config', pushed], { REDIS_PREFIX: prefix }).status).toBe(0);
    const version = Number(await redis.get(`${prefix}config:version`));
    expect(version).toBeGreaterThan(0);
    expect(await eventually(async () => value(await scrape(), /^after_hours_config_version /) === version, 10_000)).toBe(true);
    expect(value(await scrape(), /^after_hours_overrides_in_force /)).toBe(0);
    expect(runCli(['override', 'set', '--did', closed, '--state', 'open', '--for', '1h'], { REDIS_PREFIX: prefix }).status).toBe(0);
    expect(await eventually(async () => value(await scrape(), /^after_hours_overrides_in_force /) === 1, 10_000)).toBe(true);
  });

  test('/decision answers on its own loopback listener, not on the metrics port', async () => {
    expect((await fetch(`http://127.0.0.1:${daemon.port}/decision?did=${encodeURIComponent(closed)}`)).status).toBe(404);
    expect(daemon.decisionPort).not.toBe(daemon.port);
    const res = await fetch(`http://127.0.0.1:${daemon.decisionPort}/decision?did=${encodeURIComponent(closed)}`);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { did: string }).did).toBe(closed);
  });
});
