/**
 * Where the workflows publish and deploy, from repository variables, each with its production default: the
 * same YAML deploys through ghcr.io to the production VPS on GitHub and, under act, through the sandbox's
 * registry to the sandbox's host (scripts/act sets the variables). Variables are not secret but are reviewed;
 * the deploy key and a non-GitHub registry's password are secrets (the deploy key of the `production`
 * environment). docs/DEPLOY.md lists them; `SETTINGS` is the one list of names and defaults.
 */
export interface Setting {
  readonly name: string;
  readonly kind: 'variable' | 'secret';
  /** The production value when the variable is unset; undefined: required (or empty is meaningful). */
  readonly default?: string;
  readonly what: string;
}

export const SETTINGS = {
  registry: {
    name: 'REGISTRY',
    kind: 'variable',
    default: 'ghcr.io',
    what: 'registry host images are pushed to',
  },
  imageRepository: {
    name: 'IMAGE_REPOSITORY',
    kind: 'variable',
    what: 'repository path under the registry; empty: the GitHub repository, lower-cased',
  },
  registryUsername: {
    name: 'REGISTRY_USERNAME',
    kind: 'variable',
    default: 'github.actor',
    what: 'registry user; on ghcr.io the actor whose GITHUB_TOKEN pushes',
  },
  registryPassword: {
    name: 'REGISTRY_PASSWORD',
    kind: 'secret',
    default: 'github.token',
    what: 'registry password; on ghcr.io the job token (packages: write)',
  },
  buildCache: {
    name: 'BUILD_CACHE',
    kind: 'variable',
    default: 'gha',
    what: "compose-build's cache backend (gha needs setup-buildx's docker-container builder)",
  },
  vpsHost: { name: 'VPS_HOST', kind: 'variable', what: "the VPS's host name or address" },
  vpsPort: { name: 'VPS_PORT', kind: 'variable', default: '22', what: "the VPS's SSH port" },
  vpsUser: { name: 'VPS_USER', kind: 'variable', default: 'deploy', what: 'the deploy user on the VPS' },
  vpsKnownHosts: {
    name: 'VPS_KNOWN_HOSTS',
    kind: 'variable',
    what: "the VPS's host key as a known_hosts line, verified out of band",
  },
  vpsAppDir: {
    name: 'VPS_APP_DIR',
    kind: 'variable',
    default: '/srv/slipway',
    what: 'the application directory on the VPS',
  },
  vpsSshKey: {
    name: 'VPS_SSH_KEY',
    kind: 'secret',
    what: "the deploy user's private key, a secret of the production environment",
  },
  productionUrl: {
    name: 'PRODUCTION_URL',
    kind: 'variable',
    what: 'the public URL: shown on the environment, smoke-checked after each deploy',
  },
} as const satisfies Record<string, Setting>;

/** `${{ vars.NAME || 'default' }}` (or `secrets.`); a default naming a context (github.actor) is not quoted. */
export function expr(setting: Setting): string {
  const ref = `${setting.kind === 'secret' ? 'secrets' : 'vars'}.${setting.name}`;
  if (setting.default === undefined) return `\${{ ${ref} }}`;
  const fallback = /^github\.[a-z_]+$/.test(setting.default) ? setting.default : `'${setting.default}'`;
  return `\${{ ${ref} || ${fallback} }}`;
}

const S = SETTINGS;

/** Registry inputs of ghcr-push. */
export const registryInputs = {
  registry: expr(S.registry),
  repository: expr(S.imageRepository),
  username: expr(S.registryUsername),
  password: expr(S.registryPassword),
} as const;

/** SSH connection inputs of ssh-deploy and rollback. */
export const vpsConnection = {
  host: expr(S.vpsHost),
  port: expr(S.vpsPort),
  user: expr(S.vpsUser),
  'known-hosts': expr(S.vpsKnownHosts),
  'private-key': expr(S.vpsSshKey),
  'app-dir': expr(S.vpsAppDir),
} as const;

export const productionUrl = expr(S.productionUrl);
export const buildCache = expr(S.buildCache);
