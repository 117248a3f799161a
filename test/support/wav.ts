// PCM WAV in memory for tests: a tone of a given length, and the length a WAV's header says.

/** 16-bit mono PCM WAV, a 440 Hz tone of `seconds` at `rate` Hz. */
export function toneWav(seconds: number, rate = 8000): Buffer {
  const samples = Math.round(seconds * rate);
  const b = Buffer.alloc(44 + samples * 2);
  b.write('RIFF', 0, 'ascii');
  b.writeUInt32LE(36 + samples * 2, 4);
  b.write('WAVEfmt ', 8, 'ascii');
  b.writeUInt32LE(16, 16);
  b.writeUInt16LE(1, 20); // PCM
  b.writeUInt16LE(1, 22); // mono
  b.writeUInt32LE(rate, 24);
  b.writeUInt32LE(rate * 2, 28); // byte rate
  b.writeUInt16LE(2, 32);
  b.writeUInt16LE(16, 34);
  b.write('data', 36, 'ascii');
  b.writeUInt32LE(samples * 2, 40);
  for (let i = 0; i < samples; i++) b.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / rate)), 44 + i * 2);
  return b;
}

/** The format and length of a PCM WAV, from its header: the data chunk's size over the byte rate. */
export function wavInfo(b: Buffer): { channels: number; rate: number; bits: number; seconds: number } {
  if (b.toString('ascii', 0, 4) !== 'RIFF' || b.toString('ascii', 8, 12) !== 'WAVE') throw new Error('not a RIFF/WAVE file');
  let fmt: { channels: number; rate: number; bits: number; byteRate: number } | undefined;
  let off = 12;
  while (off + 8 <= b.length) {
    const id = b.toString('ascii', off, off + 4);
    const size = b.readUInt32LE(off + 4);
    if (id === 'fmt ')
      fmt = {
        channels: b.readUInt16LE(off + 10),
        rate: b.readUInt32LE(off + 12),
        byteRate: b.readUInt32LE(off + 16),
        bits: b.readUInt16LE(off + 22),
      };
    if (id === 'data') {
      if (!fmt) throw new Error('data chunk before fmt chunk');
      return { channels: fmt.channels, rate: fmt.rate, bits: fmt.bits, seconds: size / fmt.byteRate };
    }
    off += 8 + size + (size % 2);
  }
  throw new Error('no data chunk');
}
