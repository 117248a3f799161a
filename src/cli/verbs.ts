// The verbs: name, one-line summary, and the module that registers it. main.ts loads only the
// module of the verb being run (the summaries alone serve `after-hours --help`), so a verb's
// dependencies (fastify, ioredis, date-holidays, nodemailer…) load only when it runs.
import type { Command } from 'commander';

import type { Verb } from './verbSummaries';

export { isVerb, VERB_SUMMARIES, type Verb } from './verbSummaries';

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
