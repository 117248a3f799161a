// The lamp without Asterisk: which device states are PUT, when the timer fires (the earliest
// scheduled open/close, re-armed from the clock, capped), and what a failure does.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { DeviceStateLamp, lampDelay, lampDevice, lampState } from '../../../src/ari/deviceStateLamp';
import { loadConfig } from '../../../src/config/load';
import { NumberDirectory } from '../../../src/schedule/directory';
import type { Override } from '../../../src/schedule/types';

const A = '+48221234567';
const B = '+48227654321';

function directory(yaml: string, now: number) {
  const dir = mkdtempSync(join(tmpdir(), 'ah-lamp-'));
  const file = join(dir, 'after-hours.yaml');
  writeFileSync(file, yaml);
  const loaded = loadConfig(file, { now });
  if (!loaded.ok) throw new Error(loaded.errors.map((e) => e.message).join('\n'));
  return new NumberDirectory(loaded.config, loaded.zones);
}

const YAML = [
  'defaults: { region: PL, timezone: Europe/Warsaw }',
  'numbers:',
  `  - { did: "${A}", hours: { mon-fri: "09:00-17:00" }, afterHours: { action: hangup } }`,
  `  - { did: "${B}", hours: "00:00-24:00", afterHours: { action: hangup } }`,
  '',
].join('\n');

describe('the lamp', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('names the device after the app and the digits; closed lights it', () => {
    expect(lampDevice('after-hours', '+48221234567')).toBe('Stasis:after-hours-48221234567');
    expect(lampState(false)).toBe('INUSE');
    expect(lampState(true)).toBe('NOT_INUSE');
  });

  it('waits for the earliest change, never longer than the cap, never negative', () => {
    expect(lampDelay(1_000, 0, 3_600_000)).toBe(1_050);
    expect(lampDelay(10 * 86_400_000, 0, 3_600_000)).toBe(3_600_000);
    expect(lampDelay(null, 0, 3_600_000)).toBe(3_600_000);
    expect(lampDelay(-5_000, 0, 3_600_000)).toBe(0);
  });

  it('publishes every number at start, only changes afterwards, overrides at once, and flips at the scheduled open', async () => {
    let now = Date.parse('2026-11-16T07:59:00Z'); // Monday 08:59 in Warsaw: A opens at 09:00
    jest.setSystemTime(now);
    const puts: Array<[string, string]> = [];
    const overrides = new Map<string, Override>();
    const dir = directory(YAML, now);
    const lamp = new DeviceStateLamp({
      rest: { setDeviceState: async (d, s) => void puts.push([d, s]) },
      app: 'after-hours',
      directory: () => dir,
      overrides: () => overrides,
      now: () => now,
      log: pino({ level: 'silent' }),
    });
    await lamp.refresh(true);
    expect(puts).toEqual([
      ['Stasis:after-hours-48221234567', 'INUSE'],
      ['Stasis:after-hours-48227654321', 'NOT_INUSE'],
    ]);
    puts.length = 0;
    await lamp.refresh();
    expect(puts).toEqual([]);

    overrides.set(B, { state: 'closed' });
    await lamp.refresh();
    expect(puts).toEqual([['Stasis:after-hours-48227654321', 'INUSE']]);
    puts.length = 0;

    // Nothing before 09:00; the timer fires just after it and A's lamp goes dark.
    now += 59_000;
    await jest.advanceTimersByTimeAsync(59_000);
    expect(puts).toEqual([]);
    now += 1_100;
    await jest.advanceTimersByTimeAsync(1_100);
    expect(puts).toEqual([['Stasis:after-hours-48221234567', 'NOT_INUSE']]);
    lamp.stop();
  });

  it('a failed PUT is tried again soon, not at the next change', async () => {
    let now = Date.parse('2026-11-16T12:00:00Z');
    jest.setSystemTime(now);
    let fail = true;
    const puts: string[] = [];
    const dir = directory(YAML, now);
    const lamp = new DeviceStateLamp({
      rest: {
        setDeviceState: async (d, s) => {
          if (fail) throw new Error('ARI down');
          puts.push(`${d} ${s}`);
        },
      },
      app: 'ah',
      directory: () => dir,
      overrides: () => new Map(),
      now: () => now,
      log: pino({ level: 'silent' }),
      retryMs: 5_000,
    });
    await lamp.refresh();
    expect(puts).toEqual([]);
    fail = false;
    now += 5_100;
    await jest.advanceTimersByTimeAsync(5_100);
    expect(puts.sort()).toEqual(['Stasis:ah-48221234567 NOT_INUSE', 'Stasis:ah-48227654321 NOT_INUSE']);
    lamp.stop();
  });

  it('a number removed from the configuration goes unavailable', async () => {
    const now = Date.parse('2026-11-16T12:00:00Z');
    jest.setSystemTime(now);
    const puts: string[] = [];
    let dir = directory(YAML, now);
    const lamp = new DeviceStateLamp({
      rest: { setDeviceState: async (d, s) => void puts.push(`${d} ${s}`) },
      app: 'ah',
      directory: () => dir,
      overrides: () => new Map(),
      now: () => now,
      log: pino({ level: 'silent' }),
    });
    await lamp.refresh();
    puts.length = 0;
    dir = directory(
      YAML.split('\n')
        .filter((l) => !l.includes(B))
        .join('\n'),
      now,
    );
    await lamp.refresh();
    expect(puts).toEqual(['Stasis:ah-48227654321 UNAVAILABLE']);
    lamp.stop();
  });
});
