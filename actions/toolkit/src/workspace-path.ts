/**
 * Path inputs, checked against the workspace: the one implementation every action uses for a file or folder
 * it is told to read or write. A path is resolved the way the kernel will open it, symlinks included, and
 * must stay inside the workspace; so a committed symlink to /etc/passwd is refused instead of being read,
 * linted or uploaded. Missing files and folders-for-files get `Input 'x': ...`, never a bare ENOENT.
 *
 * Checks run when an input is read and again when the file is used (the file may be written in between, e.g.
 * eval-check's results), and the action then opens the resolved path it checked.
 */
import fs from 'node:fs';
import path from 'node:path';
import { InputError, shown } from './errors.js';

export interface WorkspacePath {
  /** The input's name as action.yml spells it, for messages. */
  readonly input: string;
  /** The value as the workflow wrote it. */
  readonly given: string;
  /** Absolute path, lexically inside the workspace (what the workflow meant). */
  readonly path: string;
  /** Relative to the workspace, `/`-separated: how reports and messages name the file. */
  readonly name: string;
  /** The real workspace folder the path must stay in. */
  readonly workspace: string;
}

/** The workspace: GITHUB_WORKSPACE on a runner, else the working directory; symlinks resolved. */
export function workspaceRoot(env: NodeJS.ProcessEnv = process.env): string {
  const dir = path.resolve(env.GITHUB_WORKSPACE || process.cwd());
  try {
    return fs.realpathSync(dir);
  } catch {
    return dir;
  }
}

const MAX_LINKS = 40;

/**
 * Where `absolute` leads once every symlink along it is followed, like realpath(3), except that a missing
 * tail (a file not written yet, a dangling link's target) is kept as it is instead of failing.
 */
export function resolveLinks(absolute: string): string {
  let rest = absolute.split(path.sep).filter(Boolean);
  let current = path.parse(absolute).root;
  let links = 0;
  while (rest.length > 0) {
    const part = rest.shift()!;
    const next = path.join(current, part);
    let stat: fs.Stats;
    try {
      stat = fs.lstatSync(next);
    } catch {
      return path.join(next, ...rest);
    }
    if (!stat.isSymbolicLink()) {
      current = next;
      continue;
    }
    if (++links > MAX_LINKS) throw new Error(`too many levels of symbolic links at ${next}`);
    const target = path.resolve(current, fs.readlinkSync(next));
    rest = [...target.split(path.sep).filter(Boolean), ...rest];
    current = path.parse(target).root;
  }
  return current;
}

const inside = (root: string, p: string) => p === root || p.startsWith(root + path.sep);

/**
 * Resolves `given` (relative to the workspace) and refuses it when it leaves the workspace, by `..`, by an
 * absolute path or through a symlink. Nothing has to exist yet.
 */
export function workspacePath(input: string, given: string, workspace = workspaceRoot()): WorkspacePath {
  const lexical = path.resolve(workspace, given);
  const name = path.relative(workspace, lexical).split(path.sep).join('/') || '.';
  if (!inside(workspace, lexical))
    throw new InputError(input, `expected a path inside the workspace, got ${shown(given)}.`);
  const wp = { input, given, path: lexical, name, workspace };
  realPath(wp);
  return wp;
}

/** The resolved path, refused when a symlink leads out of the workspace. */
export function realPath(p: WorkspacePath): string {
  let real: string;
  try {
    real = resolveLinks(p.path);
  } catch (err) {
    throw new InputError(p.input, `${shown(p.given)} cannot be resolved: ${(err as Error).message}.`);
  }
  if (!inside(p.workspace, real))
    throw new InputError(
      p.input,
      `${shown(p.given)} leads to ${shown(real)} through a symlink, outside the workspace. Point it at a file in the repository.`,
    );
  return real;
}

function stat(real: string): fs.Stats | undefined {
  try {
    return fs.statSync(real);
  } catch {
    return undefined;
  }
}

/**
 * The real path of an existing regular file inside the workspace, checked now. `missing` says what to do
 * when it does not exist (default: check the path).
 */
export function existingFile(p: WorkspacePath, missing?: string): string {
  const real = realPath(p);
  const s = stat(real);
  if (!s)
    throw new InputError(
      p.input,
      `${shown(p.given)} does not exist. ${missing ?? 'Check the path, relative to the repository root.'}`,
    );
  if (s.isDirectory()) throw new InputError(p.input, `${shown(p.given)} is a directory; expected a file.`);
  if (!s.isFile()) throw new InputError(p.input, `${shown(p.given)} is not a regular file.`);
  return real;
}

/** Reads a file input, with the checks of existingFile made at the moment of reading. */
export function readWorkspaceFile(p: WorkspacePath, missing?: string): Buffer {
  return fs.readFileSync(existingFile(p, missing));
}

/** The real path of a folder input: refused when it exists and is not a folder. */
export function directoryPath(p: WorkspacePath, opts: { mustExist?: boolean } = {}): string {
  const real = realPath(p);
  const s = stat(real);
  if (!s && opts.mustExist)
    throw new InputError(
      p.input,
      `${shown(p.given)} does not exist. Check the path, relative to the repository root.`,
    );
  if (s && !s.isDirectory())
    throw new InputError(p.input, `${shown(p.given)} exists and is not a directory.`);
  return real;
}

/** The real path a file the action writes goes to: inside the workspace, and not an existing folder. */
export function outputFilePath(p: WorkspacePath): string {
  const real = realPath(p);
  if (stat(real)?.isDirectory())
    throw new InputError(p.input, `${shown(p.given)} is a directory; expected the path of a file to write.`);
  return real;
}
