import type { Command } from 'commander';

// Each verb lives in its own module and registers itself here; one line per module.
export function registerCommands(program: Command): void {
  void program;
}
