// The event names the Asterisk a call came in on (asterisk.id, ARI's asterisk_id), so several
// boxes can share one stream; the field is optional (events without it stay valid).
import { parseEvent } from '../../../src/events/validate';
import { makeEvent } from '../crm/fixtures';

const withAsterisk = (asterisk: unknown) => JSON.stringify({ ...makeEvent(), asterisk });

describe('event asterisk.id', () => {
  test('an event with the entity id of its Asterisk is valid, and one without it too', () => {
    const parsed = parseEvent(withAsterisk({ id: '02:00:00:00:13:c4' }));
    expect(parsed.ok && parsed.event.asterisk).toEqual({ id: '02:00:00:00:13:c4' });
    expect(parseEvent(JSON.stringify(makeEvent())).ok).toBe(true);
  });

  test.each([
    ['an empty id', { id: '' }],
    ['no id', {}],
    ['another field', { id: '02:00:00:00:13:c4', name: 'box-a' }],
    ['a string instead of an object', '02:00:00:00:13:c4'],
  ])('%s is refused', (_, asterisk) => {
    const parsed = parseEvent(withAsterisk(asterisk));
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.errors.join('; ')).toMatch(/asterisk/);
  });
});
