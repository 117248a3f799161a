// after-hours asterisk-config: the snippets an existing Asterisk or FreePBX needs for after-hours
// (an ARI user, the HTTP server, the dialplan that enters Stasis and falls back to normal
// routing when no daemon is connected). Printed, never written: the operator pastes them into
// files this program does not own.
import { randomBytes } from 'node:crypto';
import type { Command } from 'commander';
import { fastPathDialplanVariable, fastPathVariable } from '../ari/openFastPath';
import { loadConfig } from '../config/load';
import { quoted } from '../shared/printable';
import { cliSettings } from '../settings/processes';
import { UsageError } from './usageError';
import { VERB_SUMMARIES } from './verbSummaries';

export const CONFIG_PARTS = ['ari', 'http', 'dialplan', 'freepbx', 'features'] as const;
export type ConfigPart = (typeof CONFIG_PARTS)[number];

export interface AsteriskConfigOptions {
  parts: readonly ConfigPart[];
  /** the Stasis app name (ARI_APP) */
  app: string;
  /** the context inbound calls enter (plain Asterisk) */
  context: string;
  /** where calls go on: normal routing (the daemon's CONTINUE_CONTEXT); plain Asterisk */
  continueContext: string;
  /** the same for FreePBX (a context this output defines) */
  freepbxContinueContext: string;
  ariUser: string;
  ariPassword: string;
  /** http.conf bindaddr and bindport */
  bind: string;
  port: number;
  /** when set, http.conf serves ARI over TLS on bind:tlsPort too */
  tlsPort?: number;
  /** the configured numbers in file order (from --config): one BLF hint each in the features part */
  numbers?: readonly string[];
}

export const DEFAULT_CONTEXT = 'after-hours-inbound';
export const FREEPBX_HOOK_CONTEXT = 'from-pstn-custom';
export const FREEPBX_CONTINUE_CONTEXT = 'after-hours-freepbx-routing';

// Asterisk names (contexts, apps, config sections) are plain words; anything else would need
// quoting rules that differ per file, so it is refused rather than escaped.
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,78}$/;

function checkName(what: string, value: string): string {
  if (!NAME.test(value))
    throw new UsageError(
      `${what} must be letters, digits, "-", "_" or "." (at most 79, not starting with a sign); got ${JSON.stringify(value)}`,
    );
  return value;
}

function checkPassword(value: string): string {
  // ';' starts a comment in Asterisk's config files; white space and control characters
  // would be cut or break the line
  if (!/^[\x21-\x3a\x3c-\x7e]{8,128}$/.test(value))
    throw new UsageError('--ari-password must be 8 to 128 printable ASCII characters without spaces or ";"');
  return value;
}

function checkPort(what: string, value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > 65535)
    throw new UsageError(`${what} must be a port number (1-65535); got ${JSON.stringify(value)}`);
  return n;
}

function checkBind(value: string): string {
  // an IPv4 or IPv6 address, or a host name; the brackets of a URL are not part of bindaddr
  if (!/^[A-Za-z0-9.:-]{1,253}$/.test(value))
    throw new UsageError(`--bind must be an address such as 127.0.0.1, 0.0.0.0 or ::; got ${JSON.stringify(value)}`);
  return value;
}

export function parseParts(value: string): ConfigPart[] {
  const parts = value
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '');
  if (parts.length === 0) throw new UsageError(`--only needs one or more of ${CONFIG_PARTS.join(', ')}`);
  for (const p of parts) {
    if (!(CONFIG_PARTS as readonly string[]).includes(p))
      throw new UsageError(`--only: unknown part ${quoted(p)} (known: ${CONFIG_PARTS.join(', ')})`);
  }
  return [...new Set(parts)] as ConfigPart[];
}

const hostForUrl = (host: string): string => (host.includes(':') ? `[${host}]` : host);
const anyAddress = (host: string): boolean => host === '0.0.0.0' || host === '::' || host === '[::]';

function ariSnippet(o: AsteriskConfigOptions): string {
  return `; ---------------------------------------------------------------- ari.conf
; FreePBX: the [${o.ariUser}] section goes in ari_additional_custom.conf and the two [general]
; settings in ari_general_custom.conf (without the [general] line); then: fwconsole reload
; Elsewhere, if ari.conf already has a [general] section, add the two settings to it.
[general]
enabled = yes
; StasisStart then carries the call's linked id, which after-hours' events record
channelvars = CHANNEL(linkedid)

[${o.ariUser}]
type = user
read_only = no
password_format = plain
; the daemon's and the CRM worker's ARI_PASSWORD (or a file named by ARI_PASSWORD_FILE)
password = ${o.ariPassword}
`;
}

function httpSnippet(o: AsteriskConfigOptions): string {
  const url = anyAddress(o.bind) ? `http://THIS-PBX:${o.port}` : `http://${hostForUrl(o.bind)}:${o.port}`;
  const tls =
    o.tlsPort === undefined
      ? `; ARI over TLS (for a daemon on another host): run again with --tls-port 8089`
      : `; ARI over TLS: a certificate whose subjectAltName names this PBX, readable by Asterisk;
; give the daemon the CA that signed it as ARI_CA_FILE, and ARI_URL=https://${anyAddress(o.bind) ? 'THIS-PBX' : hostForUrl(o.bind)}:${o.tlsPort}
tlsenable = yes
tlsbindaddr = ${hostForUrl(o.bind)}:${o.tlsPort}
tlscertfile = /etc/asterisk/keys/after-hours-ari.pem
tlsprivatekey = /etc/asterisk/keys/after-hours-ari.key`;
  return `; ---------------------------------------------------------------- http.conf
; ARI (REST and the event websocket) is served by Asterisk's HTTP server.
; modules.conf: res_ari.so, res_stasis*.so and res_ari_*.so; for a daemon on another host with
; SOUNDS_BASE_URL also res_curl.so and res_http_media_cache.so (sound:http://... plays
; through Asterisk's media cache); with autoload=no list both: load => res_curl.so, load => res_http_media_cache.so
; FreePBX manages http.conf: put these settings in http_custom.conf (or use FreePBX's own
; HTTP server settings if it already serves ARI) and keep its port.
; The daemon's ARI_URL: ${url}
[general]
enabled = yes
bindaddr = ${o.bind}
bindport = ${o.port}
${tls}
`;
}

/**
 * The fast path in one priority: the global holds exactly 10 digits (epoch seconds, 2001 to
 * 2286) and is later than \${EPOCH} (10 digits too, so comparing them as quoted strings is
 * comparing the numbers, and an empty or hand-edited value is no syntax error). No Set():
 * it would publish a VarSet on every call, and LEN/FILTER instead of REGEX, which compiles its
 * expression on every call. Measured: the plain dialplan's cost within 5 % (BENCHMARKS.md).
 */
export function fastPathCheck(app: string, continueContext: string): string {
  const value = `\${${fastPathDialplanVariable(app)}}`;
  return `GotoIf($[\${LEN(${value})} = 10 & \${LEN(\${FILTER(0-9,${value})})} = 10 & "${value}" > "\${EPOCH}"]?${continueContext},\${EXTEN},1)`;
}

// The entry of one context. First the open fast path (src/ari/openFastPath.ts): the daemon
// keeps AH_OPEN_<app>_<DID digits> = "open until" (epoch seconds) while the number is open
// for every caller; digits that are still in the future go straight to normal routing,
// anything else (no entry, expired, not a number) enters Stasis. Then Stasis with the dialled
// number as args[0]; every way out of Stasis (no daemon connected, or the daemon continuing
// without a location) ends in normal routing, so an outage of after-hours never drops a call.
function stasisEntry(o: AsteriskConfigOptions, continueContext: string): string {
  const lines: string[] = [];
  for (const pattern of ['_X.', '_+X.']) {
    lines.push(
      `exten => ${pattern},1,${fastPathCheck(o.app, continueContext)}`,
      ` same => n(stasis),Stasis(${o.app},\${EXTEN})`,
      ` same => n,GotoIf($["\${STASISSTATUS}" = "FAILED"]?no-daemon)`,
      ` same => n,Goto(${continueContext},\${EXTEN},1)`,
      ` same => n(no-daemon),Log(NOTICE,after-hours app ${o.app} is not connected - \${EXTEN} goes on to normal routing)`,
      ` same => n,Goto(${continueContext},\${EXTEN},1)`,
    );
  }
  return lines.join('\n');
}

function dialplanSnippet(o: AsteriskConfigOptions): string {
  return `; ---------------------------------------------------------------- extensions.conf
; Inbound calls enter [${o.context}]: set it as the context of the trunk's endpoint
; (pjsip.conf: context = ${o.context}), or Goto(${o.context},\${EXTEN},1) where inbound calls
; arrive today. The extension must be the dialled number (the DID).
; after-hours decides each call. Open calls, and every call while no daemon is connected
; (STASISSTATUS=FAILED), go on to [${o.continueContext}] with the same extension: that is your
; normal inbound routing (the context your trunk used before), and it must exist.
; Open fast path: while a number is open for every caller, the daemon keeps the global
; ${fastPathVariableExample(o.app)} at "open until" (epoch seconds); its calls go to normal routing
; without Stasis. No entry, an expired one or anything but digits: Stasis (OPEN_FAST_PATH=off
; on the daemon publishes none). Such calls leave no daemon metric: count them in Asterisk's
; CDR/CEL (calls into this context with no Stasis application).
; Daemon settings: ARI_APP=${o.app} CONTINUE_CONTEXT=${o.continueContext}
; Load it with: asterisk -rx "dialplan reload"
[${o.context}]
${stasisEntry(o, o.continueContext)}
`;
}

/** The variable of an example number, for the comments. */
function fastPathVariableExample(app: string): string {
  return fastPathVariable(app, '+48221234567');
}

function freepbxSnippet(o: AsteriskConfigOptions): string {
  const c = o.freepbxContinueContext;
  return `; ---------------------------------------------------------------- FreePBX: extensions_custom.conf
; FreePBX sends calls from trunks to [from-pstn] ([from-trunk] includes it), whose first include
; is [${FREEPBX_HOOK_CONTEXT}]: a call reaches after-hours before the inbound routes. Calls
; without a number (extension s) are not matched and route as before. If extensions_custom.conf
; already has a [${FREEPBX_HOOK_CONTEXT}] with _X. in it, merge by hand.
; Open numbers' calls skip Stasis while the daemon publishes ${fastPathVariableExample(o.app)}
; (the open fast path; OPEN_FAST_PATH=off on the daemon: every call enters Stasis).
; Daemon settings: ARI_APP=${o.app} CONTINUE_CONTEXT=${c}
; Load it with: fwconsole reload (or asterisk -rx "dialplan reload")
[${FREEPBX_HOOK_CONTEXT}]
${stasisEntry(o, c)}

; Normal routing: FreePBX's [from-pstn] without [${FREEPBX_HOOK_CONTEXT}], so a call is not
; sent to after-hours twice. After a FreePBX upgrade, compare with
; asterisk -rx "dialplan show from-pstn" and copy any include it gained.
[${c}]
include => ext-did
include => ext-did-post-custom
include => from-did-direct
include => ext-did-catchall
`;
}

export const FEATURES_CONTEXT = 'after-hours-features';

// The day/night key and the lamp (src/ari/featureCodes.ts, src/ari/deviceStateLamp.ts): the
// feature code enters the same app with `feature,daynight` before the digits; each number's
// lamp is the device Stasis:<app>-<DID digits>, which a hint maps to a BLF key.
function featuresSnippet(o: AsteriskConfigOptions): string {
  const hints =
    o.numbers && o.numbers.length > 0
      ? o.numbers
          .map((did, i) =>
            // The key's own extension gets priority 1 too: an exact extension with only a hint would shadow the pattern.
            [
              `exten => *28${i + 1},hint,Stasis:${o.app}-${did.replace(/\D/g, '')} ; ${did}`,
              ` same => 1,Stasis(${o.app},feature,daynight,${i + 1})`,
              ' same => n,Playback(feature-not-avail-line)',
              ' same => n,Hangup()',
            ].join('\n'),
          )
          .join('\n')
      : `; one line per number (run again with --config to have them written out):\n; exten => *28<index>,hint,Stasis:${o.app}-<DID digits>   e.g. *281,hint,Stasis:${o.app}-48221234567`;
  return `; ---------------------------------------------------------------- extensions.conf: feature codes
; The day/night key, dialled from internal phones: include [${FEATURES_CONTEXT}] in the context
; your phones' endpoints use (include => ${FEATURES_CONTEXT}), and set that context as their
; subscribe_context (pjsip.conf) so BLF keys find the hints.
;   *28<index>          number <index> (1-based position in the YAML numbers list) moves
;                       auto -> closed -> open -> auto; the daemon answers, says the new state, hangs up
;   *28<index>*<PIN>    the same when the daemon has FEATURE_CODE_PIN
; Lamps: each number's state is the device Stasis:${o.app}-<DID digits> (INUSE while closed,
; NOT_INUSE while open), published by the daemon over ARI; a BLF key on *28<index> lights while
; the number is closed, and pressing it dials the key.
; Load it with: asterisk -rx "dialplan reload"
[${FEATURES_CONTEXT}]
exten => _*28.,1,Stasis(${o.app},feature,daynight,\${EXTEN:3})
 same => n,Playback(feature-not-avail-line)
 same => n,Hangup()
${hints}
`;
}

export function renderAsteriskConfig(o: AsteriskConfigOptions): string {
  const render: Record<ConfigPart, (o: AsteriskConfigOptions) => string> = {
    ari: ariSnippet,
    http: httpSnippet,
    dialplan: dialplanSnippet,
    freepbx: freepbxSnippet,
    features: featuresSnippet,
  };
  return CONFIG_PARTS.filter((p) => o.parts.includes(p))
    .map((p) => render[p](o))
    .join('\n');
}

interface CliOptions {
  only?: string;
  app?: string;
  context: string;
  continueContext?: string;
  ariUser?: string;
  ariPassword?: string;
  bind: string;
  port: string;
  tlsPort?: string;
  config?: string;
}

/** The configured numbers, in file order, for the hints (--config). */
function numbersOf(file: string): string[] {
  const loaded = loadConfig(file);
  if (!loaded.ok) throw new UsageError(`--config ${file}: ${loaded.errors.map((e) => e.message).join('; ')}`);
  return loaded.config.numbers.map((n) => n.did);
}

export function asteriskConfigOptions(opts: CliOptions): AsteriskConfigOptions {
  const parts = opts.only === undefined ? (['ari', 'http', 'dialplan'] as ConfigPart[]) : parseParts(opts.only);
  const continueContext = opts.continueContext ?? cliSettings().CONTINUE_CONTEXT;
  return {
    parts,
    app: checkName('--app', opts.app ?? cliSettings().ARI_APP),
    context: checkName('--context', opts.context),
    continueContext: checkName('--continue-context', continueContext),
    freepbxContinueContext: checkName('--continue-context', opts.continueContext ?? FREEPBX_CONTINUE_CONTEXT),
    ariUser: checkName('--ari-user', opts.ariUser ?? cliSettings().ARI_USER),
    // a fresh random password unless one is given: a printed default would end up in production
    ariPassword: checkPassword(opts.ariPassword ?? randomBytes(18).toString('base64url')),
    bind: checkBind(opts.bind),
    port: checkPort('--port', opts.port),
    tlsPort: opts.tlsPort === undefined ? undefined : checkPort('--tls-port', opts.tlsPort),
    numbers: opts.config === undefined ? undefined : numbersOf(opts.config),
  };
}

export function registerAsteriskConfigCommand(program: Command): void {
  program
    .command('asterisk-config')
    .description(VERB_SUMMARIES['asterisk-config'])
    .option('--only <parts>', `print only these parts, comma-separated: ${CONFIG_PARTS.join(', ')} (default: ari,http,dialplan)`)
    .option('--app <name>', 'Stasis app name (default: ARI_APP or after-hours)')
    .option('--context <name>', 'context inbound calls enter (plain Asterisk)', DEFAULT_CONTEXT)
    .option(
      '--continue-context <name>',
      `normal routing, where open calls and calls without a daemon go on (default: CONTINUE_CONTEXT or after-hours-open; FreePBX: ${FREEPBX_CONTINUE_CONTEXT})`,
    )
    .option('--ari-user <name>', 'ARI user (default: ARI_USER or after-hours)')
    .option('--ari-password <password>', 'ARI password (default: a new random one, printed once)')
    .option('--bind <address>', 'address of the HTTP server (0.0.0.0 or :: for a daemon on another host)', '127.0.0.1')
    .option('--port <port>', 'port of the HTTP server', '8088')
    .option('--tls-port <port>', 'also serve ARI over TLS on this port')
    .option('--config <file>', 'the YAML configuration: the features part then prints one BLF hint per number')
    .addHelpText(
      'after',
      `
Examples:
  after-hours asterisk-config --continue-context from-trunk-routing > after-hours-snippets.conf
  after-hours asterisk-config --only freepbx
  after-hours asterisk-config --only features --config after-hours.yaml
  after-hours asterisk-config --only ari,http --bind 0.0.0.0 --tls-port 8089`,
    )
    .action((opts: CliOptions) => {
      process.stdout.write(renderAsteriskConfig(asteriskConfigOptions(opts)));
    });
}
