// Examples at the end of a verb's --help (`after-hours VERB --help`), added by commands.ts to
// the verb it registers. asterisk-config has its own. ENV is the service's environment file.
import type { Verb } from './verbs';

const ENV = '/etc/after-hours/after-hours.env';

export const VERB_EXAMPLES: Partial<Record<Verb, string[]>> = {
  validate: [
    'after-hours validate /etc/after-hours/after-hours.yaml',
    'after-hours validate --json a.yaml b.yaml   # one JSON object: each file, ok or its problems',
  ],
  check: [
    'after-hours check --config after-hours.yaml --did "+48 22 123 45 67"',
    'after-hours check --config after-hours.yaml --did 221234567 --at 2026-12-24T18:00 --caller +48601000000 --json',
    `sudo after-hours --env-file ${ENV} check --config /etc/after-hours/after-hours.yaml --did 221234567 --overrides`,
  ],
  start: [`after-hours --env-file ${ENV} start --config /etc/after-hours/after-hours.yaml   # as the service runs it`],
  push: [`sudo after-hours --env-file ${ENV} push --config after-hours.yaml --note "Christmas hours"`],
  config: [
    `sudo after-hours --env-file ${ENV} config versions`,
    `sudo after-hours --env-file ${ENV} config rollback 12 --note "undo Christmas hours"`,
  ],
  override: [
    `sudo after-hours --env-file ${ENV} override set --did 221234567 --state closed --for 2h --note "fire drill"`,
    `sudo after-hours --env-file ${ENV} override list`,
    `sudo after-hours --env-file ${ENV} override clear --did 221234567`,
  ],
  'crm-worker': [
    `after-hours --env-file ${ENV} crm-worker --config /etc/after-hours/after-hours.yaml`,
    `sudo after-hours --env-file ${ENV} crm-worker dead list`,
  ],
  sound: [
    `sudo after-hours --env-file ${ENV} sound add greeting.mp3 --name xmas-greeting`,
    `sudo after-hours --env-file ${ENV} sound list`,
  ],
  console: [`after-hours --env-file ${ENV} console --config /etc/after-hours/after-hours.yaml`],
  token: [`sudo after-hours --env-file ${ENV} token create --name alice --role operator --expires 90d`],
  audit: [`sudo after-hours --env-file ${ENV} audit list`],
};

/** The text commander prints after a verb's help, or undefined when it has no examples here. */
export function examplesText(verb: Verb): string | undefined {
  const lines = VERB_EXAMPLES[verb];
  return lines ? `\nExamples:\n${lines.map((l) => `  ${l}`).join('\n')}` : undefined;
}
