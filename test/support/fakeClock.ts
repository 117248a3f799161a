// A wall clock for a real daemon process, moved by the test while the daemon runs: the daemon
// is started under libfaketime (Debian's faketime), which rereads the clock file on every
// clock call. Timers keep the real monotonic clock, so timeouts and heartbeats behave.
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function libfaketime(): string {
  for (const dir of [
    '/usr/lib',
    ...readdirSync('/usr/lib')
      .filter((d) => d.endsWith('-linux-gnu'))
      .map((d) => join('/usr/lib', d)),
  ]) {
    const lib = join(dir, 'faketime', 'libfaketime.so.1');
    if (existsSync(lib)) return lib;
  }
  throw new Error('libfaketime not found: install the Debian package "faketime" (scripts/install-deps does)');
}

export interface FakeClock {
  /** Sets the daemon's wall clock to a UTC time, e.g. '2031-04-14 08:05:00'; it runs on from there. */
  set(utc: string): void;
  /** The environment to start the daemon with (TZ is UTC, so set() is read as UTC). */
  env: Record<string, string>;
}

export function fakeClock(startUtc: string): FakeClock {
  const file = join(mkdtempSync(join(tmpdir(), 'ah-faketime-')), 'clock');
  const set = (utc: string) => writeFileSync(file, `@${utc}\n`);
  set(startUtc);
  return {
    set,
    env: { LD_PRELOAD: libfaketime(), FAKETIME_TIMESTAMP_FILE: file, FAKETIME_NO_CACHE: '1', FAKETIME_DONT_FAKE_MONOTONIC: '1', TZ: 'UTC' },
  };
}
