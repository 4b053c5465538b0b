import fs from 'node:fs';
import path from 'node:path';
import * as glob from '@actions/glob';
import yaml from 'js-yaml';
import { InputError, existingFile, realPath, shown, workspacePath } from '../../toolkit/src/index.js';
import { INPUT, type Settings } from './inputs.js';

/** Folders never searched: dependencies, build output and git internals. Hidden folders are searched. */
export const SKIPPED_DIRS = new Set(['node_modules', 'dist', '.git']);

/**
 * `Dockerfile`, `*.Dockerfile` and `Dockerfile.*`. BuildKit's per-Dockerfile ignore files
 * (`Dockerfile.dockerignore`, `api.Dockerfile.dockerignore`) share the prefix but are not Dockerfiles.
 */
export function isDockerfileName(name: string): boolean {
  if (name.endsWith('.dockerignore')) return false;
  return (
    name === 'Dockerfile' ||
    (name.endsWith('.Dockerfile') && name !== '.Dockerfile') ||
    /^Dockerfile\..+/.test(name)
  );
}

/** Locale-independent, so the order is the same on every runner. */
export const byCodePoint = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function inSkippedDir(relative: string): boolean {
  return relative
    .split('/')
    .slice(0, -1)
    .some((segment) => SKIPPED_DIRS.has(segment));
}

/** The Dockerfiles in a listing of workspace-relative FILE paths (forward slashes), sorted. Pure. */
export function selectDockerfiles(files: readonly string[]): string[] {
  return files.filter((f) => !inSkippedDir(f) && isDockerfileName(path.posix.basename(f))).sort(byCodePoint);
}

/** Every regular file under `root` (symlinks to files included), skipping SKIPPED_DIRS. Relative, `/`-separated. */
export function listFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string, rel: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const childRel = rel ? `${rel}/${entry.name}` : entry.name;
      const child = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!SKIPPED_DIRS.has(entry.name)) walk(child, childRel);
      } else if (entry.isFile() || (entry.isSymbolicLink() && isFile(child))) {
        out.push(childRel);
      }
    }
  };
  walk(root, '');
  return out;
}

function isFile(p: string): boolean {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

export interface ComposeTarget {
  readonly service: string;
  /** Workspace-relative (or absolute, when the compose file says so) path of the Dockerfile. */
  readonly dockerfile: string;
}

export interface ComposeScan {
  readonly targets: ComposeTarget[];
  /** Services with a build section that has nothing on disk to lint, and why. */
  readonly skipped: { service: string; reason: string }[];
}

/** Compose's `${VAR}`, `${VAR:-default}` and `${VAR-default}` in build paths, `$$` for a literal `$`. */
export function interpolate(value: string, env: Readonly<Record<string, string | undefined>>): string {
  return value.replace(
    /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?-)([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (match, braced?: string, op?: string, fallback?: string, bare?: string) => {
      if (match === '$$') return '$';
      const name = (braced ?? bare) as string;
      const v = env[name];
      if (op === ':-') return v ? v : (fallback ?? '');
      if (op === '-') return v !== undefined ? v : (fallback ?? '');
      return v ?? '';
    },
  );
}

// Compose 2.24+ merge tags; without them js-yaml refuses otherwise valid compose files.
const COMPOSE_SCHEMA = yaml.DEFAULT_SCHEMA.extend(
  ['!reset', '!override'].flatMap((tag) =>
    (['scalar', 'sequence', 'mapping'] as const).map(
      (kind) => new yaml.Type(tag, { kind, construct: (data: unknown) => data }),
    ),
  ),
);

const REMOTE_CONTEXT = /^([a-z][a-z0-9+.-]*:\/\/|git@|github\.com\/)/i;

/**
 * The Dockerfile of every service with a build section. `composeFile` is workspace-relative; `build: ctx` and
 * `build.context` are relative to its folder, `build.dockerfile` to the context (default `Dockerfile`). Pure.
 */
export function composeTargets(
  text: string,
  composeFile: string,
  env: Readonly<Record<string, string | undefined>> = {},
): ComposeScan {
  let doc: unknown;
  try {
    doc = yaml.load(text, { schema: COMPOSE_SCHEMA, filename: composeFile });
  } catch (err) {
    throw new InputError(
      INPUT.composeFile,
      `${shown(composeFile)} is not valid YAML: ${(err as Error).message.split('\n')[0]}.`,
    );
  }
  const services = (doc as { services?: unknown } | null)?.services;
  const targets: ComposeTarget[] = [];
  const skipped: ComposeScan['skipped'] = [];
  if (!services || typeof services !== 'object') return { targets, skipped };
  const base = path.posix.dirname(composeFile.split(path.sep).join('/'));
  for (const [service, spec] of Object.entries(services as Record<string, unknown>)) {
    const build = (spec as { build?: unknown } | null)?.build;
    if (build === undefined || build === null) continue;
    let context = '.';
    let dockerfile = 'Dockerfile';
    if (typeof build === 'string') {
      context = build;
    } else if (typeof build === 'object') {
      const b = build as { context?: unknown; dockerfile?: unknown; dockerfile_inline?: unknown };
      if (b.dockerfile_inline !== undefined) {
        skipped.push({ service, reason: 'dockerfile_inline has no file to lint' });
        continue;
      }
      if (typeof b.context === 'string') context = b.context;
      if (typeof b.dockerfile === 'string') dockerfile = b.dockerfile;
    }
    context = interpolate(context, env);
    dockerfile = interpolate(dockerfile, env);
    if (REMOTE_CONTEXT.test(context)) {
      skipped.push({ service, reason: `remote build context ${shown(context)}` });
      continue;
    }
    const resolved = path.posix.isAbsolute(dockerfile)
      ? dockerfile
      : path.posix.normalize(
          path.posix.join(path.posix.isAbsolute(context) ? '' : base, context, dockerfile),
        );
    targets.push({ service, dockerfile: resolved });
  }
  return { targets, skipped };
}

const GLOB_CHARS = /[*?[\]{}]/;

function toRelative(workspace: string, absolute: string): string {
  return path.relative(workspace, absolute).split(path.sep).join('/');
}

/**
 * A Dockerfile to lint, named relative to the workspace: refused (as a mistake in `input`) when it leads out of
 * the workspace through a symlink, so hadolint never reads, and the report never quotes, a file outside it.
 */
function insideWorkspace(input: string, relative: string, workspace: string): string {
  realPath(workspacePath(input, relative, workspace));
  return relative;
}

/** Files one `dockerfiles` entry names: a literal path as is, a glob outside node_modules, dist and .git. */
async function expandPattern(workspace: string, pattern: string): Promise<string[]> {
  const absolute = path.resolve(workspace, pattern);
  workspacePath(INPUT.dockerfiles, pattern, workspace);
  if (!GLOB_CHARS.test(pattern)) return isFile(absolute) ? [toRelative(workspace, absolute)] : [];
  const globber = await glob.create(absolute, { matchDirectories: false, implicitDescendants: false });
  const files = (await globber.glob()).map((f) => toRelative(workspace, f));
  return files.filter((f) => !inSkippedDir(f)).sort(byCodePoint);
}

export interface Targets {
  /** Workspace-relative Dockerfiles to lint, de-duplicated, in input order. */
  readonly files: string[];
  readonly notes: string[];
}

/** Which Dockerfiles to lint: the `dockerfiles` and `compose-file` inputs, or discovery when both are empty. */
export async function resolveTargets(
  settings: Pick<Settings, 'dockerfiles' | 'composeFiles'>,
  workspace: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Targets> {
  const files = new Set<string>();
  const notes: string[] = [];
  if (settings.dockerfiles.length === 0 && settings.composeFiles.length === 0) {
    const found = selectDockerfiles(listFiles(workspace));
    if (found.length === 0) {
      throw new InputError(
        INPUT.dockerfiles,
        'empty, and no Dockerfile, *.Dockerfile or Dockerfile.* was found in the repository. List the files to lint.',
      );
    }
    return { files: found.map((f) => insideWorkspace(INPUT.dockerfiles, f, workspace)), notes };
  }
  for (const pattern of settings.dockerfiles) {
    const matched = await expandPattern(workspace, pattern);
    if (matched.length === 0) {
      throw new InputError(
        INPUT.dockerfiles,
        `${shown(pattern)} matches no file. Check the path or glob relative to the repository root.`,
      );
    }
    matched.forEach((f) => files.add(insideWorkspace(INPUT.dockerfiles, f, workspace)));
  }
  for (const composeFile of settings.composeFiles) {
    const compose = workspacePath(INPUT.composeFile, composeFile, workspace);
    const scan = composeTargets(fs.readFileSync(existingFile(compose), 'utf8'), compose.name, env);
    for (const s of scan.skipped) notes.push(`${composeFile}: service '${s.service}' skipped: ${s.reason}.`);
    for (const t of scan.targets) {
      const dockerfile = path.resolve(workspace, t.dockerfile);
      const where = `service '${t.service}' in ${shown(composeFile)} builds from ${shown(t.dockerfile)}`;
      const relative = toRelative(workspace, dockerfile);
      if (relative.startsWith('../') || path.isAbsolute(relative))
        throw new InputError(
          INPUT.composeFile,
          `${where}, outside the workspace. Only files in the repository are linted.`,
        );
      if (!isFile(dockerfile)) {
        throw new InputError(
          INPUT.composeFile,
          `${where}, which is not a file. Fix its build context or dockerfile.`,
        );
      }
      files.add(insideWorkspace(INPUT.composeFile, relative, workspace));
    }
  }
  if (files.size === 0) {
    throw new InputError(
      INPUT.composeFile,
      `no service in ${settings.composeFiles.map((f) => shown(f)).join(', ')} has a build section with a Dockerfile to lint.`,
    );
  }
  return { files: [...files], notes };
}
