import type { Command } from 'commander';
import { isVerb, VERB_MODULES, VERB_SUMMARIES, type Verb } from './verbs';

/**
 * Registers the verb `argv` runs (its module loaded now, with its options and help), or, when
 * it names none (`--help`, `--version`, a mistyped verb), every verb by its summary alone: the
 * top-level help lists them and commander refuses an unknown one, without loading any verb's
 * dependencies. `help VERB` loads that verb.
 */
export async function registerCommands(program: Command, argv: readonly string[]): Promise<void> {
  const words = argv.filter((a) => !a.startsWith('-'));
  const named = words[0] === 'help' ? words[1] : words[0];
  if (isVerb(named)) {
    (await VERB_MODULES[named]())(program);
    return;
  }
  for (const verb of Object.keys(VERB_SUMMARIES) as Verb[]) program.command(verb).description(VERB_SUMMARIES[verb]);
}

/** Every verb, registered in full (the tests and the docs read their options). */
export async function registerAllCommands(program: Command): Promise<void> {
  for (const verb of Object.keys(VERB_MODULES) as Verb[]) (await VERB_MODULES[verb]())(program);
}
