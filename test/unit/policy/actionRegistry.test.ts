// The action registry is the one list of after-hours actions: the two JSON schemas must
// say what the registry says, and every outcome of every action validates and reads as a
// sentence in both languages (the examples each action gives of its outcomes). A new action
// that is missing anywhere fails here or does not compile (its outcomes are typed by its
// ActionCatalogue entry).

import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ACTIONS, ACTION_NAMES } from '../../../src/actions/registry';
import { validateEvent } from '../../../src/events/validate';
import type { ActionName } from '../../../src/policy/actions';
import { EVENT_TYPE, type AfterHoursEvent, type Language } from '../../../src/policy/callEvent';
import { notificationText } from '../../../src/policy/notificationText';
import { CALLER_HUNG_UP, outcomeText } from '../../../src/actions/outcomes';

const SCHEMAS = resolve(__dirname, '..', '..', '..', 'config', 'schema');
// Schemas are walked by key at any depth; typing every level would repeat the schema itself.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = { [k: string]: any };
const configSchema = JSON.parse(readFileSync(join(SCHEMAS, 'after-hours.schema.json'), 'utf8')) as Json;
const eventSchema = JSON.parse(readFileSync(join(SCHEMAS, 'event.schema.json'), 'utf8')) as Json;

/** The examples of every outcome each action may report (its module's `outcomes`); caller-hung-up is checked for all. */
const samplesOf = (name: ActionName): unknown[] =>
  Object.values(ACTIONS[name].outcomes).flatMap((spec: { examples: readonly unknown[] }) => spec.examples);

function event(action: ActionName, outcome: unknown, language: Language = 'en'): AfterHoursEvent {
  return {
    id: `ev-${action}`,
    type: EVENT_TYPE,
    time: '2026-01-05T19:42:00+01:00',
    did: '+48221234567',
    name: 'Warsaw office',
    timezone: 'Europe/Warsaw',
    caller: '+48600100200',
    reason: 'outside-hours',
    action,
    outcome,
    crm: { lookup: true, unknownCaller: 'lead', queue: [1], notify: 'first', language },
    channel: { id: 'c1', name: 'PJSIP/callers-00000001' },
    linkedid: 'c1',
  } as AfterHoursEvent;
}

/** The notification of an event, with its outcome in its action's words. */
const notification = (e: AfterHoursEvent) => notificationText(e, outcomeText(e.outcome, e.crm.language));

const outcomeKinds = (name: ActionName) => Object.keys(ACTIONS[name].outcomes).sort();

describe('the action registry', () => {
  it('lists every action once, in the order of its entries', () => {
    expect(ACTION_NAMES).toEqual(Object.keys(ACTIONS));
    expect(new Set(ACTION_NAMES).size).toBe(ACTION_NAMES.length);
  });

  describe('config/schema/after-hours.schema.json says what the registry says', () => {
    const afterHours = configSchema.definitions.afterHours as Json;
    it('the action enum', () => {
      expect(afterHours.properties.action.enum).toEqual(ACTION_NAMES);
    });
    it('one settings key per action, and nothing else', () => {
      expect(Object.keys(afterHours.properties)).toEqual(['action', ...ACTION_NAMES]);
    });
    it.each(ACTION_NAMES)("afterHours.%s is the module's configSchema", (name) => {
      expect(afterHours.properties[name]).toEqual(ACTIONS[name].configSchema);
    });
  });

  describe('config/schema/event.schema.json says what the registry says', () => {
    it('the action enum', () => {
      expect(eventSchema.properties.action.enum).toEqual(ACTION_NAMES);
    });
    it.each(ACTION_NAMES)('%s: the outcome kinds its event may carry', (name) => {
      const rules = (eventSchema.allOf as Json[]).filter((r) => r.if.properties.action.const === name);
      expect(rules).toHaveLength(1);
      expect([...rules[0]!.then.properties.outcome.properties.kind.enum].sort()).toEqual([...outcomeKinds(name), 'caller-hung-up'].sort());
    });
    it('no rule for an action the registry does not have', () => {
      expect((eventSchema.allOf as Json[]).map((r) => r.if.properties.action.const).sort()).toEqual([...ACTION_NAMES].sort());
    });
    it("the outcome union has exactly the registry's outcome kinds", () => {
      const kinds = (eventSchema.$defs.outcome.oneOf as Json[])
        .map((r) => eventSchema.$defs[String(r.$ref).split('/').pop()!].properties.kind.const)
        .sort();
      expect(kinds).toEqual([...new Set([...ACTION_NAMES.flatMap(outcomeKinds), 'caller-hung-up'])].sort());
    });
  });

  describe.each(ACTION_NAMES)('%s events', (name) => {
    const samples = [...samplesOf(name), ...CALLER_HUNG_UP.examples];
    it('validate against the event schema, for every outcome it may report', () => {
      for (const outcome of samples) expect(validateEvent(event(name, outcome))).toEqual({ ok: true, event: expect.anything() });
    });
    it("are refused with another action's outcome", () => {
      const foreign = ACTION_NAMES.filter((other) => other !== name).flatMap(samplesOf);
      for (const outcome of foreign) expect(validateEvent(event(name, outcome)).ok).toBe(false);
    });
    it.each(['en', 'pl'] as const)('read as a sentence in %s', (language) => {
      for (const outcome of samples) {
        const text = notification(event(name, outcome, language));
        expect(text).not.toMatch(/undefined|\[object/);
        expect(text.length).toBeGreaterThan(40);
      }
    });
  });

  it('the dialplan outcome says where the call went', () => {
    expect(notification(event('dialplan', ACTIONS.dialplan.outcomes['sent-to-dialplan'].examples[0]))).toContain(
      'Sent to the dialplan: ivr-main, s, 1.',
    );
    expect(notification(event('dialplan', ACTIONS.dialplan.outcomes['sent-to-dialplan'].examples[0], 'pl'))).toContain(
      'Przekazano do planu wybierania: ivr-main, s, 1.',
    );
  });
});
