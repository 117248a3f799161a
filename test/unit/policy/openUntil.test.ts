// The open fast path's decision, pure: what the daemon publishes for a number at an instant.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../../src/config/load';
import type { NumberConfig } from '../../../src/config/types';
import { OPEN_UNTIL_CAP_MS, openUntil } from '../../../src/policy/openUntil';
import { NumberDirectory } from '../../../src/schedule/directory';
import type { Override } from '../../../src/schedule/types';

const OFFICE = '+48221234567'; // Mon-Fri 09:00-17:00 Warsaw
const ALWAYS = '+48227654321';
const BLOCKING = '+48223333333';
const OFF = '+48224444444';

const YAML = [
  'defaults: { region: PL, timezone: Europe/Warsaw }',
  'numbers:',
  `  - { did: "${OFFICE}", hours: { mon-fri: "09:00-17:00" }, afterHours: { action: hangup } }`,
  `  - { did: "${ALWAYS}", hours: "00:00-24:00", afterHours: { action: hangup }, callers: { bypass: ["+48601"] } }`,
  `  - { did: "${BLOCKING}", hours: "00:00-24:00", afterHours: { action: hangup }, callers: { block: ["+48700"] } }`,
  `  - { did: "${OFF}", hours: "00:00-24:00", afterHours: { action: hangup }, fastPath: false }`,
  '',
].join('\n');

const NOW = Date.parse('2026-11-16T12:00:00.250Z'); // Monday 13:00:00.250 in Warsaw
const dir = (() => {
  const d = mkdtempSync(join(tmpdir(), 'ah-open-until-'));
  writeFileSync(join(d, 'after-hours.yaml'), YAML);
  const loaded = loadConfig(join(d, 'after-hours.yaml'), { now: NOW });
  if (!loaded.ok) throw new Error(loaded.errors.map((e) => e.message).join('\n'));
  return new NumberDirectory<{ numbers: NumberConfig[] }>(loaded.config, loaded.zones);
})();
const at = (did: string, now: number, overrides?: Override | Override[], enabled?: boolean) => {
  const e = dir.get(did)!;
  return openUntil(e.number, e.schedule, overrides, now, enabled);
};
const sec = (iso: string) => Date.parse(iso) / 1000;

describe('openUntil', () => {
  it('an open number: T is its closing time in epoch seconds', () => {
    expect(at(OFFICE, NOW)).toEqual({ until: sec('2026-11-16T16:00:00Z'), reason: 'open', nextChange: Date.parse('2026-11-16T16:00:00Z') });
  });

  it('one millisecond before closing it is still open until then; at closing nothing is published', () => {
    const close = Date.parse('2026-11-16T16:00:00Z');
    expect(at(OFFICE, close - 1).until).toBe(close / 1000);
    expect(at(OFFICE, close)).toMatchObject({ until: null, reason: 'closed' });
  });

  it('a change within the same second (an override from mid-second): nothing is published, from the second’s start on', () => {
    const second = Date.parse('2026-11-16T12:30:00Z');
    const closing: Override = { state: 'closed', from: second + 500, setAt: second - 60_000 };
    for (const now of [second, second + 1, second + 499]) expect(at(OFFICE, now, closing)).toMatchObject({ until: null, reason: 'closed' });
    expect(at(OFFICE, second - 1, closing)).toMatchObject({ until: second / 1000, reason: 'open' });
  });

  it('a closed number publishes nothing, and says when to look again', () => {
    const evening = Date.parse('2026-11-16T18:00:00Z');
    expect(at(OFFICE, evening)).toEqual({ until: null, reason: 'closed', nextChange: Date.parse('2026-11-17T08:00:00Z') });
  });

  it('an open number with no change ahead is promised at most a day, on the hour', () => {
    const o = at(ALWAYS, NOW);
    expect(o.reason).toBe('open');
    expect(o.nextChange).toBeNull();
    expect(o.until! * 1000).toBe(Date.parse('2026-11-17T12:00:00Z'));
    expect(o.until! * 1000 - NOW).toBeLessThanOrEqual(OPEN_UNTIL_CAP_MS);
    // Renewed each hour, not at every instant.
    expect(at(ALWAYS, NOW + 1_000_000).until).toBe(o.until);
  });

  it('callers.block: never published open (its callers must be checked); callers.bypass alone is no obstacle', () => {
    expect(at(BLOCKING, NOW)).toMatchObject({ until: null, reason: 'callers-block' });
    expect(at(ALWAYS, NOW).until).not.toBeNull();
  });

  it('off for the number (fastPath: false) or globally', () => {
    expect(at(OFF, NOW)).toMatchObject({ until: null, reason: 'off-for-number' });
    expect(at(OFFICE, NOW, undefined, false)).toMatchObject({ until: null, reason: 'off' });
  });

  it('overrides: closed now withdraws; open until a time publishes that time; a later closed override ends T', () => {
    expect(at(OFFICE, NOW, { state: 'closed' })).toMatchObject({ until: null, reason: 'closed' });
    const evening = Date.parse('2026-11-16T18:00:00Z');
    const until = Date.parse('2026-11-16T18:30:00.700Z');
    expect(at(OFFICE, evening, { state: 'open', until })).toMatchObject({ until: Math.floor(until / 1000), reason: 'open' });
    const meeting: Override = { state: 'closed', from: Date.parse('2026-11-16T14:00:00Z'), until: Date.parse('2026-11-16T15:00:00Z') };
    expect(at(OFFICE, NOW, [meeting]).until).toBe(sec('2026-11-16T14:00:00Z'));
  });

  it('T never lies beyond the flip, even by a fraction of a second', () => {
    for (let ms = 0; ms < 1000; ms += 137) {
      const until = Date.parse('2026-11-16T18:30:00Z') + ms;
      const o = at(OFFICE, Date.parse('2026-11-16T18:00:00Z'), { state: 'open', until });
      expect(o.until! * 1000).toBeLessThanOrEqual(until);
    }
  });
});
