// A throwaway Redis Sentinel set for tests: one primary, one replica and three sentinels
// (Debian's redis-server and redis-sentinel) on free loopback ports in a temp folder, with
// passwords on the data nodes and on the sentinels. killPrimary() SIGKILLs the primary;
// waitForPromotion() returns once every sentinel names the promoted replica and it answers
// as a primary. down-after-milliseconds 1000 and a short failover-timeout make a failover
// take a few seconds.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freeTcpPort } from './daemon';

export interface SentinelSetOptions {
  /** The master name the sentinels monitor; default "ah-master". */
  name?: string;
  /** requirepass/masterauth of the data nodes; default a fixed test password. */
  password?: string;
  /** requirepass of the sentinels; default another one. */
  sentinelPassword?: string;
  downAfterMs?: number;
  failoverTimeoutMs?: number;
}

export interface DataNode {
  port: number;
  proc: ChildProcess;
}

export interface SentinelSet {
  name: string;
  password: string;
  sentinelPassword: string;
  sentinelPorts: number[];
  /** The data nodes that were started, primary first. */
  nodes: DataNode[];
  /** REDIS_SENTINELS, REDIS_SENTINEL_NAME, REDIS_PASSWORD, REDIS_SENTINEL_PASSWORD for after-hours. */
  env: Record<string, string>;
  /** The same as one REDIS_URL (redis+sentinel://:password@…/name), with REDIS_SENTINEL_PASSWORD. */
  urlEnv: Record<string, string>;
  /** What the sentinels call the primary now (the first sentinel that answers). */
  primaryPort(): Promise<number>;
  /** A client straight to a data node (password set); closed by stop(). */
  client(port: number): Redis;
  /** SIGKILLs the current primary; resolves with its port once it has exited. */
  killPrimary(): Promise<number>;
  /**
   * Starts a killed node again on its port, empty, as a replica of the current primary (as an
   * operator brings a failed node back); resolves once it has synced and every sentinel counts it
   * as a healthy replica again, so the set can fail over once more.
   */
  restartNode(port: number): Promise<void>;
  /** Resolves with the new primary's port once every sentinel names another node than `oldPort` and it answers ROLE master. */
  waitForPromotion(oldPort: number, timeoutMs?: number): Promise<number>;
  logs(): string;
  stop(): Promise<void>;
}

function waitForLine(proc: ChildProcess, pattern: RegExp, what: string, out: { text: string }, timeoutMs = 10_000): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what}: not ready after ${timeoutMs} ms:\n${out.text.slice(-2000)}`)), timeoutMs);
    const onData = (): void => {
      if (pattern.test(out.text)) {
        clearTimeout(timer);
        resolve();
      }
    };
    proc.stdout?.on('data', onData);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited (${code}):\n${out.text.slice(-2000)}`));
    });
    proc.once('error', reject);
    onData();
  });
}

async function until<T>(fn: () => Promise<T | undefined>, timeoutMs: number, what: string, everyMs = 100): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() >= end) throw new Error(`${what} within ${timeoutMs} ms${last ? ` (last error: ${String(last)})` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export async function startSentinelSet(opts: SentinelSetOptions = {}): Promise<SentinelSet> {
  const name = opts.name ?? 'ah-master';
  const password = opts.password ?? 'data-pass-123';
  const sentinelPassword = opts.sentinelPassword ?? 'sentinel-pass-456';
  const dir = mkdtempSync(join(tmpdir(), 'ah-sentinel-'));
  const procs: ChildProcess[] = [];
  const outputs: Array<{ label: string; out: { text: string } }> = [];
  const clients: Redis[] = [];
  let restarts = 0;

  const spawnLogged = (label: string, cmd: string, args: string[]): { proc: ChildProcess; out: { text: string } } => {
    const proc = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out = { text: '' };
    proc.stdout?.on('data', (d: Buffer) => (out.text += d.toString()));
    proc.stderr?.on('data', (d: Buffer) => (out.text += d.toString()));
    procs.push(proc);
    outputs.push({ label, out });
    return { proc, out };
  };

  const startNode = async (label: string, replicaOf?: number, fixedPort?: number): Promise<DataNode> => {
    const port = fixedPort ?? (await freeTcpPort());
    const args = [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--dbfilename',
      `${label}.rdb`,
      '--save',
      '',
      '--appendonly',
      'no',
      '--requirepass',
      password,
      '--masterauth',
      password,
      ...(replicaOf !== undefined ? ['--replicaof', '127.0.0.1', String(replicaOf)] : []),
    ];
    const { proc, out } = spawnLogged(label, 'redis-server', args);
    await waitForLine(proc, /Ready to accept connections/, `redis-server ${label}`, out);
    return { port, proc };
  };

  const admin = (port: number, pass: string): Redis => {
    const c = new Redis({ host: '127.0.0.1', port, password: pass, lazyConnect: false, maxRetriesPerRequest: 1, retryStrategy: () => 200 });
    c.on('error', () => undefined);
    clients.push(c);
    return c;
  };

  try {
    const primary = await startNode('primary');
    const replica = await startNode('replica', primary.port);
    const nodes = [primary, replica];
    await until(
      async () => {
        const info = await admin(replica.port, password).info('replication');
        return /master_link_status:up/.test(info) ? true : undefined;
      },
      10_000,
      'the replica did not sync with the primary',
    );

    const downAfter = opts.downAfterMs ?? 1000;
    const failoverTimeout = opts.failoverTimeoutMs ?? 3000;
    const sentinelPorts: number[] = [];
    for (let i = 0; i < 3; i++) sentinelPorts.push(await freeTcpPort());
    for (const [i, port] of sentinelPorts.entries()) {
      const conf = join(dir, `sentinel-${i}.conf`);
      writeFileSync(
        conf,
        [
          `port ${port}`,
          'bind 127.0.0.1',
          `dir ${dir}`,
          'daemonize no',
          `sentinel monitor ${name} 127.0.0.1 ${primary.port} 2`,
          `sentinel down-after-milliseconds ${name} ${downAfter}`,
          `sentinel failover-timeout ${name} ${failoverTimeout}`,
          `sentinel parallel-syncs ${name} 1`,
          `sentinel auth-pass ${name} ${password}`,
          `requirepass ${sentinelPassword}`,
          // the sentinels talk to each other (failover votes) with the same password
          `sentinel sentinel-pass ${sentinelPassword}`,
          '',
        ].join('\n'),
      );
      const { proc, out } = spawnLogged(`sentinel-${i}`, 'redis-sentinel', [conf]);
      await waitForLine(proc, /Sentinel ID is|monitor master/, `redis-sentinel ${i}`, out);
    }
    // Ready for a failover once each sentinel knows the replica and the two other sentinels.
    for (const port of sentinelPorts) {
      const s = admin(port, sentinelPassword);
      await until(
        async () => {
          const fields = (await s.call('SENTINEL', 'MASTER', name)) as string[];
          const get = (k: string): string | undefined => {
            const i = fields.indexOf(k);
            return i >= 0 ? fields[i + 1] : undefined;
          };
          return get('num-slaves') === '1' && get('num-other-sentinels') === '2' ? true : undefined;
        },
        20_000,
        `sentinel on ${port} did not find the replica and the other sentinels`,
        200,
      );
    }

    const sentinelList = sentinelPorts.map((p) => `127.0.0.1:${p}`).join(',');
    const askSentinel = async (port: number): Promise<number> => {
      const addr = (await admin(port, sentinelPassword).call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', name)) as [string, string] | null;
      if (!addr) throw new Error(`sentinel ${port} knows no master ${name}`);
      return Number(addr[1]);
    };
    const set: SentinelSet = {
      name,
      password,
      sentinelPassword,
      sentinelPorts,
      nodes,
      env: {
        REDIS_SENTINELS: sentinelList,
        REDIS_SENTINEL_NAME: name,
        REDIS_PASSWORD: password,
        REDIS_SENTINEL_PASSWORD: sentinelPassword,
      },
      urlEnv: {
        REDIS_URL: `redis+sentinel://:${encodeURIComponent(password)}@${sentinelList}/${name}`,
        REDIS_SENTINEL_PASSWORD: sentinelPassword,
      },
      async primaryPort() {
        let last: unknown;
        for (const p of sentinelPorts) {
          try {
            return await askSentinel(p);
          } catch (err) {
            last = err;
          }
        }
        throw last;
      },
      client(port) {
        const c = new Redis({ host: '127.0.0.1', port, password, maxRetriesPerRequest: 1 });
        clients.push(c);
        return c;
      },
      async killPrimary() {
        const port = await set.primaryPort();
        const node = nodes.find((n) => n.port === port);
        if (!node || node.proc.exitCode !== null) throw new Error(`the primary (${port}) is not one of ours or not running`);
        const exited = new Promise<void>((resolve) => node.proc.once('exit', () => resolve()));
        node.proc.kill('SIGKILL');
        await exited;
        return port;
      },
      async restartNode(port) {
        const i = nodes.findIndex((n) => n.port === port);
        if (i < 0 || (nodes[i]!.proc.exitCode === null && nodes[i]!.proc.signalCode === null))
          throw new Error(`node ${port} is not one of ours or still running`);
        const primaryPort = await set.primaryPort();
        nodes[i] = await startNode(`node-${port}-${++restarts}`, primaryPort, port);
        await until(
          async () => (/master_link_status:up/.test(await admin(port, password).info('replication')) ? true : undefined),
          30_000,
          `node ${port} did not sync with the primary ${primaryPort}`,
        );
        for (const sp of sentinelPorts) {
          await until(
            async () => {
              const replicas = (await admin(sp, sentinelPassword).call('SENTINEL', 'REPLICAS', name)) as string[][];
              const healthy = replicas.some((r) => r[r.indexOf('port') + 1] === String(port) && r[r.indexOf('flags') + 1] === 'slave');
              return healthy ? true : undefined;
            },
            30_000,
            `sentinel ${sp} does not count node ${port} as a healthy replica`,
            200,
          );
        }
      },
      async waitForPromotion(oldPort, timeoutMs = 30_000) {
        return until(
          async () => {
            const named = await Promise.all(sentinelPorts.map((p) => askSentinel(p)));
            const port = named[0] as number;
            if (port === oldPort || named.some((n) => n !== port)) return undefined;
            const role = (await admin(port, password).call('ROLE')) as unknown[];
            return role[0] === 'master' ? port : undefined;
          },
          timeoutMs,
          `no promotion away from ${oldPort}`,
          100,
        );
      },
      logs: () => outputs.map((o) => `--- ${o.label}\n${o.out.text.slice(-3000)}`).join('\n'),
      async stop() {
        await Promise.all(clients.map(async (c) => c.disconnect()));
        await Promise.all(
          procs.map(async (p) => {
            if (p.exitCode !== null || p.signalCode !== null) return;
            const exited = new Promise<void>((resolve) => p.once('exit', () => resolve()));
            p.kill('SIGKILL');
            await exited;
          }),
        );
        rmSync(dir, { recursive: true, force: true });
      },
    };
    return set;
  } catch (err) {
    for (const c of clients) c.disconnect();
    for (const p of procs) if (p.exitCode === null) p.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}
