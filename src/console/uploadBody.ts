import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';

// A raw request body (an uploaded recording) written to a private temp file (a folder of its
// own, mode 0700, the file 0600), at most `limit` bytes. A declared Content-Length over the limit
// is refused before a byte is read; a body that grows past it is refused as soon as it does, and
// reading stops there (the caller answers and closes the connection). The caller removes the
// folder with `discard`, whatever the outcome.

export type ReceivedBody =
  { ok: true; file: string; bytes: number; discard: () => Promise<void> } | { ok: false; reason: 'too-big' | 'cut-off'; bytes: number };

export async function receiveBody(body: Readable, declaredLength: number | undefined, limit: number): Promise<ReceivedBody> {
  if (declaredLength !== undefined && declaredLength > limit) return { ok: false, reason: 'too-big', bytes: declaredLength };
  const dir = await mkdtemp(join(tmpdir(), 'after-hours-upload-'));
  const discard = () => rm(dir, { recursive: true, force: true });
  const file = join(dir, 'upload');
  const out = createWriteStream(file, { flags: 'wx', mode: 0o600 });
  try {
    const bytes = await new Promise<number>((resolve, reject) => {
      let total = 0;
      const stop = (err: Error) => {
        // Stop reading without destroying the request: its socket still carries the answer.
        body.off('data', onData);
        body.off('end', onEnd);
        body.off('error', cutOff);
        body.pause();
        out.destroy();
        reject(err);
      };
      const onData = (chunk: Buffer) => {
        total += chunk.length;
        if (total > limit) return stop(new TooBig(total));
        if (!out.write(chunk)) {
          body.pause();
          out.once('drain', () => body.resume());
        }
      };
      const onEnd = () => out.end(() => resolve(total));
      // The client went away (or the connection broke) before the end of the body.
      const cutOff = () => stop(new CutOff(total));
      out.on('error', stop);
      body.on('data', onData);
      body.on('end', onEnd);
      body.on('error', cutOff);
      body.resume();
    });
    return { ok: true, file, bytes, discard };
  } catch (err) {
    await discard();
    if (err instanceof TooBig) return { ok: false, reason: 'too-big', bytes: err.bytes };
    if (err instanceof CutOff) return { ok: false, reason: 'cut-off', bytes: err.bytes };
    throw err;
  }
}

class CutOff extends Error {
  constructor(readonly bytes: number) {
    super('the body ended early');
  }
}

class TooBig extends Error {
  constructor(readonly bytes: number) {
    super('the body is over the limit');
  }
}
