/**
 * Pure planning: settings and facts in, `Command` values out. Nothing here runs a program.
 *
 * OCI labels. Labels live in the image config, so they can only be added by making a new image. We build a
 * thin `FROM <image>` image with `--label org.opencontainers.image.{source,revision,created,version}`
 * rather than attaching index annotations with `docker buildx imagetools create --annotation`, because:
 * - ghcr.io links a package to its repository through the `org.opencontainers.image.source` LABEL in the
 *   config, and `docker image inspect` on the VPS shows labels, not index annotations;
 * - a LABEL-only build adds no layer, needs no network (the base is local) and works with the plain docker
 *   driver of any engine, while `imagetools create` turns the pushed digest into an index digest and needs
 *   a registry that accepts OCI indexes with annotations;
 * - when the local image already carries exactly these labels (compose-build can set them), nothing is
 *   built: the image is only tagged, so its digest is the one compose-build produced.
 */
import path from 'node:path';
import { type Command, OCI_LABEL, command, ociLabels } from '../../toolkit/src/index.js';
import type { Settings } from './inputs.js';
import { computeTags } from './tags.js';

export const LABEL = OCI_LABEL;

/** What main gathers before planning. */
export interface Facts {
  /** Full commit SHA (GITHUB_SHA). */
  sha: string;
  /** The commit's date, ISO 8601 with any offset (`git log -1 --format=%cI`). */
  commitDate: string;
  /** `https://github.com/owner/repo`, for the source label; undefined outside GitHub. */
  sourceUrl: string | undefined;
  /** The private DOCKER_CONFIG directory of this job: credentials go there and nowhere else. */
  dockerConfig: string;
  /** Labels of each local image, by service (from `docker image inspect`). */
  localLabels: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

export interface ServicePlan {
  service: string;
  image: string;
  /** `registry/repository/service`. */
  name: string;
  tags: string[];
  /** True when a thin labelled image is built; false when the local image already has the labels. */
  build: boolean;
  /** Build (or tag) the image under every target tag. */
  prepare: Command[];
  /** One `docker push` per tag. */
  push: Command[];
  /** Reads the local image's RepoDigests after the push, to verify the digest. */
  verify: Command;
}

export interface Plan {
  /** The timestamped tag (`tag` output). */
  tag: string;
  tags: string[];
  labels: Record<string, string>;
  login: Command;
  services: ServicePlan[];
}

/** Existence and labels of a local image in one call. Prints `null` when the image has no labels. */
export function inspectLabelsCommand(image: string): Command {
  return command(['docker', 'image', 'inspect', '--format', '{{json .Config.Labels}}', image]);
}

/** The password goes on stdin; argv carries the user name only. */
export function loginCommand(
  registry: string,
  username: string,
  password: string,
  dockerConfig: string,
): Command {
  return command(['docker', 'login', registry, '-u', username, '--password-stdin'], {
    stdin: password,
    secrets: [password],
    env: { DOCKER_CONFIG: dockerConfig },
  });
}

export function logoutCommand(registry: string, dockerConfig: string): Command {
  return command(['docker', 'logout', registry], { env: { DOCKER_CONFIG: dockerConfig } });
}

export function wantedLabels(facts: Pick<Facts, 'sha' | 'commitDate' | 'sourceUrl'>): Record<string, string> {
  return ociLabels(facts);
}

export function hasLabels(
  actual: Readonly<Record<string, string>> | undefined,
  wanted: Record<string, string>,
): boolean {
  return Object.entries(wanted).every(([k, v]) => actual?.[k] === v);
}

export function buildCommand(
  image: string,
  refs: readonly string[],
  labels: Record<string, string>,
): Command {
  const argv = ['docker', 'build'];
  for (const [k, v] of Object.entries(labels)) argv.push('--label', `${k}=${v}`);
  for (const ref of refs) argv.push('--tag', ref);
  argv.push('-');
  // The build uses the engine's own builder, the only one that sees local images: a docker-container builder
  // selected by setup-buildx-action would try to pull the base from Docker Hub. The build runs with the
  // ambient DOCKER_CONFIG (plugins, builders); only registry commands get the private one.
  return command(argv, { stdin: `FROM ${image}\n`, env: { BUILDX_BUILDER: 'default' } });
}

export function pushCommand(ref: string, dockerConfig: string): Command {
  return command(['docker', 'push', ref], { env: { DOCKER_CONFIG: dockerConfig } });
}

export function repoDigestsCommand(ref: string): Command {
  return command(['docker', 'image', 'inspect', '--format', '{{json .RepoDigests}}', ref]);
}

export function planPush(settings: Settings, facts: Facts): Plan {
  const { primary, all } = computeTags(facts.commitDate, facts.sha, settings.extraTags);
  const labels = wantedLabels(facts);
  const services = Object.entries(settings.images).map(([service, image]): ServicePlan => {
    const name = `${settings.registry}/${settings.repository}/${service}`;
    const refs = all.map((t) => `${name}:${t}`);
    const build = !hasLabels(facts.localLabels[service], labels);
    return {
      service,
      image,
      name,
      tags: all,
      build,
      prepare: build
        ? [buildCommand(image, refs, labels)]
        : refs.map((ref) => command(['docker', 'tag', image, ref])),
      push: refs.map((ref) => pushCommand(ref, facts.dockerConfig)),
      verify: repoDigestsCommand(`${name}:${primary}`),
    };
  });
  return {
    tag: primary,
    tags: all,
    labels,
    login: loginCommand(settings.registry, settings.username, settings.password, facts.dockerConfig),
    services,
  };
}

/** The private config directories this action creates, so the post step only ever deletes one of those. */
export const CONFIG_DIR_PREFIX = 'slipway-ghcr-push-';

export function isOwnConfigDir(dir: string): boolean {
  return (
    path.isAbsolute(dir) &&
    path.basename(dir).startsWith(CONFIG_DIR_PREFIX) &&
    !dir.split(path.sep).includes('..')
  );
}
