import { AriEventDispatcher } from '../../../src/ari/ariEventDispatcher';
import { createDaemonMetrics } from '../../../src/daemon/daemonMetrics';
import type { EventSpool } from '../../../src/store/eventSpool';

// What the daemon's counters and gauges say for the events the daemon reports.

function metrics(sources: { version?: number; overrides?: number } = {}) {
  return createDaemonMetrics({
    router: new AriEventDispatcher(),
    spool: { pending: async () => 3 } as unknown as EventSpool,
    configVersion: () => sources.version ?? 0,
    overridesInForce: () => sources.overrides ?? 0,
  });
}

const line = (text: string, series: string) => text.split('\n').find((l) => l.startsWith(`${series} `));

describe('daemon metrics', () => {
  test('a reconnect is a registration after a loss: the first registration is not one, nor is a loss alone', async () => {
    const m = metrics();
    for (const s of ['connecting', 'registered', 'connecting', 'connecting', 'registered', 'replaced', 'registered', 'stopped'])
      m.ariState(s);
    const text = await m.registry.metrics();
    expect(line(text, 'after_hours_ari_reconnects_total')).toBe('after_hours_ari_reconnects_total 2');
    expect(line(text, 'after_hours_ari_registered')).toBe('after_hours_ari_registered 0');
    m.close();
  });

  test('spool write failures by errno, and the events lost among them; spool depth, config version and overrides read when scraped', async () => {
    const m = metrics({ version: 7, overrides: 2 });
    m.spoolWriteFailed('ENOSPC', false);
    m.spoolWriteFailed('ENOSPC', true);
    m.spoolWriteFailed('EIO', true);
    const text = await m.registry.metrics();
    expect(line(text, 'after_hours_spool_write_failures_total{code="ENOSPC"}')).toMatch(/ 2$/);
    expect(line(text, 'after_hours_spool_write_failures_total{code="EIO"}')).toMatch(/ 1$/);
    expect(line(text, 'after_hours_events_lost_total')).toMatch(/ 2$/);
    expect(line(text, 'after_hours_spooled_events')).toMatch(/ 3$/);
    expect(line(text, 'after_hours_config_version')).toMatch(/ 7$/);
    expect(line(text, 'after_hours_overrides_in_force')).toMatch(/ 2$/);
    m.close();
  });

  test('set-up and ARI times land in buckets from a tenth of a millisecond up', async () => {
    const m = metrics();
    m.callSetUp('channels.hangup', 0.0003);
    m.ariRequest('channels.hangup', '2xx', 0.002);
    const text = await m.registry.metrics();
    expect(line(text, 'after_hours_call_setup_seconds_bucket{le="0.00025",command="channels.hangup"}')).toMatch(/ 0$/);
    expect(line(text, 'after_hours_call_setup_seconds_bucket{le="0.0005",command="channels.hangup"}')).toMatch(/ 1$/);
    expect(line(text, 'after_hours_ari_request_duration_seconds_bucket{le="0.001",operation="channels.hangup",status="2xx"}')).toMatch(
      / 0$/,
    );
    expect(line(text, 'after_hours_ari_request_duration_seconds_bucket{le="0.0025",operation="channels.hangup",status="2xx"}')).toMatch(
      / 1$/,
    );
    m.close();
  });
});
