import { checkForward, checkForwardCountry, checkForwardRisk, parseAllowedPrefix, type ForwardRules } from '../../../src/phone/tollFraud';

// The toll-fraud guard is safe by default: with no settings, a forward stays in the called
// number's country and never reaches a high-risk range.

const NONE: ForwardRules = { allowCountries: [] };
const WARSAW = '+48221234567';
const NEW_YORK = '+12125550123';

describe('high-risk ranges are refused by default, whatever the called number', () => {
  test.each([
    ['+882 16 1234 5678', /international network \(\+882\)/],
    ['+883 5100 1234 5678', /international network \(\+883\)/],
    ['+870 773 123 456', /Inmarsat satellite \(\+870\)/],
    ['+881 6 1234 5678', /satellite network \(\+881/], // Iridium
    ['+8817 12345678', /satellite network \(\+881/],
    ['+44 70 1234 5678', /personal-numbering/],
    ['+49 700 12345678', /personal-numbering/],
  ])('%s', (target, reason) => {
    for (const did of [WARSAW, NEW_YORK, '+442079460000', '+4930901820']) {
      const r = checkForward(target, did, NONE);
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.error).toMatch(reason);
        expect(r.error).toMatch(/forwarding\.allowNumbers/); // says how to allow it
      }
    }
  });

  test('allowCountries does not open a high-risk range inside an allowed country', () => {
    expect(checkForward('+44 70 1234 5678', WARSAW, { allowCountries: ['GB'] }).ok).toBe(false);
    expect(checkForward('+49 700 12345678', '+4930901820', NONE).ok).toBe(false); // even at home
  });

  test('premium-rate and shared-cost stay refused, even when named in allowNumbers', () => {
    for (const [target, did] of [
      ['+48700123456', WARSAW],
      ['+44 9098 790000', '+442079460000'],
      ['+1 900 555 1234', NEW_YORK],
      ['+48 801 123 456', WARSAW],
    ]) {
      const prefix = `+${target!.replace(/\D/g, '').slice(0, 6)}`;
      expect(checkForward(target!, did!, { allowCountries: [], allowNumbers: [prefix] }).ok).toBe(false);
    }
  });
});

describe('forwards abroad are refused unless allowed', () => {
  test.each([
    ['+49 30 901820', WARSAW, 'DE', 'PL'],
    ['+48 601 234 567', '+4930901820', 'PL', 'DE'],
    ['+44 20 7946 0000', NEW_YORK, 'GB', 'US'],
    ['+1 416 555 0123', NEW_YORK, 'CA', 'US'],
  ])('%s from %s', (target, did, country, home) => {
    const r = checkForward(target, did, NONE);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error).toContain(`is in ${country}, outside the called number's country (${home})`);
      expect(r.error).toContain(`add ${country} to forwarding.allowCountries`);
    }
    expect(checkForward(target, did, { allowCountries: [country] }).ok).toBe(true);
  });

  test('the own country needs no setting, and allowCountries adds to it', () => {
    expect(checkForward('+48 601 234 567', WARSAW, NONE)).toMatchObject({ ok: true, e164: '+48601234567' });
    expect(checkForward('+1 212 555 0199', NEW_YORK, NONE).ok).toBe(true);
    expect(checkForward('+48 601 234 567', WARSAW, { allowCountries: ['DE'] }).ok).toBe(true);
    expect(checkForward('+49 30 901820', WARSAW, { allowCountries: ['DE'] }).ok).toBe(true);
    expect(checkForward('+49 30 901820', WARSAW, { allowCountries: ['CZ'] }).ok).toBe(false);
  });

  test.each(['+1 876 927 1234', '+1 268 464 1234', '+1 809 221 1234', '+1 264 497 1234', '+1 441 295 1234', '+1 649 946 1234'])(
    'the Caribbean NANP number %s dials like +1 but is refused from a US number, saying why',
    (target) => {
      const r = checkForward(target, NEW_YORK, NONE);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error).toMatch(/Caribbean NANP number/);
    },
  );
});

describe('allowNumbers opens a destination on purpose', () => {
  test('a prefix allows a high-risk range and only that range', () => {
    const rules: ForwardRules = { allowCountries: [], allowNumbers: ['+88216'] };
    expect(checkForward('+882 16 1234 5678', WARSAW, rules)).toMatchObject({ ok: true, e164: '+8821612345678' });
    expect(checkForward('+883 5100 1234 5678', WARSAW, rules).ok).toBe(false);
  });
  test('a whole number allows one destination abroad, not its country', () => {
    const rules: ForwardRules = { allowCountries: [], allowNumbers: ['+4930901820'] };
    expect(checkForward('+49 30 901820', WARSAW, rules).ok).toBe(true);
    expect(checkForward('+49 30 901821', WARSAW, rules).ok).toBe(false);
  });
  test('the two halves: the risk of the target alone, and the country of the called number', () => {
    expect(checkForwardRisk('+882 16 1234 5678', NONE).ok).toBe(false);
    expect(checkForwardRisk('+49 30 901820', NONE).ok).toBe(true);
    expect(checkForwardCountry('+49 30 901820', 'PL', NONE).ok).toBe(false);
    expect(checkForwardCountry('+49 30 901820', 'DE', NONE).ok).toBe(true);
    // A target with problems of its own is reported once, by the risk check.
    expect(checkForwardCountry('+882 16 1234 5678', 'PL', NONE).ok).toBe(true);
    expect(checkForwardCountry('+44 9098 790000', 'PL', NONE).ok).toBe(true);
  });
});

describe('allowNumbers entries', () => {
  test.each([
    ['+882 16', '+88216'],
    ['+44 20-7946.0000', '+442079460000'],
    ['+1 (876)', '+1876'],
    [' +1 876 ', '+1876'],
  ])('%j is read as %s', (raw, prefix) => {
    expect(parseAllowedPrefix(raw)).toEqual({ ok: true, prefix });
  });
  test.each([
    ['882 16', /must be an international number or prefix/],
    ['+44', /too short/],
    ['+4 4', /too short/],
    ['+44 (0)20 7946 0000', /leave out the national prefix "\(0\)"/],
    ['+882 16 ext. 5', /must be an international number or prefix/],
    ['+882 16\n', /must be an international number or prefix/],
    ['+1234567890123456', /longer than any phone number/],
    ['+0 123 45', /no country code starts with 0/],
  ])('%j is refused', (raw, reason) => {
    const r = parseAllowedPrefix(raw);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(reason);
  });
});

describe('the refusals say exactly what is allowed', () => {
  test('with allowCountries, the list named is the home country and the allowed ones, once each', () => {
    expect(checkForward('+49 30 901820', WARSAW, { allowCountries: ['CZ', 'PL'] })).toEqual({
      ok: false,
      error: 'forward target "+49 30 901820" is in DE, outside the allowed countries (PL, CZ)',
    });
    expect(checkForwardCountry('+49 30 901820', undefined, { allowCountries: ['CZ'] })).toEqual({
      ok: false,
      error: 'forward target "+49 30 901820" is in DE, outside the allowed countries (CZ)',
    });
  });

  test('a called number of no country is named "none"', () => {
    const r = checkForwardCountry('+49 30 901820', undefined, NONE);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toContain("outside the called number's country (none); forwards abroad are refused by default");
    // A called number that does not parse has no country either: refused, not thrown.
    const f = checkForward('+49 30 901820', 'not a number', NONE);
    expect(f.ok).toBe(false);
    if (!f.ok) expect(f.error).toContain("outside the called number's country (none)");
  });
});

describe('a target refused on two counts is refused for its risk', () => {
  test('a premium-rate number abroad: the premium-rate refusal, not the country one', () => {
    expect(checkForward('+33 8 92 12 34 56', WARSAW, NONE)).toEqual({
      ok: false,
      error: 'forward target "+33 8 92 12 34 56" is a premium-rate number (toll-fraud guard)',
    });
  });

  test('an allowNumbers prefix of 15 digits, the longest a number has, is taken', () => {
    expect(parseAllowedPrefix('+123456789012345')).toEqual({ ok: true, prefix: '+123456789012345' });
  });
});
