import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Redis } from 'ioredis';

// Every Lua script after-hours runs, kept as a file in src/store/lua/ and defined on each
// client as a command with ioredis' defineCommand (EVALSHA, and EVAL once after a restart
// or SCRIPT FLUSH, as BullMQ does). Multi-key work that must be atomic goes here.

/** Script name (the file src/store/lua/NAME.lua) → how many of its arguments are keys. */
const SCRIPTS = {
  /** SET NX on the event id and XADD in one step: an event re-sent after an outage is written once. */
  eventAppend: 2,
  /** A new config version: INCR, SET with its header, PUBLISH, the version record kept (and trimmed), its audit entry. */
  configPush: 6,
  /** One DID's overrides replaced if they are still what the caller read (compare-and-set), announced and audited. */
  overrideReplace: 3,
  /** One audit entry, trimmed to the retention. */
  auditAppend: 1,
  /** XADD to the dead letters and XACK in the events stream in one step. */
  deadLetterMove: 3,
  /** One dead letter back on the events stream and out of the dead letters. */
  deadLetterRetry: 2,
  /** The same move, batched, for the dead letters up to an id. */
  deadLetterRetryUpTo: 2,
  /** The CRM workers' shared token bucket, on Redis' clock. */
  rateReserve: 1,
  /** DEL a lock only when the caller still holds it. */
  lockRelease: 1,
  /** Marks an event's CRM work done, XACKs it and releases its lock. */
  crmComplete: 4,
  /** One failed console authentication from an address: INCR, the window's expiry and the comparison in one step. */
  authFailure: 1,
  /** A reserved login try that succeeded, given back. */
  authTryReturn: 1,
} as const satisfies Record<string, number>;

export type LuaScript = keyof typeof SCRIPTS;

/** Scripts that use a library from src/store/lua/lib/ (prepended to the script's text). */
const LIBS: Partial<Record<LuaScript, readonly string[]>> = {
  configPush: ['audit'],
  overrideReplace: ['audit'],
  auditAppend: ['audit'],
};

type Command = (...keysAndArgs: Array<string | number>) => Promise<unknown>;

const sources = new Map<LuaScript, string>();
const defined = new WeakSet<Redis>();

function source(name: LuaScript): string {
  let lua = sources.get(name);
  if (lua === undefined) {
    // Beside this module: src/store/lua under jest, dist/src/store/lua once built (scripts/postbuild.js copies them).
    const libs = (LIBS[name] ?? []).map((lib) => readFileSync(join(__dirname, 'lua', 'lib', `${lib}.lua`), 'utf8'));
    lua = [...libs, readFileSync(join(__dirname, 'lua', `${name}.lua`), 'utf8')].join('\n');
    sources.set(name, lua);
  }
  return lua;
}

/** Runs a script on this client (defining every script on it the first time). */
export function runLua(redis: Redis, name: LuaScript, keys: readonly string[], args: ReadonlyArray<string | number>): Promise<unknown> {
  if (keys.length !== SCRIPTS[name]) throw new Error(`Lua script ${name} takes ${SCRIPTS[name]} keys, got ${keys.length}`);
  if (!defined.has(redis)) {
    for (const script of Object.keys(SCRIPTS) as LuaScript[])
      redis.defineCommand(script, { numberOfKeys: SCRIPTS[script], lua: source(script) });
    defined.add(redis);
  }
  return (redis as unknown as Record<LuaScript, Command>)[name](...keys, ...args);
}
