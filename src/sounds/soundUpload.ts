import { decodeUpload, DECODE_BOUNDS, type DecodeBounds, type DecodeRefusal } from './soundDecoder';
import { prepareSound } from './soundPcm';

// An uploaded recording → the WAV that is stored: decoded within bounds, then trimmed and
// normalised. A refusal says what is wrong with the file; nothing has been stored.

export type SoundRefusal = DecodeRefusal | 'too-long' | 'silence';

export type ConvertedSound =
  | { ok: true; wav: Buffer; wav16?: Buffer; durationMs: number; trimmedMs: number; gainDb: number; sourceBytes: number }
  | { ok: false; reason: SoundRefusal; error: string };

export async function convertUpload(file: string, bounds: DecodeBounds = DECODE_BOUNDS): Promise<ConvertedSound> {
  const decoded = await decodeUpload(file, bounds);
  if (!decoded.ok) return decoded;
  const prepared = prepareSound(decoded.pcm, decoded.pcm16);
  if (!prepared.ok) return prepared;
  return { ...prepared, sourceBytes: decoded.sourceBytes };
}
