import { callerMasker } from '../../../src/shared/log';
import { normaliseCaller } from '../../../src/phone/e164';

describe('caller numbers', () => {
  test.each([
    ['+48600100200', 'DE', '+48600100200'],
    ['0048600100200', 'DE', '+48600100200'],
    ['48600100200', 'DE', '+48600100200'], // trunk dropped the +
    ['600100200', 'PL', '+48600100200'], // Polish national, no trunk prefix
    ['030901820', 'DE', '+4930901820'], // German national with trunk prefix 0
  ])('%s read for a %s number is %s', (raw, region, e164) => {
    const r = normaliseCaller(raw, region);
    expect(r.ok && r.e164).toBe(e164);
  });

  test.each([
    ['61 2 9876 5432', '61298765432', 'US', '+61298765432'], // trunk dropped the +, digits grouped
    ['48 600-100-200', '48600100200', 'DE', '+48600100200'],
    ['1 (212) 555-0123', '12125550123', 'PL', '+12125550123'],
    ['0048 600 100 200', '0048600100200', 'DE', '+48600100200'],
    ['00 48 600 100 200', '0048600100200', 'DE', '+48600100200'],
    ['(030) 901-820', '030901820', 'DE', '+4930901820'],
    ['600.100.200', '600100200', 'PL', '+48600100200'],
  ])('%s reads as %s does (separators change nothing): %s', (punctuated, bare, region, e164) => {
    expect(normaliseCaller(punctuated, region)).toEqual(normaliseCaller(bare, region));
    const r = normaliseCaller(punctuated, region);
    expect(r.ok && r.e164).toBe(e164);
  });

  test('digits followed by something else are not bare digits: read in the region only', () => {
    expect(normaliseCaller('61298765432;x', 'US').ok).toBe(false);
    expect(normaliseCaller('61298765432', 'US')).toMatchObject({ ok: true, e164: '+61298765432' });
  });

  test('an unparsable caller is refused, not guessed', () => {
    expect(normaliseCaller('abc', 'PL').ok).toBe(false);
  });

  test('masking keeps the last three digits only', () => {
    expect(callerMasker(true)('+48600100200')).toBe('+********200');
    expect(callerMasker(false)('+48600100200')).toBe('+48600100200');
  });
});
