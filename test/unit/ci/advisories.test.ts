import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

// scripts/check-advisories (a .ci/run step): the real process on small lock files for the
// exit codes CI sees, and its exported matcher in-process for the semver range edges.

const ROOT = resolve(__dirname, '..', '..', '..');
const SCRIPT = join(ROOT, 'scripts', 'check-advisories');
const LIST = join(ROOT, '.ci', 'vulnerable-versions.json');

interface Locked {
  name: string;
  version: string;
  where: string;
}
interface Found extends Locked {
  range: string;
  ids: string[];
}
const checker = require(SCRIPT) as {
  findVulnerable(lock: unknown, list: unknown): Found[];
  lockedPackages(lock: unknown): Locked[];
};
const list = require(LIST) as { advisories: Array<{ package: string; range: string; ids: string[] }> };

type Packages = Record<string, { version?: string; name?: string; link?: boolean; resolved?: string }>;
const lockOf = (packages: Packages) => ({
  name: 'fixture',
  lockfileVersion: 3,
  requires: true,
  packages: { '': { name: 'fixture', version: '1.0.0' }, ...packages },
});

// What ari-client@2.2.0 brought before the overrides.
const VULNERABLE = lockOf({
  'node_modules/ari-client': { version: '2.2.0' },
  'node_modules/request': { version: '2.88.2' },
  'node_modules/form-data': { version: '2.3.3' },
  'node_modules/tough-cookie': { version: '2.5.0' },
  'node_modules/uuid': { version: '3.4.0' },
});
// The same tree after them: request is an alias of @cypress/request.
const CLEAN = lockOf({
  'node_modules/ari-client': { version: '2.2.0' },
  'node_modules/ari-client/node_modules/request': { name: '@cypress/request', version: '4.0.1' },
  'node_modules/ari-client/node_modules/form-data': { version: '4.0.6' },
  'node_modules/ari-client/node_modules/tough-cookie': { version: '5.1.2' },
  'node_modules/uuid': { version: '11.1.1' },
});

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'advisories-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(lock: unknown, listArg: string = LIST): { code: number | null; stdout: string; stderr: string } {
  const file = join(dir, `lock-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, typeof lock === 'string' ? lock : JSON.stringify(lock));
  const r = spawnSync(process.execPath, [SCRIPT, '--lock', file, '--list', listArg], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('check-advisories (the process CI runs)', () => {
  it('fails on a lock file with a vulnerable version, naming package, version and advisory ids', () => {
    const r = run(VULNERABLE);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('request@2.88.2 (node_modules/request)');
    expect(r.stderr).toContain('CVE-2023-28155');
    expect(r.stderr).toContain('form-data@2.3.3');
    expect(r.stderr).toContain('GHSA-fjxv-7rqg-78g4');
    expect(r.stderr).toContain('tough-cookie@2.5.0');
    expect(r.stderr).toContain('CVE-2023-26136');
    expect(r.stderr).toContain('uuid@3.4.0');
    expect(r.stderr).toContain('4 vulnerable version(s)');
  });

  it('fails on a single nested vulnerable copy in an otherwise clean tree', () => {
    const r = run(lockOf({ ...CLEAN.packages, 'node_modules/some-lib/node_modules/tough-cookie': { version: '4.1.2' } }));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('tough-cookie@4.1.2 (node_modules/some-lib/node_modules/tough-cookie)');
    expect(r.stderr).toContain('1 vulnerable version(s)');
  });

  it('passes on a clean lock file', () => {
    const r = run(CLEAN);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('no version from the');
  });

  it("passes on the repository's own package-lock.json", () => {
    const r = run(require(join(ROOT, 'package-lock.json')));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  it('exits 2 on a malformed lock file or list, never 0', () => {
    expect(run('{ not json').code).toBe(2);
    const badList = join(dir, 'bad-list.json');
    writeFileSync(badList, JSON.stringify({ advisories: [{ package: 'x', range: 'not a range', ids: ['X-1'] }] }));
    expect(run(CLEAN, badList).code).toBe(2);
  });
});

describe('findVulnerable (range edges)', () => {
  const hits = (packages: Packages) => checker.findVulnerable(lockOf(packages), list).map((f) => `${f.name}@${f.version}`);
  const one = (name: string, version: string, extra: object = {}) => hits({ [`node_modules/${name}`]: { version, ...extra } });

  it.each([
    ['form-data', '2.3.3', true],
    ['form-data', '2.5.3', true],
    ['form-data', '2.5.4', false],
    ['form-data', '2.5.5', false],
    ['form-data', '3.0.3', true],
    ['form-data', '3.0.4', false],
    ['form-data', '4.0.0', true],
    ['form-data', '4.0.3', true],
    ['form-data', '4.0.4', false],
    ['form-data', '4.0.4-rc.1', true],
    ['tough-cookie', '2.5.0', true],
    ['tough-cookie', '4.1.2', true],
    ['tough-cookie', '4.1.3', false],
    ['tough-cookie', '5.1.2', false],
    ['request', '2.88.2', true],
    ['request', '2.34.0', true],
    ['@cypress/request', '2.88.12', true],
    ['@cypress/request', '3.0.0', false],
    ['uuid', '8.3.2', true],
    ['uuid', '11.1.1', false],
    ['uuid', '12.0.0', true],
    ['uuid', '14.0.0', false],
  ])('%s@%s vulnerable: %s', (name, version, vulnerable) => {
    expect(one(name, version)).toEqual(vulnerable ? [`${name}@${version}`] : []);
  });

  it('judges an npm: alias by the real package, not the folder name', () => {
    // node_modules/request holding @cypress/request 2.88.12 is the vulnerable fork, not request.
    expect(hits({ 'node_modules/request': { name: '@cypress/request', version: '2.88.12' } })).toEqual(['@cypress/request@2.88.12']);
    expect(hits({ 'node_modules/request': { name: '@cypress/request', version: '4.0.1' } })).toEqual([]);
    // A folder with another name holding the real request is still request.
    expect(hits({ 'node_modules/legacy-http': { name: 'request', version: '2.88.2' } })).toEqual(['request@2.88.2']);
  });

  it('reads scoped and nested paths and skips links and the root', () => {
    const locked = checker.lockedPackages(
      lockOf({
        'node_modules/@scope/pkg': { version: '1.0.0' },
        'node_modules/a/node_modules/@scope/pkg': { version: '2.0.0' },
        'node_modules/linked': { link: true, resolved: 'packages/linked' },
      }),
    );
    expect(locked.map((p) => `${p.name}@${p.version}`)).toEqual(['@scope/pkg@1.0.0', '@scope/pkg@2.0.0']);
  });

  it('reads a lockfileVersion 1 tree, aliases included', () => {
    const v1 = {
      lockfileVersion: 1,
      dependencies: {
        'ari-client': {
          version: '2.2.0',
          dependencies: { request: { version: 'npm:@cypress/request@2.88.12' }, 'tough-cookie': { version: '2.5.0' } },
        },
      },
    };
    expect(checker.findVulnerable(v1, list).map((f) => `${f.name}@${f.version}`)).toEqual([
      '@cypress/request@2.88.12',
      'tough-cookie@2.5.0',
    ]);
  });
});
