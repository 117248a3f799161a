// The shipped sounds, one set per language (sounds/<language>/, made from sounds/texts.tsv by
// scripts/make-sounds): the voicemail greeting, and the closed announcement a hangup plays
// when it says `announcement: default`. Which file a call gets is chosen here; pure but for
// the package root the caller passes in.
import { join } from 'node:path';
import type { Language } from '../policy/callEvent';

export type DefaultSoundKind = 'greeting' | 'closed';

/** Written as a greeting or an announcement: the shipped sound in the number's language. */
export const DEFAULT_SOUND = 'default';

const KINDS: readonly DefaultSoundKind[] = ['greeting', 'closed'];
const LANGUAGES: Readonly<Record<Language, true>> = { en: true, pl: true };

/** sounds/<language>/<kind>.wav under the package root. */
export function defaultSoundFile(root: string, kind: DefaultSoundKind, language: Language): string {
  return join(root, 'sounds', language, `${kind}.wav`);
}

/** Every shipped sound, for a daemon that serves its sounds to a remote Asterisk. */
export function allDefaultSounds(root: string): string[] {
  return (Object.keys(LANGUAGES) as Language[]).flatMap((language) => KINDS.map((kind) => defaultSoundFile(root, kind, language)));
}

/**
 * What a call plays for a greeting or an announcement setting: the number's own file as
 * written, or, for none (a greeting) or `default`, the shipped one in the number's language.
 * `undefined` (an announcement not written) plays nothing.
 */
export function chooseSound(
  written: string | undefined,
  kind: DefaultSoundKind,
  language: Language,
  shipped: (kind: DefaultSoundKind, language: Language) => string,
): string | undefined {
  if (written === DEFAULT_SOUND || (written === undefined && kind === 'greeting')) return shipped(kind, language);
  return written;
}
