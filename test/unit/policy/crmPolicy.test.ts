import type { AfterHoursEvent } from '../../../src/events/types';
import { validateEvent } from '../../../src/events/validate';
import {
  decideCrmActions,
  needsLookup,
  pickRecord,
  type CrmAction,
  type CrmRecord,
  type LookupResult,
} from '../../../src/policy/crmPolicy';
import { formatDuration, notificationText } from '../../../src/policy/notificationText';
import { makeEvent } from '../crm/fixtures';
import { outcomeText } from '../../../src/actions/outcomes';

/** The CRM's actions for an event, its notification saying the outcome in its action's words. */
const decide = (event: AfterHoursEvent, lookup: LookupResult) =>
  decideCrmActions(event, lookup, outcomeText(event.outcome, event.crm.language));

const withQueue = (queue: number[]): AfterHoursEvent => {
  const base = makeEvent();
  return { ...base, crm: { ...base.crm, queue } } as AfterHoursEvent;
};
const kinds = (actions: CrmAction[]): string[] => actions.map((a) => (a.kind === 'notify' ? `notify:${a.userId}` : a.kind));

describe('decideCrmActions', () => {
  it('a blocked caller leaves nothing in the CRM: no look-up, no lead, no notification', () => {
    const blocked = makeEvent({ reason: 'caller-blocked', action: 'hangup', outcome: { kind: 'rejected', cause: 'rejected' } });
    expect(needsLookup(blocked)).toBe(false);
    expect(decide(blocked, { kind: 'not-found' })).toEqual([]);
    expect(decide(blocked, { kind: 'skipped' })).toEqual([]);
    // The same call, not blocked, is a missed call the queue hears about.
    const missed = makeEvent({ action: 'hangup', outcome: { kind: 'rejected', cause: 'rejected' } });
    expect(decide(missed, { kind: 'not-found' }).length).toBeGreaterThan(0);
  });

  const contact: CrmRecord = { type: 'CONTACT', id: 7, responsibleUserId: 42 };
  type Row = [string, Partial<AfterHoursEvent> & { crmPatch?: Partial<AfterHoursEvent['crm']> }, LookupResult, string[]];
  const rows: Row[] = [
    ['look-up off: notify the first queue user', { crmPatch: { lookup: false } }, { kind: 'skipped' }, ['notify:11']],
    [
      'look-up off, notify all: every queue user',
      { crmPatch: { lookup: false, notify: 'all' } },
      { kind: 'skipped' },
      ['notify:11', 'notify:12', 'notify:13'],
    ],
    // A CRM that cannot look up (the webhook adapter) answers skipped: no lead either.
    ['look-up on, but skipped by the CRM: notify only', {}, { kind: 'skipped' }, ['notify:11']],
    [
      'found: register on the record, attach voicemail, notify its responsible user',
      {},
      { kind: 'found', matches: [contact] },
      ['register-call', 'attach-recording', 'notify:42'],
    ],
    [
      'found, notify all: still only the responsible user',
      { crmPatch: { notify: 'all' } },
      { kind: 'found', matches: [contact] },
      ['register-call', 'attach-recording', 'notify:42'],
    ],
    [
      'found without a responsible user: first queue user',
      {},
      { kind: 'found', matches: [{ type: 'LEAD', id: 3 }] },
      ['register-call', 'attach-recording', 'notify:11'],
    ],
    [
      'not found, lead: create a lead with the call, notify the queue user',
      {},
      { kind: 'not-found' },
      ['register-call', 'attach-recording', 'notify:11'],
    ],
    [
      'not found, lead, notify all',
      { crmPatch: { notify: 'all' } },
      { kind: 'not-found' },
      ['register-call', 'attach-recording', 'notify:11', 'notify:12', 'notify:13'],
    ],
    ['not found, offer: notify only, no record', { crmPatch: { unknownCaller: 'offer' } }, { kind: 'not-found' }, ['notify:11']],
    [
      'not found, offer, notify all',
      { crmPatch: { unknownCaller: 'offer', notify: 'all' } },
      { kind: 'not-found' },
      ['notify:11', 'notify:12', 'notify:13'],
    ],
    ['anonymous: no record even if a look-up result is passed', { caller: 'anonymous' }, { kind: 'not-found' }, ['notify:11']],
    ['empty queue, not found: nobody to tell', { crmPatch: { queue: [] } }, { kind: 'not-found' }, []],
  ];

  it.each(rows)('%s', (_name, patch, lookup, expected) => {
    const { crmPatch, ...rest } = patch;
    const base = makeEvent();
    const event = { ...base, ...rest, crm: { ...base.crm, ...crmPatch } } as AfterHoursEvent;
    expect(validateEvent(event).ok).toBe(true);
    expect(kinds(decide(event, lookup))).toEqual(expected);
  });

  it('attaches a found call to the record and creates no lead', () => {
    const [register] = decide(makeEvent(), { kind: 'found', matches: [contact] });
    expect(register).toMatchObject({
      kind: 'register-call',
      userId: 42,
      attachTo: { type: 'CONTACT', id: 7 },
      createLead: false,
      status: 'missed',
      // A voicemail is not talk time: Bitrix24 would count the call as a conversation.
      durationSeconds: 0,
    });
  });

  it('hands the call to the queue users in order when the responsible user cannot take it', () => {
    const [register, , notify] = decide(withQueue([11, 42, 12, 11]), { kind: 'found', matches: [contact] });
    expect(register).toMatchObject({ userId: 42, fallbackUserIds: [11, 12] });
    expect(notify).toMatchObject({ kind: 'notify', userId: 42, followsCall: true });
    const [lead] = decide(withQueue([11, 12, 13]), { kind: 'not-found' });
    expect(lead).toMatchObject({ userId: 11, fallbackUserIds: [12, 13] });
  });

  it("sends the number's lead source with a lead, and none when it names none", () => {
    const base = makeEvent();
    const withSource = { ...base, crm: { ...base.crm, source: 'CALLBACK' } } as AfterHoursEvent;
    expect(decide(withSource, { kind: 'not-found' })[0]).toMatchObject({ createLead: true, source: 'CALLBACK' });
    expect(decide(base, { kind: 'not-found' })[0]).not.toHaveProperty('source');
    // Attaching to a known record creates no lead: no source either.
    expect(decide(withSource, { kind: 'found', matches: [contact] })[0]).not.toHaveProperty('source');
  });

  it('creates a lead for an unknown caller under the first queue user', () => {
    const [register] = decide(makeEvent(), { kind: 'not-found' });
    expect(register).toMatchObject({ kind: 'register-call', userId: 11, createLead: true, phone: '+48600100200', line: '+48221002030' });
    expect(register).not.toHaveProperty('attachTo');
  });

  it('marks an answered forward as answered with its talk time, and attaches no recording', () => {
    const event = makeEvent({ action: 'forward', outcome: { kind: 'forwarded', to: '+48501000000', answered: true, durationSeconds: 30 } });
    const actions = decide(event, { kind: 'not-found' });
    expect(actions[0]).toMatchObject({ status: 'answered', durationSeconds: 30 });
    expect(kinds(actions)).not.toContain('attach-recording');
  });

  it('attaches the fallback voicemail of an unanswered forward', () => {
    const event = makeEvent({
      action: 'forward',
      outcome: {
        kind: 'forwarded',
        to: '+48501000000',
        answered: false,
        fallback: { kind: 'recorded', recording: { name: 'vm-2', format: 'wav' }, durationSeconds: 9 },
      },
    });
    const actions = decide(event, { kind: 'not-found' });
    expect(actions).toContainEqual({ kind: 'attach-recording', recording: { name: 'vm-2', format: 'wav' }, durationSeconds: 9 });
    expect(actions[0]).toMatchObject({ status: 'missed', durationSeconds: 0 });
  });

  it('tags every notification with the event id, so a redelivery replaces it', () => {
    const actions = decide(makeEvent({ id: 'ev-77' }), { kind: 'not-found' });
    const tags = actions.flatMap((a) => (a.kind === 'notify' ? [a.tag] : []));
    expect(tags).toEqual(['after-hours:ev-77']);
  });

  it('needs a look-up only when enabled and the caller is known', () => {
    expect(needsLookup(makeEvent())).toBe(true);
    expect(needsLookup(makeEvent({ caller: 'anonymous' }))).toBe(false);
    const off = makeEvent();
    expect(needsLookup({ ...off, crm: { ...off.crm, lookup: false } })).toBe(false);
  });
});

describe('pickRecord: contact before company before lead, then the lowest id', () => {
  const c = (type: CrmRecord['type'], id: number): CrmRecord => ({ type, id, responsibleUserId: id * 10 });
  it.each<[string, CrmRecord[], CrmRecord | undefined]>([
    ['nothing', [], undefined],
    ['one', [c('LEAD', 5)], c('LEAD', 5)],
    ['contact beats company and lead', [c('LEAD', 1), c('COMPANY', 2), c('CONTACT', 9)], c('CONTACT', 9)],
    ['company beats lead', [c('LEAD', 1), c('COMPANY', 30)], c('COMPANY', 30)],
    ['lowest id among contacts', [c('CONTACT', 12), c('CONTACT', 4), c('CONTACT', 8)], c('CONTACT', 4)],
    ['a contact before a lead with a lower id', [c('CONTACT', 9), c('LEAD', 1), c('COMPANY', 2)], c('CONTACT', 9)],
  ])('%s', (_name, matches, expected) => {
    expect(pickRecord(matches)).toEqual(expected);
  });

  it('the chosen record decides who is notified', () => {
    const actions = decide(makeEvent(), { kind: 'found', matches: [c('LEAD', 1), c('CONTACT', 12), c('CONTACT', 4)] });
    expect(actions[0]).toMatchObject({ attachTo: { type: 'CONTACT', id: 4 }, userId: 40 });
    expect(kinds(actions)).toContain('notify:40');
  });
});

describe('notificationText', () => {
  // 2025-01-06T18:42Z is 19:42 in Warsaw (CET) and 13:42 in New York.
  const event = makeEvent({ time: '2025-01-06T18:42:00Z' });

  it.each<[string, AfterHoursEvent, string[]]>([
    [
      'English, voicemail',
      event,
      [
        'Missed call from +48600100200',
        'Sales (+48221002030)',
        '2025-01-06 19:42',
        'Europe/Warsaw',
        'outside working hours',
        'voicemail (1 min 12 s)',
      ],
    ],
    [
      'Polish, voicemail',
      { ...event, crm: { ...event.crm, language: 'pl' } },
      [
        'Nieodebrane połączenie od +48600100200',
        'Sales (+48221002030)',
        '06.01.2025 19:42',
        'poza godzinami pracy',
        'wiadomość głosową (1 min 12 s)',
      ],
    ],
    ['another zone', { ...event, timezone: 'America/New_York' }, ['2025-01-06 13:42 (America/New_York)']],
    [
      'holiday, rejected',
      makeEvent({ time: '2025-01-06T18:42:00Z', reason: 'holiday', action: 'hangup', outcome: { kind: 'rejected', cause: 'busy' } }),
      ['a holiday', 'rejected (busy)'],
    ],
    [
      'Polish, day off, forwarded and answered',
      {
        ...makeEvent({ reason: 'day-off', action: 'forward', outcome: { kind: 'forwarded', to: '+48501000000', answered: true } }),
        crm: { ...event.crm, language: 'pl' },
      },
      ['dzień wolny', 'Przekierowano na +48501000000, odebrane'],
    ],
    [
      'forward unanswered then voicemail',
      makeEvent({
        action: 'forward',
        outcome: {
          kind: 'forwarded',
          to: '+48501000000',
          answered: false,
          fallback: { kind: 'recorded', recording: { name: 'x', format: 'wav' }, durationSeconds: 5 },
        },
      }),
      ['Forwarded to +48501000000, not answered.', 'voicemail (5 s)'],
    ],
    [
      'anonymous, override, hung up',
      makeEvent({ caller: 'anonymous', reason: 'override', outcome: { kind: 'caller-hung-up', afterSeconds: 8 } }),
      ['from an anonymous caller', 'closed by an override', 'hung up after 8 s'],
    ],
    ['Polish anonymous', { ...makeEvent({ caller: 'anonymous' }), crm: { ...event.crm, language: 'pl' } }, ['od numeru zastrzeżonego']],
    [
      'forwarded and answered, no duration known',
      makeEvent({ action: 'forward', outcome: { kind: 'forwarded', to: '+48501000000', answered: true } }),
      ['Closed: outside working hours. Forwarded to +48501000000 and answered.'],
    ],
    [
      'forwarded and answered, with the talk time',
      makeEvent({ action: 'forward', outcome: { kind: 'forwarded', to: '+48501000000', answered: true, durationSeconds: 95 } }),
      ['Closed: outside working hours. Forwarded to +48501000000 and answered (1 min 35 s).'],
    ],
    [
      'Polish, hung up',
      { ...makeEvent({ outcome: { kind: 'caller-hung-up', afterSeconds: 65 } }), crm: { ...event.crm, language: 'pl' } },
      ['Dzwoniący rozłączył się po 1 min 5 s.'],
    ],
  ])('%s', (_name, ev, fragments) => {
    expect(validateEvent(ev).ok).toBe(true);
    const text = notificationText(ev, outcomeText(ev.outcome, ev.crm.language));
    for (const f of fragments) expect(text).toContain(f);
    expect(text).toMatch(/\.$/); // ends with a full sentence, nothing after it
  });

  it('names the CRM record when there is one', () => {
    expect(notificationText(event, outcomeText(event.outcome, event.crm.language), { record: { type: 'CONTACT', id: 7 } })).toContain(
      'CRM contact #7',
    );
  });

  it('formats durations', () => {
    expect(formatDuration(0, 'en')).toBe('0 s');
    expect(formatDuration(59.6, 'en')).toBe('1 min 0 s');
    expect(formatDuration(125, 'pl')).toBe('2 min 5 s');
    expect(formatDuration(42, 'pl')).toBe('42 s');
  });
});

describe('the exact actions of each CRM rule', () => {
  const unanswered = makeEvent({ action: 'hangup', outcome: { kind: 'rejected', cause: 'busy' } });
  const withCrm = (e: AfterHoursEvent, crm: Partial<AfterHoursEvent['crm']>) => ({ ...e, crm: { ...e.crm, ...crm } }) as AfterHoursEvent;

  it('a lead, every queue user notified: none of them follows the call; with notify first, the first does', () => {
    const all = decide(withCrm(unanswered, { notify: 'all' }), { kind: 'not-found' });
    expect(all.map((a) => (a.kind === 'notify' ? `${a.userId}:${a.followsCall === true}` : a.kind))).toEqual([
      'register-call',
      '11:false',
      '12:false',
      '13:false',
    ]);
    const first = decide(unanswered, { kind: 'not-found' });
    expect(first.map((a) => (a.kind === 'notify' ? `${a.userId}:${a.followsCall === true}` : a.kind))).toEqual([
      'register-call',
      '11:true',
    ]);
  });

  it('the found record is named in its notification', () => {
    const actions = decide(unanswered, { kind: 'found', matches: [{ type: 'CONTACT', id: 7, responsibleUserId: 42 }] });
    const note = actions.find((a) => a.kind === 'notify');
    expect(note && note.kind === 'notify' ? note.text : '').toContain('CRM contact #7');
  });

  it('a look-up that found nothing usable (no matches) is the not-found rule', () => {
    expect(kinds(decide(unanswered, { kind: 'found', matches: [] }))).toEqual(['register-call', 'notify:11']);
  });

  it('a record without a responsible user and a number without a queue: nobody to give it to, nothing done', () => {
    const noQueue = withCrm(unanswered, { queue: [] });
    expect(decide(noQueue, { kind: 'found', matches: [{ type: 'LEAD', id: 3 }] })).toEqual([]);
  });
});

describe('notification words', () => {
  it('Polish: the record named in Polish; a holiday names itself after the reason', () => {
    const base = makeEvent({ reason: 'holiday', holiday: { name: 'Wigilia' } });
    const pl = { ...base, crm: { ...base.crm, language: 'pl' } } as AfterHoursEvent;
    const text = notificationText(pl, 'x', { record: { type: 'CONTACT', id: 7 } });
    expect(text).toContain('CRM: kontakt #7.');
    expect(text).toMatch(/Powód: [^.]+ \(Wigilia\)\./);
  });
});
