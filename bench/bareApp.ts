// The floor for any daemon built on ari-client: a minimal Stasis app that rejects every
// call at once with `channel.hangup({ reason: 'busy' })` (SIP 486), through ari-client's own
// REST path, or, for calls entered as Stasis(bare-bench,<DID>,open), sends them back to
// normal routing (continue-in-dialplan to after-hours-open, <DID>, 1). Nothing else: no
// configuration, no decision, no events, no logging per call.
//
//   node dist/bench/bareApp.js      env: ARI_URL, ARI_USER, ARI_PASSWORD, ARI_APP (bare-bench)
//
// BARE_REST=own (a diagnostic, not the floor): the reject goes through the daemon's own
// REST client (src/ari/rest.ts) instead of ari-client's, to tell the two costs apart.
//
// Prints "ready" on stdout once the app is registered; exits on SIGTERM / SIGINT.
import ari from 'ari-client';
import { AriRest } from '../src/ari/rest';

/** Normal routing in the stack's dialplan (config/asterisk/extensions.conf). */
const OPEN_CONTEXT = 'after-hours-open';

async function main(): Promise<void> {
  const url = process.env.ARI_URL ?? 'http://127.0.0.1:8088';
  const user = process.env.ARI_USER ?? 'after-hours';
  const password = process.env.ARI_PASSWORD ?? 'after-hours';
  const app = process.env.ARI_APP ?? 'bare-bench';
  const client = await ari.connect(url, user, password);
  let failures = 0;
  const own = process.env.BARE_REST === 'own' ? new AriRest({ url, user, password }) : undefined;
  client.on('StasisStart', (event, channel) => {
    // Stasis(bare-bench,<DID>,open): the open path, sent back to normal routing with the DID.
    const args = event.args ?? [];
    const done =
      args[1] === 'open'
        ? own
          ? own.continueInDialplan(channel.id, OPEN_CONTEXT, args[0] ?? '', 1)
          : channel.continueInDialplan({ context: OPEN_CONTEXT, extension: args[0] ?? '', priority: 1 })
        : own
          ? own.hangup(channel.id, 'busy')
          : channel.hangup({ reason: 'busy' });
    done.catch(() => {
      failures++;
    });
  });
  await client.start(app);
  process.stdout.write('ready\n');
  const stop = () => {
    if (failures) process.stderr.write(`bare app: ${failures} hang-ups failed\n`);
    try {
      client.stop();
    } finally {
      process.exit(0);
    }
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`bare app: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
