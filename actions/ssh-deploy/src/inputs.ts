import {
  Inputs,
  InputError,
  type InputSource,
  actionsInputSource,
  CONNECTION_INPUT,
  readConnection,
} from '../../toolkit/src/index.js';
import { IMAGE_REF, SERVICE_NAME, defaultReleaseId } from '../../toolkit/src/deploy/release.js';

/** Input names exactly as action.yml spells them. */
export const INPUT = {
  ...CONNECTION_INPUT,
  images: 'images',
  composeFile: 'compose-file',
  proxyConfig: 'proxy-config',
  releaseId: 'release-id',
  healthTimeoutSeconds: 'health-timeout-seconds',
  keepReleases: 'keep-releases',
  lockTimeoutSeconds: 'lock-timeout-seconds',
  githubToken: 'github-token',
  environment: 'environment',
  environmentUrl: 'environment-url',
} as const;

export const RELEASE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
export const ENVIRONMENT = /^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$/;

export type Settings = ReturnType<typeof getInputs>;

export function readImages(i: Inputs): Record<string, string> {
  const images = i.jsonMap(INPUT.images, { required: true });
  for (const [service, ref] of Object.entries(images)) {
    if (!SERVICE_NAME.test(service))
      throw new InputError(INPUT.images, `service name '${service}' must match ${SERVICE_NAME}.`);
    if (!IMAGE_REF.test(ref))
      throw new InputError(
        INPUT.images,
        `image for '${service}' must be pinned by digest (name@sha256:<64 hex>), got '${ref}'.`,
      );
  }
  if (!images.api) throw new InputError(INPUT.images, "must contain the 'api' service.");
  return images;
}

export function getInputs(source: InputSource = actionsInputSource, now = new Date()) {
  const i = new Inputs(source);
  const connection = readConnection(i);
  const images = readImages(i);
  return {
    ...connection,
    images,
    composeFile: i.path(INPUT.composeFile, { default: 'docker/compose.release.yaml' }),
    proxyConfig: i.path(INPUT.proxyConfig, { default: 'docker/caddy/Caddyfile.release' }),
    releaseId:
      i.string(INPUT.releaseId, {
        pattern: RELEASE_ID,
        hint: 'a release id of letters, digits, . _ - (at most 64)',
      }) || defaultReleaseId(images, now),
    healthTimeoutSeconds: i.integer(INPUT.healthTimeoutSeconds, { default: 120, min: 5, max: 3600 }),
    keepReleases: i.integer(INPUT.keepReleases, { default: 5, min: 1, max: 50 }),
    lockTimeoutSeconds: i.integer(INPUT.lockTimeoutSeconds, { default: 120, min: 0, max: 3600 }),
    githubToken: i.secret(INPUT.githubToken),
    environment: i.string(INPUT.environment, {
      default: 'production',
      pattern: ENVIRONMENT,
      hint: 'an environment name of letters, digits, space . _ -',
    }),
    environmentUrl: i.string(INPUT.environmentUrl, {
      pattern: /^https?:\/\/\S+$/,
      hint: 'an http(s) URL',
    }),
  };
}
