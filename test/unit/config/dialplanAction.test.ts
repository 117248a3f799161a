// The `dialplan` action as the loader reads it: a context (required), an extension (the
// dialled number when absent) and a priority (1), inherited from defaults like the others.
import { formatConfigError } from '../../../src/config/errors';
import { loadConfigText } from '../../../src/config/load';
import { dispositionFor } from '../../../src/policy/afterHours';

const HEAD = 'defaults:\n  region: PL\n  timezone: Europe/Warsaw\n  hours: "09:00-17:00"\n';

function load(text: string) {
  const r = loadConfigText('test.yaml', text, { now: Date.UTC(2026, 5, 1) });
  return r.ok ? { ok: true as const, config: r.config } : { ok: false as const, errors: r.errors.map(formatConfigError) };
}

describe('afterHours.dialplan', () => {
  it('a context is enough: priority 1, the dialled number as extension', () => {
    const r = load(HEAD + 'numbers:\n  - did: "+48 22 123 45 67"\n    afterHours: { action: dialplan, dialplan: { context: ivr-main } }\n');
    expect(r.ok && r.config.numbers[0]!.afterHours).toMatchObject({ action: 'dialplan', dialplan: { context: 'ivr-main', priority: 1 } });
    expect(r.ok && r.config.numbers[0]!.afterHours.dialplan?.extension).toBeUndefined();
  });

  it('extension and priority as written; a numeric extension is read as text', () => {
    const r = load(
      HEAD +
        'numbers:\n  - did: "+48 22 123 45 67"\n    afterHours: { action: dialplan, dialplan: { context: ext-queues, extension: 400, priority: 3 } }\n',
    );
    expect(r.ok && r.config.numbers[0]!.afterHours.dialplan).toEqual({ context: 'ext-queues', extension: '400', priority: 3 });
  });

  it('inherited from defaults, a number overrides one key', () => {
    const text =
      HEAD +
      '  afterHours: { action: dialplan, dialplan: { context: on-call, extension: s } }\nnumbers:\n  - did: "+48 22 123 45 67"\n  - did: "+48 22 123 45 68"\n    afterHours: { dialplan: { context: ivr-pl } }\n';
    const r = load(text);
    expect(r.ok && r.config.numbers.map((n) => n.afterHours.dialplan)).toEqual([
      { context: 'on-call', extension: 's', priority: 1 },
      { context: 'ivr-pl', extension: 's', priority: 1 },
    ]);
  });

  it('a closed call is planned for the dialplan with its settings', () => {
    const r = load(HEAD + 'numbers:\n  - did: "+48 22 123 45 67"\n    afterHours: { action: dialplan, dialplan: { context: ivr-main } }\n');
    expect(r.ok && dispositionFor({ open: false, reason: 'outside-hours' }, r.config.numbers[0]!.afterHours)).toMatchObject({
      kind: 'dialplan',
      dialplan: { context: 'ivr-main' },
    });
  });

  it('the action without a context: where it was chosen, with what it needs', () => {
    expect(load(HEAD + 'numbers:\n  - did: "+48 22 123 45 67"\n    afterHours:\n      action: dialplan\n').errors).toEqual([
      'test.yaml:8:15: action "dialplan" needs afterHours.dialplan.context (a dialplan context, e.g. ivr-main)',
    ]);
    expect(load(HEAD + '  afterHours: { action: dialplan }\nnumbers:\n  - did: "+48 22 123 45 67"\n').errors).toEqual([
      'test.yaml:7:10: the after-hours action "dialplan" from defaults needs afterHours.dialplan.context on this number or in defaults',
    ]);
  });

  it('a context or extension Asterisk cannot take is refused by the schema, at its position', () => {
    const bad = load(
      HEAD +
        'numbers:\n  - did: "+48 22 123 45 67"\n    afterHours: { action: dialplan, dialplan: { context: "ivr main,1", extension: "1(2)" } }\n',
    );
    expect(bad.ok).toBe(false);
    expect(bad.errors).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^test\.yaml:7:\d+: .*context/),
        expect.stringMatching(/^test\.yaml:7:\d+: .*extension/),
      ]),
    );
  });
});
