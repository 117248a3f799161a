// The quick-start demo: the daemon with the sample configuration (config/after-hours.yaml)
// on the real stack, and real SIP calls to each sample number, one per after-hours action.
// Overrides force each number open or closed, so the demo shows the same thing at any hour.
// Run through scripts/demo, which installs what is missing and starts the stack.
import { Redis } from 'ioredis';
import { join } from 'node:path';
import { parseEvent } from '../src/events/validate';
import { runCli, startDaemon } from '../test/support/daemon';
import { call, startUas } from '../test/support/sipp';
import { officePort, redisUrl, repoRoot } from '../test/support/stackEnv';

const config = join(repoRoot, 'config', 'after-hours.yaml');
const prefix = `demo:${Date.now().toString(36)}:`;
const env = { REDIS_PREFIX: prefix };
const say = (s: string) => process.stdout.write(`${s}\n`);

async function main(): Promise<void> {
  say(`\n▶ after-hours validate ${config}`);
  say(runCli(['validate', config]).stdout.trim());
  for (const did of ['+48221234567', '+4930901820', '800123456']) {
    say(runCli(['check', '--config', config, '--did', did]).stdout.trim());
  }

  say('\n▶ after-hours start --config config/after-hours.yaml');
  const daemon = await startDaemon({ configFile: config, prefix, env: { LOG_LEVEL: process.env.DEMO_LOG_LEVEL ?? 'warn' } });
  await daemon.waitHealthy();
  say(`daemon healthy: ${JSON.stringify(await daemon.health())}`);
  const override = (did: string, state: 'open' | 'closed') =>
    runCli(['override', 'set', '--did', did, '--state', state, '--for', '10m', '--note', 'demo'], env);

  try {
    say('\n1. Warsaw office, open: the call goes back to the dialplan and rings the office');
    override('+48221234567', 'open');
    const office = await startUas({ behaviour: 'answer', port: officePort });
    const r1 = await call({ to: '+48221234567', expect: 200, talkMs: 1000 });
    const rang = (await office.stop()).invites.map((i) => i.user);
    say(`   caller got ${r1.codes.join(' → ')}; the office rang for ${rang.join(', ') || 'nobody'}`);

    say('\n2. Toll-free hotline, closed (hangup + announcement): 183 early media, then 486, never 200');
    override('800123456', 'closed');
    const r2 = await call({ to: '+48800123456', expect: 486, earlyMedia: true });
    say(`   caller got ${r2.codes.join(' → ')}; answered (billed): ${r2.sent200 ? 'YES' : 'no'}`);

    say('\n3. Warsaw office, closed (voicemail): greeting, beep, the caller talks, the message is recorded');
    override('+48221234567', 'closed');
    const r3 = await call({ to: '+48221234567', expect: 200, talkMs: 10000, timeoutMs: 30000 });
    say(`   caller got ${r3.codes.join(' → ')} and hung up after talking`);

    say('\n4. Berlin sales, closed (forward to +48 601 234 567): the trunk rings, the caller is bridged');
    override('+4930901820', 'closed');
    const trunk = await startUas({ behaviour: 'answer' });
    const r4 = await call({ to: '+4930901820', expect: 200, talkMs: 1500 });
    const fwd = (await trunk.stop()).invites.map((i) => i.user);
    say(`   caller got ${r4.codes.join(' → ')}; the trunk was asked for ${fwd.join(', ')}`);

    await new Promise((r) => setTimeout(r, 1000));
    const redis = new Redis(redisUrl);
    const entries = await redis.xrange(`${prefix}events`, '-', '+');
    say(`\n▶ ${entries.length} events on the Redis stream ${prefix}events (what the CRM worker consumes):`);
    for (const [, fields] of entries) {
      const e = parseEvent(fields[fields.indexOf('event') + 1]!);
      if (e.ok)
        say(
          `   ${e.event.time} ${e.event.did} (${e.event.name}) reason=${e.event.reason} action=${e.event.action} outcome=${JSON.stringify(e.event.outcome)}`,
        );
    }
    await redis.del(`${prefix}overrides`);
    redis.disconnect();
  } finally {
    await daemon.stop();
    if (process.env.DEMO_LOG_LEVEL) process.stderr.write(daemon.logs());
  }
  say('\nDone. The stack is still up: `scripts/stack down` stops it.');
}

main().catch((err: unknown) => {
  process.stderr.write(`demo failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
