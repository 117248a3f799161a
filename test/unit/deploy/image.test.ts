// The production image and docker-compose.yml's production profile, read as files (no Docker
// engine here; .ci/run checks the compose file with docker-compose config -q).
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { load } from 'js-yaml';

const ROOT = resolve(__dirname, '..', '..', '..');
const read = (f: string): string => readFileSync(join(ROOT, f), 'utf8');

interface Service {
  command?: string[];
  environment?: Record<string, string>;
  stop_grace_period?: string;
  extra_hosts?: string[];
}
const compose = load(read('docker-compose.yml')) as { services: Record<string, Service> };
const seconds = (d: string | undefined): number => {
  const m = /^(\d+)s$/.exec(d ?? '');
  return m ? Number(m[1]) : 10; // Docker's default
};

describe('Dockerfile', () => {
  const file = read('Dockerfile');
  const runtime = file.slice(file.lastIndexOf('\nFROM '));

  it('installs ffmpeg (sound uploads), lame (voicemail MP3) and an init process in the runtime stage', () => {
    const install = /apt-get install[^\n]*/.exec(runtime)?.[0] ?? '';
    for (const pkg of ['ffmpeg', 'lame', 'tini']) expect(install.split(/\s+/)).toContain(pkg);
    expect(runtime).toMatch(/^ENTRYPOINT \["\/usr\/bin\/tini", "--", "after-hours"\]$/m);
  });

  it('carries OCI labels: title, source, licenses, version, revision', () => {
    for (const label of ['title', 'source', 'licenses', 'version', 'revision', 'created'])
      expect(runtime).toContain(`org.opencontainers.image.${label}=`);
  });
});

describe('docker-compose.yml, production profile', () => {
  const s = compose.services;

  it("gives the daemon at least the drain systemd gives it (20 s), the others systemd's 30 s", () => {
    expect(seconds(s['prod-daemon'].stop_grace_period)).toBeGreaterThanOrEqual(20);
    expect(seconds(s['prod-crm-worker'].stop_grace_period)).toBeGreaterThanOrEqual(30);
    expect(seconds(s['prod-console'].stop_grace_period)).toBeGreaterThanOrEqual(30);
  });

  it("does not point the daemon's default ARI_URL at its own container", () => {
    const url = s['prod-daemon'].environment?.ARI_URL ?? '';
    const fallback = /^\$\{ARI_URL:-(.*)\}$/.exec(url)?.[1] ?? url;
    expect(new URL(fallback).hostname).not.toMatch(/^(127\.|localhost$|\[?::1\]?$)/);
    if (new URL(fallback).hostname === 'host.docker.internal')
      expect(s['prod-daemon'].extra_hosts).toContain('host.docker.internal:host-gateway');
  });

  it('the env file example names no env_file: compose does not use', () => {
    const usesEnvFile = /^\s+env_file:/m.test(read('docker-compose.yml'));
    if (!usesEnvFile) expect(read('deploy/after-hours.env.example')).not.toMatch(/env_file/);
  });
});
