import type { AfterHoursPolicy } from '../policy/actions';
import type { AppConfig } from '../policy/compiledConfig';

// A sound stored in Redis (`after-hours sound add FILE --name NAME`) is written in the
// configuration as `sound:NAME` wherever a sound file is accepted (a greeting, an
// announcement), and the compiled configuration keeps it in that form. Pure.

export const STORED_SOUND_PREFIX = 'sound:';

const NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;

/** Why `name` cannot name a stored sound, or undefined when it can. */
export function soundNameProblem(name: string): string | undefined {
  if (NAME.test(name)) return undefined;
  return `"${name.slice(0, 80)}" is not a sound name: 1 to 63 of a-z, 0-9, "-" and "_", starting with a letter or digit`;
}

/** The name in a `sound:NAME` reference, or undefined when `value` is a file path. */
export function storedSoundName(value: string): string | undefined {
  return value.startsWith(STORED_SOUND_PREFIX) ? value.slice(STORED_SOUND_PREFIX.length) : undefined;
}

/** Where a policy sound is used, for messages: the number and the setting. */
export interface SoundUse {
  did: string;
  /** e.g. `afterHours.voicemail.greeting`, `holidays[2].afterHours.hangup.announcement`. */
  at: string;
  /** A path on the daemon's disk, or `sound:NAME`. */
  value: string;
}

/** Every sound a configuration may play (the shipped default greeting aside), with where it is set. */
export function soundUses(config: AppConfig): SoundUse[] {
  const uses: SoundUse[] = [];
  const walk = (did: string, policy: AfterHoursPolicy | undefined, at: string) => {
    if (!policy) return;
    for (const [action, settings] of Object.entries(policy)) {
      if (typeof settings !== 'object' || settings === null) continue;
      for (const [key, value] of Object.entries(settings as unknown as Record<string, unknown>))
        if ((key === 'greeting' || key === 'announcement') && typeof value === 'string' && value !== '')
          uses.push({ did, at: `${at}.${action}.${key}`, value });
    }
  };
  for (const n of config.numbers) {
    walk(n.did, n.afterHours, 'afterHours');
    walk(n.did, n.daysOffAfterHours, 'daysOffAfterHours');
    (n.holidayPolicies ?? []).forEach((h, i) => walk(n.did, h?.afterHours, `holidays[${i}].afterHours`));
  }
  return uses;
}

/** The stored sounds a configuration names, each once, in order. */
export function storedSoundNames(config: AppConfig): string[] {
  const names = new Set<string>();
  for (const u of soundUses(config)) {
    const name = storedSoundName(u.value);
    if (name !== undefined) names.add(name);
  }
  return [...names];
}
