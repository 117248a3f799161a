// SIGHUP (deploy/systemd's ExecReload): the built daemon reads its --config file again while no
// configuration is pushed, keeps the current one when the file is refused, and keeps running.
// A throwaway Redis; ARI on a closed port (the daemon waits for it, /healthz still answers).
import { writeFileSync } from 'node:fs';
import { eventually, freeTcpPort, startDaemon, writeConfig, type RunningDaemon } from '../../support/daemon';
import { startRedisServer, type RedisServer } from '../../support/redisServer';

const config = (dids: string[]): string => `
defaults:
  timezone: Europe/Warsaw
  hours: { mon-fri: "09:00-17:00" }
  afterHours: { action: hangup }
numbers:
${dids.map((d) => `  - did: "${d}"`).join('\n')}
`;

let redis: RedisServer;
let daemon: RunningDaemon | undefined;
beforeAll(async () => {
  redis = await startRedisServer();
});
afterAll(async () => {
  await daemon?.stop();
  await redis.stop();
});

const numbersReported = async (d: RunningDaemon, want: string): Promise<boolean> => (await d.health())?.config === want;

it('SIGHUP reads the --config file again; a refused file keeps the current configuration', async () => {
  const file = writeConfig(config(['+48 22 123 45 67']));
  daemon = await startDaemon({
    configFile: file,
    prefix: 'reload-test:',
    redis: redis.url,
    env: { ARI_URL: `http://127.0.0.1:${await freeTcpPort()}` },
  });
  const d = daemon;
  expect(await eventually(() => numbersReported(d, 'version file, 1 numbers'), 15000, 100)).toBe(true);

  writeFileSync(file, config(['+48 22 123 45 67', '+48 22 123 45 68']));
  d.proc.kill('SIGHUP');
  expect(await eventually(() => numbersReported(d, 'version file, 2 numbers'), 15000, 100)).toBe(true);

  writeFileSync(file, 'numbers: [this is not a configuration\n');
  d.proc.kill('SIGHUP');
  expect(await eventually(() => d.logs().includes('configuration file refused; keeping the current one'), 15000, 100)).toBe(true);
  expect(await d.health()).toMatchObject({ config: 'version file, 2 numbers' });
  expect(d.proc.exitCode).toBeNull();
  expect(await d.stop()).toBe(0);
});
