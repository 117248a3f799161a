// The day/night key's dialled digits and its cycle, without Asterisk (the real calls are in
// test/integration/featureCodes.test.ts).
import { nextDayNight, parseDayNight, PROMPTS } from '../../../src/ari/featureCodes';

describe('day/night key', () => {
  it('reads the index, and the PIN after a star', () => {
    expect(parseDayNight('1')).toEqual({ index: 1 });
    expect(parseDayNight('12*4711')).toEqual({ index: 12, pin: '4711' });
    for (const bad of ['', '*', '1*', '*4711', '1#', 'a', '1*2*3', '123456']) expect(parseDayNight(bad)).toBeUndefined();
  });

  it('cycles auto → closed → open → auto', () => {
    expect(nextDayNight('auto')).toBe('closed');
    expect(nextDayNight('closed')).toBe('open');
    expect(nextDayNight('open')).toBe('auto');
  });

  it('says the number and its new state with core sounds', () => {
    expect(PROMPTS.confirm(3, 'closed')).toEqual([
      'sound:telephone-number',
      'digits:3',
      'sound:is-set-to',
      'sound:disabled',
      'sound:goodbye',
    ]);
    expect(PROMPTS.confirm(3, 'open')).toContain('sound:enabled');
    expect(PROMPTS.confirm(3, 'auto')).toContain('sound:cancelled');
  });
});
