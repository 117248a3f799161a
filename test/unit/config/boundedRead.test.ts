import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, symlinkSync, writeFileSync, ftruncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MAX_CONFIG_BYTES, MAX_ICS_BYTES, readRegularFile } from '../../../src/config/boundedRead';
import { loadConfig } from '../../../src/config/load';

// Files named by the operator are read only when they are regular files within a size
// limit: `validate /dev/zero`, an `ics:` symlinked to a device, or a FIFO used to grow
// memory until the kernel killed the process, or block forever.

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'after-hours-bounded-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A sparse file of `bytes` bytes: instant to create, whatever its size. */
function sparse(name: string, bytes: number): string {
  const file = join(dir, name);
  const fd = openSync(file, 'w');
  ftruncateSync(fd, bytes);
  closeSync(fd);
  return file;
}

describe('readRegularFile', () => {
  it('reads a regular UTF-8 file (the BOM, if any, is dropped)', () => {
    const file = join(dir, 'ok.yaml');
    writeFileSync(file, '\uFEFFnumbers: [] # Büro\n');
    expect(readRegularFile(file, 100, 'configuration file')).toEqual({ ok: true, text: 'numbers: [] # Büro\n' });
  });

  it.each<[string, () => string, RegExp]>([
    ['a character device', () => '/dev/zero', /^iCalendar file \/dev\/zero is a character device, not a regular file$/],
    [
      'a symlink to /dev/zero',
      () => {
        const link = join(dir, 'zero.ics');
        symlinkSync('/dev/zero', link);
        return link;
      },
      /zero\.ics is a character device, not a regular file$/,
    ],
    ['a directory', () => dir, /is a directory, not a regular file$/],
    [
      'a FIFO (without blocking)',
      () => {
        const fifo = join(dir, 'pipe.ics');
        execFileSync('mkfifo', [fifo]);
        return fifo;
      },
      /pipe\.ics is a named pipe \(FIFO\), not a regular file$/,
    ],
    ['a missing file', () => join(dir, 'nope.ics'), /nope\.ics does not exist$/],
  ])('refuses %s before reading it', (_name, make, message) => {
    const r = readRegularFile(make(), MAX_ICS_BYTES, 'iCalendar file');
    expect(r).toEqual({ ok: false, error: expect.stringMatching(message) });
  });

  it('refuses a file over the limit, naming the limit, and accepts one at the limit', () => {
    const at = join(dir, 'at.ics');
    writeFileSync(at, 'x'.repeat(1000));
    expect(readRegularFile(at, 1000, 'iCalendar file')).toEqual({ ok: true, text: 'x'.repeat(1000) });
    expect(readRegularFile(at, 999, 'iCalendar file')).toEqual({
      ok: false,
      error: `iCalendar file ${at} is too large (1000 bytes; the limit is 999 bytes)`,
    });
    const huge = sparse('huge.ics', MAX_ICS_BYTES + 1);
    expect(readRegularFile(huge, MAX_ICS_BYTES, 'iCalendar file')).toEqual({
      ok: false,
      error: `iCalendar file ${huge} is too large (${MAX_ICS_BYTES + 1} bytes; the limit is 1 MiB)`,
    });
  });

  it('refuses NUL bytes and invalid UTF-8, with the line', () => {
    const nul = join(dir, 'nul.yaml');
    writeFileSync(nul, 'numbers:\n  - did: "+48"\0\n');
    expect(readRegularFile(nul, 100, 'configuration file')).toEqual({
      ok: false,
      error: `configuration file ${nul} is not a text file (a NUL byte at line 2)`,
    });
    const latin1 = join(dir, 'latin1.yaml');
    writeFileSync(latin1, Buffer.concat([Buffer.from('numbers:\n  - name: B'), Buffer.from([0xfc]), Buffer.from('ro\n')]));
    expect(readRegularFile(latin1, 100, 'configuration file')).toEqual({
      ok: false,
      error: `configuration file ${latin1} is not UTF-8 text (line 2): save it as UTF-8`,
    });
  });

  it('allows the 100,000-number benchmark file (about 25 MB)', () => {
    expect(MAX_CONFIG_BYTES).toBeGreaterThanOrEqual(32 * 1024 * 1024);
  });
});

describe('loadConfig reads only regular files within the limit', () => {
  it.each<[string, () => string, RegExp]>([
    ['/dev/zero', () => '/dev/zero', /is a character device, not a regular file$/],
    [
      'a symlink to /dev/zero',
      () => {
        const link = join(dir, 'zero.yaml');
        symlinkSync('/dev/zero', link);
        return link;
      },
      /is a character device, not a regular file$/,
    ],
    [
      'a FIFO',
      () => {
        const fifo = join(dir, 'pipe.yaml');
        execFileSync('mkfifo', [fifo]);
        return fifo;
      },
      /is a named pipe \(FIFO\), not a regular file$/,
    ],
    ['a file over the limit', () => sparse('huge.yaml', MAX_CONFIG_BYTES + 1), /is too large \(\d+ bytes; the limit is 64 MiB\)$/],
  ])('refuses %s at once, as FILE:1:1', (_name, make, message) => {
    const file = make();
    // A read that waited on the FIFO or read the sparse file would not return within the test's timeout.
    const r = loadConfig(file);
    expect(r).toEqual({ ok: false, errors: [{ file, line: 1, col: 1, message: expect.stringMatching(message) }] });
  });
});
