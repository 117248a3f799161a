// deploy/prometheus/after-hours.rules.yml against what a real run exports: every metric an
// alert's expression names is on the /metrics of the built daemon or CRM worker, started here
// against a throwaway Redis (ARI on a closed port; the worker's webhook never called). Whether
// each alert fires on those series is promtool's part (after-hours.rules.test.yml, .ci/run).
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { load } from 'js-yaml';
import { cli, eventually, freeTcpPort, startDaemon, writeConfig, type RunningDaemon } from '../../support/daemon';
import { startRedisServer, type RedisServer } from '../../support/redisServer';

const ROOT = resolve(__dirname, '..', '..', '..');
const RULES = join(ROOT, 'deploy', 'prometheus', 'after-hours.rules.yml');
const CONFIG = `
defaults:
  timezone: Europe/Warsaw
  hours: { mon-fri: "09:00-17:00" }
  afterHours: { action: hangup }
numbers:
  - did: "+48 22 123 45 67"
`;

interface Rule {
  alert?: string;
  record?: string;
  expr: string;
}

/** Metric names a Prometheus text exposition declares (a histogram's series too). */
function exportedNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const m of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    const [, name, type] = m as unknown as [string, string, string];
    names.add(name);
    if (type === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(name + s);
  }
  return names;
}

async function scrape(port: number): Promise<string | undefined> {
  try {
    const r = await fetch(`http://127.0.0.1:${port}/metrics`);
    return r.ok ? await r.text() : undefined;
  } catch {
    return undefined;
  }
}

let redis: RedisServer;
let daemon: RunningDaemon | undefined;
let worker: ChildProcess | undefined;
beforeAll(async () => {
  redis = await startRedisServer();
});
afterAll(async () => {
  worker?.kill('SIGTERM');
  await daemon?.stop();
  await redis.stop();
});

it('every metric the alert rules name is one the daemon or the worker exports', async () => {
  const ariPort = await freeTcpPort();
  daemon = await startDaemon({
    configFile: writeConfig(CONFIG),
    prefix: 'rules-test:',
    redis: redis.url,
    env: { ARI_URL: `http://127.0.0.1:${ariPort}` },
  });
  const workerPort = await freeTcpPort();
  worker = spawn(process.execPath, [cli, 'crm-worker'], {
    env: {
      PATH: process.env.PATH ?? '',
      REDIS_URL: redis.url,
      REDIS_PREFIX: 'rules-test:',
      METRICS_PORT: String(workerPort),
      CRM_ADAPTER: 'webhook',
      WEBHOOK_URL: `http://127.0.0.1:${ariPort}/hook`,
      WEBHOOK_SECRET: 'a-secret-of-sixteen-or-more',
    },
    stdio: 'ignore',
  });
  const texts: string[] = [];
  for (const port of [daemon.port, workerPort]) {
    let text: string | undefined;
    expect(await eventually(async () => (text = await scrape(port)) !== undefined, 20000, 100)).toBe(true);
    texts.push(text ?? '');
  }
  const exported = new Set([...exportedNames(texts[0] ?? ''), ...exportedNames(texts[1] ?? '')]);

  const doc = load(readFileSync(RULES, 'utf8')) as { groups: { rules: Rule[] }[] };
  const rules = doc.groups.flatMap((g) => g.rules);
  expect(rules.length).toBeGreaterThanOrEqual(10);
  const missing: string[] = [];
  for (const rule of rules) {
    const names = rule.expr.match(/\bafter_hours_[a-z0-9_]+/g) ?? [];
    // `up` is Prometheus's own; every other rule reads one of ours
    if (!/\bup\{/.test(rule.expr)) expect(names.length).toBeGreaterThan(0);
    for (const n of names) if (!exported.has(n)) missing.push(`${rule.alert ?? rule.record}: ${n}`);
  }
  expect(missing).toEqual([]);
});

it('exportedNames reads TYPE lines, with a histogram series', () => {
  const names = exportedNames('# HELP a_seconds x\n# TYPE a_seconds histogram\na_seconds_bucket{le="1"} 0\n# TYPE b gauge\nb 1\n');
  expect([...names].sort()).toEqual(['a_seconds', 'a_seconds_bucket', 'a_seconds_count', 'a_seconds_sum', 'b']);
});
