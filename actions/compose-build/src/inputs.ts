import { Inputs, type InputSource, actionsInputSource } from '../../toolkit/src/index.js';

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
  noCache: 'no-cache',
} as const;

export type Settings = ReturnType<typeof getInputs>;

export function getInputs(source: InputSource = actionsInputSource) {
  const i = new Inputs(source);
  return {
    composeFiles: i.list(INPUT.composeFile, { default: ['docker/compose.yaml'] }),
    services: i.list(INPUT.services),
    imagePrefix: i.string(INPUT.imagePrefix, {
      pattern: /^[a-z0-9][a-z0-9._:/-]*$/,
      hint: 'a lower-case image name prefix like ghcr.io/acme/shop',
    }),
    tag: i.string(INPUT.tag, {
      default: 'ci',
      pattern: /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/,
      hint: 'a Docker tag (letters, digits, _ . -; at most 128)',
    }),
    push: i.boolean(INPUT.push, { default: false }),
    cache: i.enum(INPUT.cache, ['gha', 'local', 'none'] as const, { default: 'local' }),
    cacheDir: i.path(INPUT.cacheDir, { default: '.cache/buildx' }),
    buildArgs: i.list(INPUT.buildArgs),
    noCache: i.boolean(INPUT.noCache, { default: false }),
  };
}
