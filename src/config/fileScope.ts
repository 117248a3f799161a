import { lstatSync, realpathSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';

// Which files a load may read. The CLI reads the operator's own files wherever they are; a push
// through the console's API comes from someone holding a token, who must not be able to read
// the console's host: such a load reads only files under one folder (CONSOLE_CONFIG_DIR, or
// the folder of the console's --config). A path outside it is refused with one message,
// whatever is or is not there, so the refusal tells nothing about the host's files.

/** Where a load may read files: anywhere (the CLI) or only under `folder` (undefined: nowhere). */
export type FileScope = { kind: 'any' } | { kind: 'folder'; folder: string | undefined };

export const ANY_FILE: FileScope = { kind: 'any' };

/** A scope limited to `folder` (resolved through its symbolic links once, now); undefined: no file at all. */
export function folderScope(folder: string | undefined): FileScope {
  if (folder === undefined) return { kind: 'folder', folder: undefined };
  const abs = resolve(folder);
  let real = abs;
  try {
    real = realpathSync(abs);
  } catch {
    // A folder that does not exist holds no file: every path is refused as outside it.
  }
  return { kind: 'folder', folder: real };
}

function inside(folder: string, path: string): boolean {
  const rel = relative(folder, path);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

/**
 * `undefined` when the scope lets a load read `absPath`; else the refusal, the same for a path
 * that exists, does not, is a folder or cannot be read. A symbolic link inside the folder that
 * leads out of it is outside.
 */
export function outsideScope(scope: FileScope, absPath: string, written: string): string | undefined {
  if (scope.kind === 'any') return undefined;
  const refusal = `${written}: a push through the console reads files only from its own folder (CONSOLE_CONFIG_DIR); use sound:NAME for a sound, send an iCalendar file's text with the push, or push with the CLI`;
  const { folder } = scope;
  if (folder === undefined || !inside(folder, resolve(absPath))) return refusal;
  return inside(folder, realOrNearest(resolve(absPath))) ? undefined : refusal;
}

/**
 * The path with its symbolic links resolved; when it does not resolve (nothing there, or a
 * dangling link), its nearest parent that does, so a link that leads out and dangles is out.
 */
function realOrNearest(path: string): string {
  for (let p = path; ; p = dirname(p)) {
    try {
      const real = realpathSync(p);
      // A dangling link's own name resolves to nothing: judge by where it points, i.e. refuse it.
      return p === path ? real : isLink(path) ? '/' : real;
    } catch {
      if (dirname(p) === p) return p;
    }
  }
}

function isLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}
