// The verbs' names and one-line summaries: what `after-hours --help` prints and each verb's
// module describes itself with. Apart from verbs.ts, which loads the verbs' modules, so that
// a verb's module importing its summary is no cycle.

export const VERB_SUMMARIES = {
  validate: 'check configuration files; prints FILE:LINE:COL: message for every problem',
  check: 'say whether a number is open at an instant, why, what happens to a call, and when that changes',
  start: "run the daemon: take calls from the Stasis app and apply each number's working hours",
  push: 'validate a configuration and make it the running one on every daemon (within a second, no restart); kept as a new version',
  config: 'the pushed configuration versions: list, show, diff, rollback (CONFIG_VERSIONS_KEEP are kept)',
  export: 'export schedules for other programs',
  audit: 'the audit trail: every change (overrides, pushes, rollbacks, tokens) with who, when, from where',
  override: 'open/closed overrides, now or scheduled, seen by every daemon within a second; every change is audited',
  'crm-worker': 'Turn after-hours call events into CRM work (Bitrix24 or a signed webhook)',
  'asterisk-config': 'print the Asterisk (or FreePBX) configuration after-hours needs: ARI user, HTTP server, dialplan',
  sound: 'own recordings for greetings and announcements, stored in Redis and written in the configuration as sound:NAME',
  console: 'the operator console: HTTP API (OpenAPI at /openapi.json) and web page, in its own process',
  token: 'API tokens of the operator console (viewer, operator, admin)',
} as const;

export type Verb = keyof typeof VERB_SUMMARIES;

export const isVerb = (name: string | undefined): name is Verb => name !== undefined && Object.hasOwn(VERB_SUMMARIES, name);
