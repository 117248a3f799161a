// The verbs: name, one-line summary, and the module that registers it. main.ts loads only the
// module of the verb being run (the summaries alone serve `after-hours --help`), so a verb's
// dependencies (fastify, ioredis, date-holidays, nodemailer…) load only when it runs.
import type { Command } from 'commander';

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

/** Each verb's module, loaded when it runs. */
export const VERB_MODULES: Record<Verb, () => Promise<(program: Command) => void>> = {
  validate: () => import('./validate').then((m) => m.registerValidateCommand),
  check: () => import('./check').then((m) => m.registerCheckCommand),
  start: () => import('./start').then((m) => m.registerStartCommand),
  push: () => import('./push').then((m) => m.registerPushCommand),
  config: () => import('./configCommand').then((m) => m.registerConfigCommand),
  export: () => import('./exportCommand').then((m) => m.registerExportCommand),
  audit: () => import('./auditCommand').then((m) => m.registerAuditCommand),
  override: () => import('./override').then((m) => m.registerOverrideCommand),
  'crm-worker': () => import('./crmWorker').then((m) => m.registerCrmWorkerCommand),
  'asterisk-config': () => import('./asteriskConfig').then((m) => m.registerAsteriskConfigCommand),
  sound: () => import('./sound').then((m) => m.registerSoundCommand),
  console: () => import('./console').then((m) => m.registerConsoleCommand),
  token: () => import('./token').then((m) => m.registerTokenCommand),
};
