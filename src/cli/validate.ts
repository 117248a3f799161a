import type { Command } from 'commander';
import { formatConfigError, type ConfigError } from '../config/errors';
import { loadConfig } from '../config/load';
import { VERB_SUMMARIES } from './verbSummaries';

export function registerValidateCommand(program: Command): void {
  program
    .command('validate')
    .description(VERB_SUMMARIES['validate'])
    .argument('<files...>', 'YAML configuration files')
    .option(
      '--json',
      'print one JSON object on stdout: {ok, files: [{file, ok, numbers, timeZones, actions} or {file, ok: false, errors: [{file, line, col, message}]}]}',
    )
    .action((files: string[], opts: { json?: boolean }) => {
      if (opts.json) {
        const report = files.map((file) => validateJson(file));
        const ok = report.every((r) => r.ok);
        process.stdout.write(`${JSON.stringify({ ok, files: report })}\n`);
        process.exitCode = ok ? 0 : 1;
        return;
      }
      let failed = false;
      for (const file of files) {
        const result = loadConfig(file);
        if (result.ok) {
          const n = result.config.numbers;
          const zones = new Set(n.map((x) => x.timezone)).size;
          const actions = ['voicemail', 'forward', 'hangup']
            .map((a) => `${n.filter((x) => x.afterHours.action === a).length} ${a}`)
            .join(', ');
          process.stdout.write(
            `${file}: ok, ${n.length} number${n.length === 1 ? '' : 's'} in ${zones} time zone${zones === 1 ? '' : 's'} (${actions})\n`,
          );
        } else {
          failed = true;
          for (const e of result.errors) process.stderr.write(`${formatConfigError(e)}\n`);
          process.stderr.write(`${file}: ${result.errors.length} problem${result.errors.length === 1 ? '' : 's'}\n`);
        }
      }
      process.exitCode = failed ? 1 : 0;
    });
}

export type ValidateJson =
  | { file: string; ok: true; numbers: number; timeZones: number; actions: Record<string, number> }
  | { file: string; ok: false; errors: ConfigError[] };

/** One file's result for `validate --json`. */
export function validateJson(file: string): ValidateJson {
  const result = loadConfig(file);
  if (!result.ok)
    return { file, ok: false, errors: result.errors.map((e) => ({ file: e.file, line: e.line, col: e.col, message: e.message })) };
  const n = result.config.numbers;
  const actions: Record<string, number> = {};
  for (const x of n) actions[x.afterHours.action] = (actions[x.afterHours.action] ?? 0) + 1;
  return { file, ok: true, numbers: n.length, timeZones: new Set(n.map((x) => x.timezone)).size, actions };
}
