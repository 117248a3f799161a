// What a real run exports, from the /metrics of the built daemon, CRM worker and console,
// started here against a throwaway Redis (ARI on a closed port; the worker's webhook never
// called): every metric deploy/prometheus/after-hours.rules.yml names is among them (whether
// each alert fires on those series is promtool's part: after-hours.rules.test.yml, .ci/run),
// and each process says its version and Node's in after_hours_build_info.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { load } from 'js-yaml';
import { cli, eventually, freeTcpPort, startDaemon, writeConfig, type RunningDaemon } from '../../support/daemon';
import { startConsole, type RunningConsole } from '../../support/consoleProcess';
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

async function scrape(base: string): Promise<string | undefined> {
  try {
    const r = await fetch(`${base}/metrics`);
    return r.ok ? await r.text() : undefined;
  } catch {
    return undefined;
  }
}

let redis: RedisServer;
let daemon: RunningDaemon | undefined;
let worker: ChildProcess | undefined;
let consoleProc: RunningConsole | undefined;
const scraped: Record<'daemon' | 'worker' | 'console', string> = { daemon: '', worker: '', console: '' };

async function scrapeUntilUp(port: number | string): Promise<string> {
  let text: string | undefined;
  const at = typeof port === 'number' ? `http://127.0.0.1:${port}` : port;
  await eventually(async () => (text = await scrape(at)) !== undefined, 20000, 100);
  if (text === undefined) throw new Error(`no /metrics at ${at}`);
  return text;
}

beforeAll(async () => {
  redis = await startRedisServer();
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
  consoleProc = await startConsole({ prefix: 'rules-test:', redis: redis.url });
  scraped.daemon = await scrapeUntilUp(daemon.port);
  scraped.worker = await scrapeUntilUp(workerPort);
  scraped.console = await scrapeUntilUp(consoleProc.url);
});
afterAll(async () => {
  worker?.kill('SIGTERM');
  await consoleProc?.stop();
  await daemon?.stop();
  await redis.stop();
});

it('every metric the alert rules name is one the daemon or the worker exports', () => {
  const exported = new Set([...exportedNames(scraped.daemon), ...exportedNames(scraped.worker)]);

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

it.each(['daemon', 'worker', 'console'] as const)('the %s exports after_hours_build_info{version,node} 1', (proc) => {
  const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
  const lines = scraped[proc].split('\n').filter((l) => l.startsWith('after_hours_build_info'));
  expect(lines).toEqual([`after_hours_build_info{version="${version}",node="${process.version}"} 1`]);
});

it("the console's /metrics counts its requests", () => {
  expect(exportedNames(scraped.console).has('after_hours_console_requests_total')).toBe(true);
});

it('exportedNames reads TYPE lines, with a histogram series', () => {
  const names = exportedNames('# HELP a_seconds x\n# TYPE a_seconds histogram\na_seconds_bucket{le="1"} 0\n# TYPE b gauge\nb 1\n');
  expect([...names].sort()).toEqual(['a_seconds', 'a_seconds_bucket', 'a_seconds_count', 'a_seconds_sum', 'b']);
});
