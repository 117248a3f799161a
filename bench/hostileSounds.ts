// Hostile uploads for `after-hours sound add`: `npm run build && node dist/bench/hostileSounds.js`.
//
// Each case runs convertUpload (stat, bounded ffmpeg, trim and loudness) in a fresh child
// process under GNU time, which reports the wall time and the peak RSS of the largest process
// of the case (node or the ffmpeg it started). Cases: an honest 5-minute 48 kHz stereo WAV
// (the longest accepted), 10 hours of silence as FLAC (small on disk, decoding stops at the
// length limit), 310 s of tone, 4 s of silence, a text file, an empty file, 256 MiB of random
// bytes (the size limit, not audio), a corrupt MP3 and a 2 GB sparse file (refused from stat).

import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { convertUpload } from '../src/sounds/soundUpload';

async function child(file: string): Promise<void> {
  const t0 = performance.now();
  const r = await convertUpload(file);
  const ms = performance.now() - t0;
  process.stdout.write(`${JSON.stringify({ ms, result: r.ok ? `stored ${r.durationMs} ms` : `${r.reason}: ${r.error.slice(0, 90)}` })}\n`);
}

function ffmpeg(args: string[]): void {
  execFileSync('ffmpeg', ['-v', 'error', '-y', ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
}

function build(dir: string): Array<[string, string]> {
  const f = (n: string) => join(dir, n);
  ffmpeg(['-f', 'lavfi', '-i', 'sine=frequency=440:duration=299:sample_rate=48000', '-ac', '2', f('honest-5min-48k-stereo.wav')]);
  ffmpeg(['-f', 'lavfi', '-i', 'anullsrc=r=8000:cl=mono', '-t', '36000', f('silence-10h.flac')]);
  ffmpeg(['-f', 'lavfi', '-i', 'sine=frequency=440:duration=310:sample_rate=8000', f('too-long-310s.wav')]);
  ffmpeg(['-f', 'lavfi', '-i', 'anullsrc=r=44100:cl=stereo', '-t', '4', f('silence-4s.wav')]);
  writeFileSync(f('text.mp3'), 'not a recording\n'.repeat(1000));
  writeFileSync(f('empty.wav'), '');
  const rnd = openSync(f('random-256MiB.mp3'), 'w');
  const block = Buffer.alloc(1 << 20);
  for (let i = 0; i < 256; i++) {
    for (let j = 0; j < block.length; j += 4) block.writeUInt32LE((Math.random() * 0xffffffff) >>> 0, j);
    writeSync(rnd, block);
  }
  closeSync(rnd);
  ffmpeg(['-f', 'lavfi', '-i', 'sine=frequency=440:duration=3', f('good.mp3')]);
  const garbage = Buffer.alloc(60_000);
  for (let i = 0; i < garbage.length; i++) garbage[i] = (i * 7919 + 13) % 251;
  writeFileSync(f('corrupt.mp3'), Buffer.concat([readFileSync(f('good.mp3')).subarray(0, 4000), garbage]));
  execFileSync('truncate', ['-s', '2G', f('sparse-2GB.wav')]);
  return [
    ['5-min 48 kHz stereo WAV (55 MB, accepted)', f('honest-5min-48k-stereo.wav')],
    ['10 h of silence as FLAC', f('silence-10h.flac')],
    ['310 s of tone (too long)', f('too-long-310s.wav')],
    ['4 s of silence', f('silence-4s.wav')],
    ['text named .mp3', f('text.mp3')],
    ['empty', f('empty.wav')],
    ['256 MiB of random bytes', f('random-256MiB.mp3')],
    ['corrupt MP3', f('corrupt.mp3')],
    ['2 GB sparse file', f('sparse-2GB.wav')],
  ];
}

function main(): void {
  const dir = mkdtempSync(join(tmpdir(), 'ah-bench-sounds-'));
  try {
    const cases = build(dir);
    console.log('| Upload | Result | Time | Peak RSS (largest process) |\n|---|---|---|---|');
    for (const [label, file] of cases) {
      const r = spawnSync('/usr/bin/time', ['-f', 'RSS %M', process.execPath, __filename, '--case', file], { encoding: 'utf8' });
      const line = r.stdout.trim().split('\n').pop() ?? '{}';
      const out = JSON.parse(line) as { ms?: number; result?: string };
      const rss = /RSS (\d+)/.exec(r.stderr)?.[1];
      console.log(
        `| ${label} | ${out.result ?? r.stderr.trim()} | ${Math.round(out.ms ?? NaN)} ms | ${rss ? `${Math.round(Number(rss) / 1024)} MB` : '?'} |`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const i = process.argv.indexOf('--case');
if (i > 0) void child(process.argv[i + 1]!);
else main();
