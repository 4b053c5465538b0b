import {
  Inputs,
  type InputSource,
  actionsInputSource,
  CONNECTION_INPUT,
  readConnection,
} from '../../toolkit/src/index.js';

/** Input names exactly as action.yml spells them. */
export const INPUT = {
  ...CONNECTION_INPUT,
  images: 'images',
  composeFile: 'compose-file',
  releaseId: 'release-id',
  healthTimeoutSeconds: 'health-timeout-seconds',
  keepReleases: 'keep-releases',
} as const;

export type Settings = ReturnType<typeof getInputs>;

export function getInputs(source: InputSource = actionsInputSource) {
  const i = new Inputs(source);
  return {
    ...readConnection(i),
    images: i.jsonMap(INPUT.images, { required: true }),
    composeFile: i.path(INPUT.composeFile, { default: 'docker/compose.yaml' }),
    releaseId: i.string(INPUT.releaseId, {
      pattern: /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/,
      hint: 'a release id of letters, digits, . _ - (at most 64)',
    }),
    healthTimeoutSeconds: i.integer(INPUT.healthTimeoutSeconds, { default: 120, min: 5, max: 3600 }),
    keepReleases: i.integer(INPUT.keepReleases, { default: 5, min: 1, max: 50 }),
  };
}
