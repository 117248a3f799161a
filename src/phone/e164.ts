import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';

// The one phone-number normaliser. `max` metadata: the default `min` set cannot tell
// premium-rate numbers apart, and the toll-fraud guard depends on that.

export type PhoneResult = { ok: true; e164: string; country?: string } | { ok: false; error: string };

/** A DID or caller number in any format libphonenumber-js parses, to E.164. */
export function normaliseNumber(raw: string, defaultRegion?: string): PhoneResult {
  const text = raw.trim();
  if (text === '') return { ok: false, error: 'empty phone number' };
  const parsed = parsePhoneNumberFromString(text, defaultRegion as CountryCode | undefined);
  if (!parsed) return { ok: false, error: `"${raw}" is not a phone number` };
  if (!parsed.isValid()) return { ok: false, error: `"${raw}" is not a valid phone number${parsed.country ? ` for ${parsed.country}` : ''}` };
  return { ok: true, e164: parsed.number, country: parsed.country };
}

/**
 * A forward target: international format only, valid, never premium-rate, and inside the
 * country allow-list when one is set. The same check runs at validation and at call time.
 */
export function checkForwardTarget(raw: string, allowCountries: readonly string[]): PhoneResult {
  const text = raw.trim();
  if (!text.startsWith('+')) return { ok: false, error: `forward target "${raw}" must be in international format (+country code)` };
  const parsed = parsePhoneNumberFromString(text);
  if (!parsed || !parsed.isValid()) return { ok: false, error: `forward target "${raw}" is not a valid phone number` };
  const type = parsed.getType();
  if (type === 'PREMIUM_RATE' || type === 'SHARED_COST') {
    return { ok: false, error: `forward target "${raw}" is a ${type === 'PREMIUM_RATE' ? 'premium-rate' : 'shared-cost'} number (toll-fraud guard)` };
  }
  if (allowCountries.length > 0 && (!parsed.country || !allowCountries.includes(parsed.country))) {
    return { ok: false, error: `forward target "${raw}" is in ${parsed.country ?? 'an unknown country'}, outside the allowed countries (${allowCountries.join(', ')})` };
  }
  return { ok: true, e164: parsed.number, country: parsed.country };
}

/**
 * A caller number as trunks send it: E.164, `00`-international, national with a trunk
 * prefix (`0…`), or digits without any prefix. Bare digits are read as international when
 * that gives a valid number (trunks often drop the `+`), else as national in `region`.
 */
export function normaliseCaller(raw: string, region?: string): PhoneResult {
  const text = raw.trim();
  if (/^00\d/.test(text)) return normaliseNumber(`+${text.slice(2)}`);
  if (/^[1-9]\d{6,}$/.test(text)) {
    const intl = normaliseNumber(`+${text}`);
    if (intl.ok) return intl;
  }
  return normaliseNumber(text, region);
}
