// Exit codes of every verb, one meaning each, so a service manager can tell a refused
// configuration (retrying cannot help) from a failure worth a restart. deploy/systemd's units
// list CONFIG in RestartPreventExitStatus=; docs/operations.md "Production" documents the table.
export const EXIT = {
  /** done; also crm-worker when no CRM is configured (nothing to do) */
  OK: 0,
  /** a failure while running (Redis or the network, a crash): worth a restart */
  FAILURE: 1,
  /** what was typed is refused (an unknown option, a missing argument) */
  USAGE: 2,
  /** the configuration file or a setting in the environment is refused (sysexits' EX_CONFIG) */
  CONFIG: 78,
} as const;

export { SettingsError } from '../settings/settingsError';
