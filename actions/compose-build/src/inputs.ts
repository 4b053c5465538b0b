import {
  InputError,
  Inputs,
  type InputSource,
  RULES,
  actionsInputSource,
  matches,
  shown,
} from '../../toolkit/src/index.js';
import { checkCacheDir } from './cache-dir.js';

/** Input names exactly as action.yml spells them. */
export const INPUT = {
  composeFile: 'compose-file',
  services: 'services',
  imagePrefix: 'image-prefix',
  tag: 'tag',
  push: 'push',
  cache: 'cache',
  cacheDir: 'cache-dir',
  buildArgs: 'build-args',
  buildMetadata: 'build-metadata',
  noCache: 'no-cache',
} as const;

export type CacheBackend = 'gha' | 'local' | 'none';

export interface Settings {
  /** Compose files as given (relative to the workspace), merged in order. */
  composeFiles: string[];
  /** Services asked for; empty means every service with a build section. */
  services: string[];
  imagePrefix: string;
  /** Empty: `ci` with an image prefix, the compose file's own tag without one. */
  tag: string;
  push: boolean;
  cache: CacheBackend;
  /** Absolute path of the local cache directory, inside the workspace (checked to be a cache with `local`). */
  cacheDir: string;
  /** Build arguments in the order given; a later NAME wins, as with `docker build --build-arg`. */
  buildArgs: [name: string, value: string][];
  /** Pass the commit's build metadata (VERSION, GIT_SHA, BUILD_DATE, SOURCE_URL) as build arguments. */
  buildMetadata: boolean;
  noCache: boolean;
}

const ARG_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Parses `NAME=value` lines. Only newlines separate entries, so values may hold commas, spaces and `=`.
 * Blank lines and `#` comments are skipped.
 */
export function parseBuildArgs(text: string): [string, string][] {
  const out: [string, string][] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    const name = eq === -1 ? line : line.slice(0, eq).trim();
    if (eq === -1 || !ARG_NAME.test(name)) {
      throw new InputError(
        INPUT.buildArgs,
        `expected NAME=value lines with NAME of letters, digits and _ (not starting with a digit), got ${shown(line)}.`,
      );
    }
    out.push([name, line.slice(eq + 1)]);
  }
  return out;
}

export function getInputs(source: InputSource = actionsInputSource): Settings {
  const i = new Inputs(source);
  const composeFiles = i.files(INPUT.composeFile, { default: ['docker/compose.yaml'] }).map((f) => f.given);
  const services = i.list(INPUT.services);
  for (const s of services) {
    if (!matches(RULES.serviceName, s))
      throw new InputError(
        INPUT.services,
        `expected ${RULES.serviceName.hint}: the names ghcr-push and ssh-deploy accept; got ${shown(s)}.`,
      );
  }
  const cache = i.enum(INPUT.cache, ['gha', 'local', 'none'] as const, { default: 'local' });
  const cacheDir = i.directory(INPUT.cacheDir, { default: '.cache/buildx' })!;
  return {
    composeFiles,
    services,
    imagePrefix: i.string(INPUT.imagePrefix, { rule: RULES.imageName }),
    tag: i.string(INPUT.tag, { rule: RULES.tag }),
    push: i.boolean(INPUT.push, { default: false }),
    cache,
    cacheDir: cache === 'local' ? checkCacheDir(cacheDir) : cacheDir.path,
    buildArgs: parseBuildArgs(i.string(INPUT.buildArgs)),
    buildMetadata: i.boolean(INPUT.buildMetadata, { default: true }),
    noCache: i.boolean(INPUT.noCache, { default: false }),
  };
}
