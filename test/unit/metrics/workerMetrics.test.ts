import { collectWorkerProcessMetrics } from '../../../src/crm/metrics';
import { EventStream } from '../../../src/store/eventStream';
import { FakeBitrix24 } from '../../support/fakeBitrix24';
import { startRedisServer, type RedisServer } from '../../support/redisServer';
import { makeEvent } from '../crm/fixtures';
import { bitrixAdapter, freshKeys, metricValue, startWorker, waitFor } from '../crm/harness';

// The worker's timings on a real event: each Bitrix24 method the fake portal answered, each
// step of the work, Redis commands and the end-to-end delay, as the worker process exports them.

let server: RedisServer;
let fake: FakeBitrix24;
beforeAll(async () => {
  server = await startRedisServer();
  fake = await new FakeBitrix24().start();
});
afterAll(async () => {
  await fake.stop();
  await server.stop();
});

test('one voicemail for a known contact: every method, step and the end to end are timed', async () => {
  const keys = freshKeys();
  fake.addRecord('CONTACT', ['+48600100200'], 42);
  await new EventStream(server.client(), keys).append(makeEvent());
  const r = await startWorker(server, keys, { adapter: bitrixAdapter(fake) });
  const stop = collectWorkerProcessMetrics(r.metrics);
  try {
    await waitFor(async () => (await metricValue(r.metrics, 'after_hours_crm_events_processed_total')) === 1, 'the event done');
  } finally {
    stop();
    await r.worker.stop();
  }
  const text = await r.metrics.registry.metrics();
  const count = (series: string) =>
    Number(
      text
        .split('\n')
        .find((l) => l.startsWith(`${series} `))
        ?.split(' ')[1] ?? 0,
    );
  const methods = [...new Set(fake.requests.map((q) => q.method))];
  expect(methods).toEqual(expect.arrayContaining(['crm.duplicate.findbycomm', 'telephony.externalcall.register', 'im.notify.system.add']));
  for (const method of methods)
    expect([method, count(`after_hours_crm_request_duration_seconds_count{adapter="bitrix24",method="${method}",status="2xx"}`)]).toEqual([
      method,
      fake.requests.filter((q) => q.method === method).length,
    ]);
  for (const step of ['lookup', 'apply', 'register', 'finish', 'record', 'notify'])
    expect([step, count(`after_hours_crm_step_duration_seconds_count{step="${step}",result="ok"}`)]).toEqual([step, 1]);
  expect(count('after_hours_crm_event_delay_seconds_count{adapter="bitrix24",outcome="done"}')).toBe(1);
  expect(text).toMatch(/^after_hours_redis_command_duration_seconds_count\{command="xreadgroup",result="ok"\} [1-9]/m);
  expect(text).toMatch(/^process_resident_memory_bytes [1-9]/m);
});
