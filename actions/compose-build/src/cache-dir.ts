/**
 * The local cache folder (`cache-dir`). After a build, compose-build replaces `<cache-dir>/<service>` with the
 * fresh export, deleting what was there: so it only ever works in a folder that is a cache. `cache-dir: .`
 * once deleted source folders named like services.
 *
 * A cache folder is one of:
 * - a folder that does not exist yet, or is empty (compose-build creates and marks it);
 * - a folder holding the marker file CACHE_MARKER, which compose-build writes into every cache folder it uses
 *   (actions/cache saves and restores it with the rest);
 * - a cache from before the marker: every entry is a folder holding an OCI layout `index.json`, which is what
 *   buildx's local cache export writes.
 * The workspace root is never one.
 */
import fs from 'node:fs';
import path from 'node:path';
import { InputError, type WorkspacePath, directoryPath, shown } from '../../toolkit/src/index.js';

export const CACHE_MARKER = '.compose-build-cache';

const MARKER_TEXT =
  'compose-build keeps its local build cache here; it replaces the folders in it after each build.\n';

/** Why `dir` (an existing folder) is not a cache folder, or undefined when it is one. Pure but for reads. */
export function notACache(dir: string): string | undefined {
  const entries = fs.readdirSync(dir, { withFileTypes: true });
  if (entries.length === 0 || entries.some((e) => e.name === CACHE_MARKER && e.isFile())) return undefined;
  const foreign = entries.filter(
    (e) => !(e.isDirectory() && fs.existsSync(path.join(dir, e.name, 'index.json'))),
  );
  if (foreign.length === 0) return undefined;
  return `it holds ${foreign
    .slice(0, 3)
    .map((e) => shown(e.name))
    .join(', ')}${foreign.length > 3 ? ` and ${foreign.length - 3} more` : ''}, which are not build caches`;
}

/** Checks the `cache-dir` input: inside the workspace, not its root, and a cache folder if it exists. */
export function checkCacheDir(p: WorkspacePath): string {
  const real = directoryPath(p);
  if (real === p.workspace)
    throw new InputError(
      p.input,
      `${shown(p.given)} is the workspace root. compose-build replaces the folders in its cache directory, so it must be a folder of its own, e.g. .cache/buildx.`,
    );
  if (!fs.existsSync(real)) return real;
  const why = notACache(real);
  if (why)
    throw new InputError(
      p.input,
      `${shown(p.given)} is not a cache folder: ${why}. compose-build replaces the folders in it after each build; choose an empty or new folder such as .cache/buildx (a cache folder holds the file ${CACHE_MARKER}).`,
    );
  return real;
}

/** Creates the cache folder with its marker (before a build writes into it). */
export function markCacheDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true });
  const marker = path.join(dir, CACHE_MARKER);
  if (!fs.existsSync(marker)) fs.writeFileSync(marker, MARKER_TEXT);
}
