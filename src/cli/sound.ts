import { basename } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { soundNameProblem } from '../sounds/soundRefs';
import { SOUND_LIMITS } from '../sounds/soundPcm';
import { ACCEPTED_FORMATS } from '../sounds/soundDecoder';
import { convertUpload } from '../sounds/soundUpload';
import { appendAudit } from '../store/auditLog';
import { removeSound } from '../store/soundRemoval';
import { addSound, listSounds, readSound, SoundStoreError } from '../store/soundStore';
import { printable } from '../shared/printable';
import { cliWho, parseBy } from './cliWho';
import { cliSettings } from '../settings/processes';
import { withRedis } from './redisCommand';
import { playSound } from './soundPlay';
import { refusalsAsUsage, UsageError } from './usageError';
import { VERB_SUMMARIES } from './verbSummaries';

// `after-hours sound add | list | remove | play`: own recordings, stored in Redis under a name
// that the configuration writes as sound:NAME. A refused upload or change stores nothing.

function name(raw: string): string {
  const problem = soundNameProblem(raw);
  if (problem) throw new InvalidArgumentError(problem);
  return raw;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const kb = (bytes: number) => `${Math.round(bytes / 1024)} KB`;

export function registerSoundCommand(program: Command): void {
  const sound = program.command('sound').description(VERB_SUMMARIES['sound']);
  sound
    .command('add')
    .description(
      `convert a recording (${ACCEPTED_FORMATS}; any rate and channels) to 8 kHz mono WAV, trim its silence, set its loudness, and store it`,
    )
    .argument('<file>', `the recording: at most ${SOUND_LIMITS.maxUploadBytes / 1024 / 1024} MiB and ${SOUND_LIMITS.maxSeconds} s`)
    .requiredOption('--name <name>', 'the name the configuration uses (sound:NAME): a-z, 0-9, - and _', name)
    .option('--replace', 'replace a stored sound of that name (every daemon plays the new one within a second)')
    .option('--by <name>', 'who adds it, for the audit trail (default: the login name)', parseBy)
    .action(async (file: string, o: { name: string; replace?: boolean; by?: string }) => {
      const converted = await convertUpload(file);
      if (!converted.ok) throw new UsageError(`${file}: refused: ${converted.error}; nothing stored`);
      const { sound: stored, replaced } = await refusalsAsUsage(
        withRedis('after-hours-sound', async (r) => {
          const added = await addSound(
            r,
            cliSettings().REDIS_PREFIX,
            {
              name: o.name,
              wav: converted.wav,
              ...(converted.wav16 ? { wav16: converted.wav16 } : {}),
              durationMs: converted.durationMs,
              source: basename(file).slice(0, 200),
              sourceBytes: converted.sourceBytes,
            },
            { replace: o.replace === true, now: new Date() },
          );
          await appendAudit(r, cliSettings().REDIS_PREFIX, {
            ...cliWho(o.by),
            action: 'sound.add',
            target: added.sound.name,
            ...(added.replaced ? { before: { replaced: true } } : {}),
            after: added.sound,
          });
          return added;
        }),
        SoundStoreError,
      );
      process.stdout.write(
        `${stored.name}: ${replaced ? 'replaced' : 'stored'} (${seconds(stored.durationMs)}, ${kb(stored.bytes)}, 8 kHz mono 16-bit, and a 16 kHz copy; ` +
          `${seconds(converted.trimmedMs)} of silence trimmed, gain ${converted.gainDb >= 0 ? '+' : ''}${converted.gainDb} dB); use it as sound:${stored.name}\n`,
      );
    });
  sound
    .command('list')
    .description('the stored sounds: name, length, size, when added, the uploaded file')
    .option('--json', 'one JSON array')
    .action(async (o: { json?: boolean }) => {
      const onMalformed = (n: string) =>
        process.stderr.write(`after-hours: skipped the stored sound "${printable(n)}": unreadable (remove it with sound remove)\n`);
      const list = await withRedis('after-hours-sound', (r) => listSounds(r, cliSettings().REDIS_PREFIX, onMalformed));
      if (o.json) {
        process.stdout.write(`${JSON.stringify(list)}\n`);
        return;
      }
      if (list.length === 0) process.stdout.write('no sounds\n');
      for (const s of list)
        process.stdout.write(`${s.name}\t${seconds(s.durationMs)}\t${kb(s.bytes)}\t${s.addedAt}\t${printable(s.source)}\n`);
    });
  sound
    .command('remove')
    .description('remove a stored sound; refused while the pushed configuration uses it')
    .argument('<name>', 'the sound', name)
    .option('--by <name>', 'who removes it, for the audit trail (default: the login name)', parseBy)
    .action(async (n: string, o: { by?: string }) => {
      await refusalsAsUsage(
        withRedis('after-hours-sound', async (r) => {
          const before = await removeSound(r, cliSettings().REDIS_PREFIX, n);
          await appendAudit(r, cliSettings().REDIS_PREFIX, {
            ...cliWho(o.by),
            action: 'sound.remove',
            target: n,
            before: before ?? { name: n },
            after: null,
          });
        }),
        SoundStoreError,
      );
      process.stdout.write(`${n}: removed\n`);
    });
  sound
    .command('play')
    .description('call a phone and play a stored sound to it, to hear it before it goes live')
    .argument('<name>', 'the sound', name)
    .requiredOption('--to <extension>', 'an extension (PJSIP/<extension>) or a dial string such as PJSIP/201 or PJSIP/201@office')
    .option('--timeout <seconds>', 'how long it rings before giving up', (v: string) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 5 || n > 120) throw new InvalidArgumentError('must be 5 to 120 seconds');
      return n;
    })
    .addHelpText(
      'after',
      '\nEnvironment: ARI_URL, ARI_USER, ARI_PASSWORD, ARI_CA_FILE, ARI_APP (as for start; the call uses the app <ARI_APP>-play);\n' +
        'SOUNDS_BASE_URL (the daemons serve every stored sound to Asterisk); without it, the sound is written to sounds/ beside\n' +
        'SPOOL_DIR for an Asterisk on this host;\n' +
        'REDIS_URL, REDIS_PREFIX.',
    )
    .action(async (n: string, o: { to: string; timeout?: number }) => {
      const held = await withRedis('after-hours-sound', (r) => readSound(r, cliSettings().REDIS_PREFIX, n));
      if (!held) throw new UsageError(`no sound named "${n}" is stored (after-hours sound list)`);
      const r = await playSound({ ...held, to: o.to, ringSeconds: o.timeout ?? 30 });
      process.stdout.write(
        `${n}: played to ${r.endpoint} (${seconds(held.sound.durationMs)}${r.heardToEnd ? '' : ', hung up before the end'})\n`,
      );
    });
}
