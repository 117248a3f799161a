import type { Command } from 'commander';
import { examplesText } from './examples';
import { isVerb, VERB_MODULES, VERB_SUMMARIES, type Verb } from './verbs';

/**
 * Registers the verb `argv` runs (its module loaded now, with its options and help), or, when
 * it names none (`--help`, `--version`, a mistyped verb), every verb by its summary alone: the
 * top-level help lists them and commander refuses an unknown one, without loading any verb's
 * dependencies. `help VERB` loads that verb.
 */
export async function registerCommands(program: Command, argv: readonly string[]): Promise<void> {
  // The program's own options that take a value (--env-file FILE): FILE is not a verb.
  const words = argv.filter((a, i) => !a.startsWith('-') && argv[i - 1] !== '--env-file');
  const named = words[0] === 'help' ? words[1] : words[0];
  if (isVerb(named)) {
    (await VERB_MODULES[named]())(program);
    addExamples(program, named);
    return;
  }
  for (const verb of Object.keys(VERB_SUMMARIES) as Verb[]) program.command(verb).description(VERB_SUMMARIES[verb]);
}

/** Every verb, registered in full (the tests and the docs read their options). */
export async function registerAllCommands(program: Command): Promise<void> {
  for (const verb of Object.keys(VERB_MODULES) as Verb[]) {
    (await VERB_MODULES[verb]())(program);
    addExamples(program, verb);
  }
}

function addExamples(program: Command, verb: Verb): void {
  const text = examplesText(verb);
  if (text !== undefined) program.commands.find((c) => c.name() === verb)?.addHelpText('after', text);
}
