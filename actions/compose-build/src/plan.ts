import path from 'node:path';
import {
  ActionError,
  type Command,
  type CommitFacts,
  InputError,
  RULES,
  buildArgs,
  command,
  matches,
  shown,
} from '../../toolkit/src/index.js';
import type { BuilderFacts } from './builder.js';
import type { ComposeFacts } from './compose.js';
import { INPUT, type Settings } from './inputs.js';

/** Everything the plan depends on besides the inputs, gathered before planning. */
export interface Facts {
  compose: ComposeFacts;
  builder: BuilderFacts;
  /** The GitHub Actions cache service is reachable (its runtime token and URL are in the environment). */
  ghaCache: boolean;
  /** Services whose local cache directory (`<cache-dir>/<service>`) already holds a cache. */
  localCaches: readonly string[];
  /** Where bake writes its per-target metadata (image digests). */
  metadataFile: string;
  /** The commit being built, when build-metadata is on and the run knows it. */
  commit?: CommitFacts | undefined;
}

/**
 * How the build cache really works for this run:
 * `gha` and `local` export one cache per service; `engine` means the builder is the docker driver, which cannot
 * export cache, so only the engine's own build cache on this machine is used; `none` uses no cache flags.
 */
export type CacheMode = 'gha' | 'local' | 'engine' | 'none';

export interface ServicePlan {
  service: string;
  /** The reference the image is tagged (and pushed) as. */
  image: string;
  cacheFrom: string[];
  cacheTo: string[];
}

/** After a successful build the fresh local cache replaces the old one, so the cache never grows unbounded. */
export interface CacheSwap {
  fresh: string;
  current: string;
}

export interface BuildPlan {
  services: ServicePlan[];
  cacheMode: CacheMode;
  builder: BuilderFacts;
  push: boolean;
  bake: Command;
  /** The local cache folder the swaps happen in ('' without a local cache). */
  cacheDir: string;
  swaps: CacheSwap[];
  metadataFile: string;
  notices: string[];
}

/**
 * The services to build: those asked for, else every service with a build section, in compose order. Each
 * must have a name ghcr-push pushes and ssh-deploy deploys (RULES.serviceName), so what builds also ships.
 */
export function selectServices(wanted: readonly string[], compose: ComposeFacts): string[] {
  const buildable = Object.keys(compose.services).filter((s) => compose.services[s]?.context !== undefined);
  if (wanted.length === 0) {
    if (buildable.length === 0) {
      throw new ActionError(
        `compose-build: no service in the compose file has a build section (services: ${Object.keys(compose.services).join(', ') || 'none'}). Add a \`build:\` section or list services in \`${INPUT.services}\`.`,
      );
    }
    const unfit = buildable.filter((s) => !matches(RULES.serviceName, s));
    if (unfit.length > 0) {
      throw new ActionError(
        `compose-build: service ${shown(unfit[0]!)} in the compose file has a build section but a name Slipway cannot push or deploy: expected ${RULES.serviceName.hint}. Rename it, or list the services to build in \`${INPUT.services}\`.`,
      );
    }
    return buildable;
  }
  for (const s of wanted) {
    const svc = compose.services[s];
    if (!svc) {
      throw new InputError(
        INPUT.services,
        `service '${s}' is not in the compose file. Services with a build section: ${buildable.join(', ') || 'none'}.`,
      );
    }
    if (svc.context === undefined) {
      throw new InputError(
        INPUT.services,
        `service '${s}' has no build section${svc.image ? ` (it runs the image ${shown(svc.image)})` : ''}. Services with a build section: ${buildable.join(', ') || 'none'}.`,
      );
    }
  }
  return [...new Set(wanted)];
}

/**
 * The reference a service's image gets: `<image-prefix>/<service>:<tag>` (tag `ci` when empty); without a
 * prefix the compose file's `image:`, else compose's own default name `<project>-<service>` (what `docker
 * compose build` would tag), with its tag replaced by `tag` when one is given.
 */
export function imageRef(settings: Settings, compose: ComposeFacts, service: string): string {
  if (settings.imagePrefix) return `${settings.imagePrefix}/${service}:${settings.tag || 'ci'}`;
  const image = compose.services[service]?.image;
  if (!image && settings.push) {
    throw new InputError(
      INPUT.imagePrefix,
      `required to push service '${service}', which has no \`image:\` in the compose file. Set it, e.g. ghcr.io/OWNER/REPO.`,
    );
  }
  const ref = image ?? `${compose.project}-${service}`.toLowerCase();
  return settings.tag ? `${repositoryOf(ref)}:${settings.tag}` : ref;
}

/** The commit's build metadata first, then `build-args`: one value per name, the input's winning. */
export function effectiveBuildArgs(settings: Settings, facts: Facts): [string, string][] {
  const merged = new Map<string, string>(facts.commit ? buildArgs(facts.commit) : []);
  for (const [name, value] of settings.buildArgs) {
    merged.delete(name);
    merged.set(name, value);
  }
  return [...merged];
}

/** `registry/name:tag` or `name@sha256:...` -> `registry/name` (a registry port is not a tag). */
export function repositoryOf(ref: string): string {
  const at = ref.indexOf('@');
  if (at !== -1) return ref.slice(0, at);
  const slash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  return colon > slash ? ref.slice(0, colon) : ref;
}

function cacheMode(settings: Settings, facts: Facts): { mode: CacheMode; notices: string[] } {
  const dockerDriver = facts.builder.driver === 'docker';
  if (settings.cache === 'none') return { mode: 'none', notices: [] };
  if (settings.cache === 'gha') {
    if (dockerDriver) {
      throw new InputError(
        INPUT.cache,
        `'gha' needs a builder that can export cache, but builder '${facts.builder.name}' uses the docker driver, which cannot. Add a docker/setup-buildx-action step before this one (it creates a docker-container builder), or set cache: local.`,
      );
    }
    if (!facts.ghaCache) {
      throw new InputError(
        INPUT.cache,
        `'gha' needs the GitHub Actions cache service, but ACTIONS_RUNTIME_TOKEN and ACTIONS_CACHE_URL/ACTIONS_RESULTS_URL are not set. Run on GitHub Actions, or set cache: local.`,
      );
    }
    return { mode: 'gha', notices: [] };
  }
  if (dockerDriver) {
    return {
      mode: 'engine',
      notices: [
        `cache: local: builder '${facts.builder.name}' uses the docker driver, which cannot export cache, so nothing is written to ${INPUT.cacheDir}; the engine's own build cache on this machine is used instead. Add docker/setup-buildx-action (docker-container driver) for a cache that survives the machine.`,
      ],
    };
  }
  return { mode: 'local', notices: [] };
}

function cacheFlags(
  mode: CacheMode,
  settings: Settings,
  facts: Facts,
  service: string,
): { from: string[]; to: string[]; swap?: CacheSwap } {
  const read = !settings.noCache;
  if (mode === 'gha') {
    return {
      from: read ? [`type=gha,scope=${service}`] : [],
      to: [`type=gha,scope=${service},mode=max`],
    };
  }
  if (mode === 'local') {
    const current = path.join(settings.cacheDir, service);
    const fresh = `${current}-new`;
    return {
      from: read && facts.localCaches.includes(service) ? [`type=local,src=${current}`] : [],
      to: [`type=local,dest=${fresh},mode=max`],
      swap: { fresh, current },
    };
  }
  return { from: [], to: [] };
}

/**
 * Pure: settings and facts -> the bake command and everything needed to report on it.
 *
 * Context and Dockerfile are passed from `docker compose config` because bake (buildx 0.13) resolves a compose
 * file's relative `context:` against the working directory instead of the compose file's directory; compose's
 * own resolution is the one `docker compose build` and `up` use.
 */
export function planBuild(settings: Settings, facts: Facts): BuildPlan {
  const names = selectServices(settings.services, facts.compose);
  const { mode, notices } = cacheMode(settings, facts);
  const args = effectiveBuildArgs(settings, facts);
  const argv = ['docker', 'buildx', 'bake'];
  for (const f of settings.composeFiles) argv.push('-f', f);
  argv.push('--progress=plain', '--metadata-file', facts.metadataFile);
  if (settings.noCache) argv.push('--no-cache');
  const services: ServicePlan[] = [];
  const swaps: CacheSwap[] = [];
  for (const service of names) {
    const facts_ = facts.compose.services[service]!;
    const image = imageRef(settings, facts.compose, service);
    const cache = cacheFlags(mode, settings, facts, service);
    const set = (key: string, value: string) => argv.push('--set', `${service}.${key}=${value}`);
    set('context', facts_.context!);
    if (facts_.dockerfile) set('dockerfile', facts_.dockerfile);
    set('tags', image);
    set('output', settings.push ? 'type=registry' : 'type=docker');
    for (const [name, value] of args) set(`args.${name}`, value);
    for (const c of cache.from) set('cache-from', c);
    for (const c of cache.to) set('cache-to', c);
    if (cache.swap) swaps.push(cache.swap);
    services.push({ service, image, cacheFrom: cache.from, cacheTo: cache.to });
  }
  argv.push(...names);
  return {
    services,
    cacheMode: mode,
    builder: facts.builder,
    push: settings.push,
    bake: command(argv),
    cacheDir: swaps.length > 0 ? settings.cacheDir : '',
    swaps,
    metadataFile: facts.metadataFile,
    notices,
  };
}
