// The open fast path's publisher without Asterisk: which globals are set and removed, and when.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { fastPathDialplanVariable, fastPathVariable, OpenFastPath } from '../../../src/ari/openFastPath';
import { loadConfig } from '../../../src/config/load';
import type { NumberConfig } from '../../../src/config/types';
import { NumberDirectory } from '../../../src/schedule/directory';
import type { Override } from '../../../src/schedule/types';

const A = '+48221234567'; // Mon-Fri 09:00-17:00 Warsaw
const B = '+48227654321'; // callers.block

const YAML = [
  'defaults: { region: PL, timezone: Europe/Warsaw }',
  'numbers:',
  `  - { did: "${A}", hours: { mon-fri: "09:00-17:00" }, afterHours: { action: hangup } }`,
  `  - { did: "${B}", hours: "00:00-24:00", afterHours: { action: hangup }, callers: { block: ["+48700"] } }`,
  '',
].join('\n');

function directory(yaml: string, now: number) {
  const d = mkdtempSync(join(tmpdir(), 'ah-fastpath-'));
  writeFileSync(join(d, 'after-hours.yaml'), yaml);
  const loaded = loadConfig(join(d, 'after-hours.yaml'), { now });
  if (!loaded.ok) throw new Error(loaded.errors.map((e) => e.message).join('\n'));
  return new NumberDirectory<{ numbers: NumberConfig[] }>(loaded.config, loaded.zones);
}

const VA = 'AH_OPEN_after_hours_48221234567';
const VB = 'AH_OPEN_after_hours_48227654321';

describe('the open fast path publisher', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('names the variable after the app and the digits, the same way the dialplan builds it', () => {
    expect(fastPathVariable('after-hours', A)).toBe(VA);
    expect(fastPathVariable('ah.b-2', A)).toBe('AH_OPEN_ah_b_2_48221234567');
    expect(fastPathDialplanVariable('after-hours')).toBe('AH_OPEN_after_hours_${FILTER(0-9,${EXTEN})}');
  });

  function setUp(now: { t: number }, opts: { enabled?: boolean; yaml?: string } = {}) {
    const sets: Array<[string, string | undefined]> = [];
    const overrides = new Map<string, Override>();
    let dir = directory(opts.yaml ?? YAML, now.t);
    const fp = new OpenFastPath({
      rest: { setGlobalVariable: async (v, value) => void sets.push([v, value]) },
      app: 'after-hours',
      enabled: opts.enabled ?? true,
      directory: () => dir,
      overrides: () => overrides,
      now: () => now.t,
      log: pino({ level: 'silent' }),
    });
    return { fp, sets, overrides, replace: (yaml: string) => (dir = directory(yaml, now.t)) };
  }

  it('publishes T for the open number and removes the rest at start; then only changes; at closing it withdraws', async () => {
    const now = { t: Date.parse('2026-11-16T15:59:00Z') }; // Monday 16:59 in Warsaw
    jest.setSystemTime(now.t);
    const { fp, sets } = setUp(now);
    await fp.refresh(true);
    expect(sets).toEqual([
      [VA, String(Date.parse('2026-11-16T16:00:00Z') / 1000)],
      [VB, undefined],
    ]);
    sets.length = 0;
    await fp.refresh();
    expect(sets).toEqual([]);
    // The timer wakes just after 17:00 and withdraws A.
    now.t += 60_100;
    await jest.advanceTimersByTimeAsync(60_100);
    expect(sets).toEqual([[VA, undefined]]);
    expect(fp.stateOf(A)).toBeNull();
    fp.stop();
  });

  it('an override closing the number withdraws it on the next refresh; a forced refresh publishes all again', async () => {
    const now = { t: Date.parse('2026-11-16T12:00:00Z') };
    jest.setSystemTime(now.t);
    const { fp, sets, overrides } = setUp(now);
    await fp.refresh(true);
    sets.length = 0;
    overrides.set(A, { state: 'closed' });
    await fp.refresh();
    expect(sets).toEqual([[VA, undefined]]);
    sets.length = 0;
    await fp.refresh(true);
    expect(sets).toEqual([
      [VA, undefined],
      [VB, undefined],
    ]);
    fp.stop();
  });

  it('a number removed from the configuration is withdrawn', async () => {
    const now = { t: Date.parse('2026-11-16T12:00:00Z') };
    jest.setSystemTime(now.t);
    const { fp, sets, replace } = setUp(now);
    await fp.refresh();
    sets.length = 0;
    replace(
      YAML.split('\n')
        .filter((l) => !l.includes(A))
        .join('\n'),
    );
    await fp.refresh();
    expect(sets).toEqual([[VA, undefined]]);
    fp.stop();
  });

  it('off (OPEN_FAST_PATH=off): every number is withdrawn, none published', async () => {
    const now = { t: Date.parse('2026-11-16T12:00:00Z') };
    jest.setSystemTime(now.t);
    const { fp, sets } = setUp(now, { enabled: false });
    await fp.refresh(true);
    expect(sets).toEqual([
      [VA, undefined],
      [VB, undefined],
    ]);
    fp.stop();
  });

  it('a refresh asked for while one runs settles only once a run after it has finished', async () => {
    const now = { t: Date.parse('2026-11-16T12:00:00Z') };
    jest.setSystemTime(now.t);
    const sets: string[] = [];
    let release: (() => void) | undefined;
    const overrides = new Map<string, Override>();
    const dir = directory(YAML, now.t);
    const fp = new OpenFastPath({
      rest: {
        setGlobalVariable: (v, value) =>
          new Promise<void>((r) => {
            sets.push(`${v}=${value ?? ''}`);
            release = r;
          }),
      },
      app: 'after-hours',
      enabled: true,
      directory: () => dir,
      overrides: () => overrides,
      now: () => now.t,
      log: pino({ level: 'silent' }),
      concurrency: 1,
    });
    const first = fp.refresh(true);
    overrides.set(A, { state: 'closed' });
    let secondDone = false;
    const second = fp.refresh().then(() => (secondDone = true));
    // The first run: two publications, released one by one.
    for (let i = 0; i < 2; i++) {
      await jest.advanceTimersByTimeAsync(0);
      release!();
    }
    await first;
    await jest.advanceTimersByTimeAsync(0);
    // The second run holds A's withdrawal: the refresh asked for during the first has not settled.
    expect(sets[sets.length - 1]).toBe(`${VA}=`);
    expect(secondDone).toBe(false);
    release!();
    await second;
    expect(secondDone).toBe(true);
    fp.stop();
  });
});
