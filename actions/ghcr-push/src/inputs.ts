import {
  InputError,
  Inputs,
  type InputSource,
  RULES,
  actionsInputSource,
  matches,
  shown,
} from '../../toolkit/src/index.js';
import { IMAGE_NAME_MAX } from '../../toolkit/src/rules.js';

/** Input names exactly as action.yml spells them. */
export const INPUT = {
  registry: 'registry',
  repository: 'repository',
  images: 'images',
  username: 'username',
  password: 'password',
  extraTags: 'extra-tags',
} as const;

/** Image IDs match the name grammar but cannot be used in the FROM line of the labelling build. */
const IMAGE_ID = /^(?:sha256:)?[0-9a-f]{64}$/;

export interface Settings {
  registry: string;
  /** Path under the registry, lower case, e.g. `acme/shop`. */
  repository: string;
  /** service -> local image, sorted by service name. */
  images: Record<string, string>;
  username: string;
  /** Secret: masked when read, sent to `docker login` on stdin only. */
  password: string;
  extraTags: string[];
}

export function getInputs(
  source: InputSource = actionsInputSource,
  env: NodeJS.ProcessEnv = process.env,
): Settings {
  const i = new Inputs(source);
  const registry = i.string(INPUT.registry, { default: 'ghcr.io', rule: RULES.registry });
  const repository = readRepository(i, env);
  const images = readImages(i, registry, repository);
  const username = i.string(INPUT.username, {
    required: true,
    pattern: /^[^\s:-][^\s:]{0,255}$/,
    hint: 'a user name without spaces or colons (usually ${{ github.actor }})',
  });
  const password = i.secret(INPUT.password, { required: true });
  const extraTags = [...new Set(i.list(INPUT.extraTags))];
  for (const tag of extraTags) {
    if (!matches(RULES.tag, tag))
      throw new InputError(INPUT.extraTags, `each entry must be ${RULES.tag.hint}, got ${shown(tag)}.`);
  }
  return { registry, repository, images, username, password, extraTags };
}

function readRepository(i: Inputs, env: NodeJS.ProcessEnv): string {
  const given = i.string(INPUT.repository, { rule: RULES.repository });
  if (given) return given;
  const fromEnv = (env.GITHUB_REPOSITORY ?? '').toLowerCase();
  if (!fromEnv)
    throw new InputError(
      INPUT.repository,
      'empty and GITHUB_REPOSITORY is not set. Set `repository`, e.g. acme/shop.',
    );
  if (!matches(RULES.repository, fromEnv))
    throw new InputError(
      INPUT.repository,
      `the default, GITHUB_REPOSITORY lower-cased (${shown(fromEnv)}), is not a valid registry path. Set \`repository\` explicitly.`,
    );
  return fromEnv;
}

function readImages(i: Inputs, registry: string, repository: string): Record<string, string> {
  const map = i.jsonMap(INPUT.images, { required: true });
  const services = Object.keys(map).sort();
  if (services.length === 0)
    throw new InputError(
      INPUT.images,
      "expected at least one service, got {}. Pass compose-build's `images` output.",
    );
  const images: Record<string, string> = {};
  for (const service of services) {
    const image = map[service]!;
    if (!matches(RULES.serviceName, service))
      throw new InputError(
        INPUT.images,
        `expected ${RULES.serviceName.hint} as keys, the names ssh-deploy deploys, got ${shown(service)}.`,
      );
    if (!matches(RULES.imageRef, image) || IMAGE_ID.test(image))
      throw new InputError(
        INPUT.images,
        `service '${service}': expected a local image reference like name:tag or name@sha256:..., got ${shown(image)}.`,
      );
    const target = `${registry}/${repository}/${service}`;
    if (target.length > IMAGE_NAME_MAX)
      throw new InputError(
        INPUT.images,
        `service '${service}': ${shown(target)} is longer than ${IMAGE_NAME_MAX} characters.`,
      );
    images[service] = image;
  }
  return images;
}
