import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const PACKAGE_NAME = 'after-hours';
let cached: string | undefined;

/**
 * The directory holding after-hours' package.json. Code runs from `src/` under jest and
 * from `dist/src/` when built, so shipped files (schemas, sounds) are found by walking up
 * rather than by a fixed relative path.
 */
export function packageRoot(start: string = __dirname): string {
  if (start === __dirname && cached !== undefined) return cached;
  let dir = start;
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && readManifestName(manifest) === PACKAGE_NAME) {
      if (start === __dirname) cached = dir;
      return dir;
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`package root of ${PACKAGE_NAME} not found above ${start}`);
    dir = parent;
  }
}

function readManifestName(file: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
    if (typeof parsed === 'object' && parsed !== null && 'name' in parsed) {
      const name = (parsed as { name: unknown }).name;
      return typeof name === 'string' ? name : undefined;
    }
  } catch {
    // An unreadable or malformed package.json is not ours; keep walking up.
  }
  return undefined;
}

let version: string | undefined;

/** after-hours' version, from the package.json that ships with the code (`after-hours --version`). */
export function packageVersion(): string {
  if (version === undefined) {
    const parsed = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version?: unknown };
    version = typeof parsed.version === 'string' ? parsed.version : 'unknown';
  }
  return version;
}
