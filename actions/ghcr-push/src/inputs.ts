import { Inputs, type InputSource, actionsInputSource } from '../../toolkit/src/index.js';

/** Input names exactly as action.yml spells them. */
export const INPUT = {
  registry: 'registry',
  repository: 'repository',
  images: 'images',
  username: 'username',
  password: 'password',
  extraTags: 'extra-tags',
} as const;

export type Settings = ReturnType<typeof getInputs>;

export function getInputs(source: InputSource = actionsInputSource) {
  const i = new Inputs(source);
  return {
    registry: i.string(INPUT.registry, {
      default: 'ghcr.io',
      pattern: /^[a-z0-9.-]+(:\d+)?$/,
      hint: 'a registry host like ghcr.io or host:port',
    }),
    repository: i.string(INPUT.repository, {
      pattern: /^[a-z0-9][a-z0-9._/-]*$/,
      hint: 'a lower-case repository path like acme/shop',
    }),
    images: i.jsonMap(INPUT.images, { required: true }),
    username: i.string(INPUT.username),
    password: i.secret(INPUT.password),
    extraTags: i.list(INPUT.extraTags),
  };
}
