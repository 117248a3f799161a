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

  test('an unparsable caller is refused, not guessed', () => {
    expect(normaliseCaller('abc', 'PL').ok).toBe(false);
  });

  test('masking keeps the last three digits only', () => {
    expect(callerMasker(true)('+48600100200')).toBe('+********200');
    expect(callerMasker(false)('+48600100200')).toBe('+48600100200');
  });
});
