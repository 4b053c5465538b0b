import { InputError, Inputs, type InputSource, actionsInputSource } from '../../toolkit/src/index.js';

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
  /** Absolute path of the local cache directory, inside the workspace. */
  cacheDir: string;
  /** Build arguments in the order given; a later NAME wins, as with `docker build --build-arg`. */
  buildArgs: [name: string, value: string][];
  /** Pass the commit's build metadata (VERSION, GIT_SHA, BUILD_DATE, SOURCE_URL) as build arguments. */
  buildMetadata: boolean;
  noCache: boolean;
}

const SERVICE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
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
        `expected NAME=value lines with NAME of letters, digits and _ (not starting with a digit), got '${line}'.`,
      );
    }
    out.push([name, line.slice(eq + 1)]);
  }
  return out;
}

export function getInputs(source: InputSource = actionsInputSource): Settings {
  const i = new Inputs(source);
  const composeFiles = i.list(INPUT.composeFile, { default: ['docker/compose.yaml'] });
  const services = i.list(INPUT.services);
  for (const s of services) {
    if (!SERVICE.test(s))
      throw new InputError(
        INPUT.services,
        `expected compose service names (letters, digits, _ . -), got '${s}'.`,
      );
  }
  return {
    composeFiles,
    services,
    imagePrefix: i.string(INPUT.imagePrefix, {
      pattern: /^[a-z0-9][a-z0-9._:/-]*[a-z0-9]$/,
      hint: 'a lower-case image name prefix like ghcr.io/acme/shop',
    }),
    tag: i.string(INPUT.tag, {
      pattern: /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/,
      hint: 'a Docker tag (letters, digits, _ . -; at most 128)',
    }),
    push: i.boolean(INPUT.push, { default: false }),
    cache: i.enum(INPUT.cache, ['gha', 'local', 'none'] as const, { default: 'local' }),
    cacheDir: i.path(INPUT.cacheDir, { default: '.cache/buildx' }),
    buildArgs: parseBuildArgs(i.string(INPUT.buildArgs)),
    buildMetadata: i.boolean(INPUT.buildMetadata, { default: true }),
    noCache: i.boolean(INPUT.noCache, { default: false }),
  };
}
