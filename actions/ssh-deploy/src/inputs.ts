import {
  Inputs,
  InputError,
  type InputSource,
  actionsInputSource,
  CONNECTION_INPUT,
  RULES,
  matches,
  readConnection,
  shown,
} from '../../toolkit/src/index.js';
import { defaultReleaseId } from '../../toolkit/src/deploy/release.js';

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

export type Settings = ReturnType<typeof getInputs>;

export function readImages(i: Inputs): Record<string, string> {
  const images = i.jsonMap(INPUT.images, { required: true });
  for (const [service, ref] of Object.entries(images)) {
    if (!matches(RULES.serviceName, service))
      throw new InputError(
        INPUT.images,
        `expected ${RULES.serviceName.hint} as keys, got ${shown(service)}.`,
      );
    if (!matches(RULES.pinnedImageRef, ref))
      throw new InputError(
        INPUT.images,
        `image for '${service}' must be pinned by digest (name@sha256:<64 hex>), got ${shown(ref)}.`,
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
    composeFile: i.file(INPUT.composeFile, { default: 'docker/compose.release.yaml' })!,
    proxyConfig: i.file(INPUT.proxyConfig, { default: 'docker/caddy/Caddyfile.release' })!,
    releaseId: i.string(INPUT.releaseId, { rule: RULES.releaseId }) || defaultReleaseId(images, now),
    healthTimeoutSeconds: i.integer(INPUT.healthTimeoutSeconds, { default: 120, min: 5, max: 3600 }),
    keepReleases: i.integer(INPUT.keepReleases, { default: 5, min: 1, max: 50 }),
    lockTimeoutSeconds: i.integer(INPUT.lockTimeoutSeconds, { default: 120, min: 0, max: 3600 }),
    githubToken: i.secret(INPUT.githubToken),
    environment: i.string(INPUT.environment, { default: 'production', rule: RULES.environment }),
    environmentUrl: i.string(INPUT.environmentUrl, {
      pattern: /^https?:\/\/\S+$/,
      hint: 'an http(s) URL',
    }),
  };
}
