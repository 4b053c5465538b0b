/**
 * What an image says about the commit it was built from, defined once for every action: the release tag
 * `<YYYYMMDDHHmmss>-<sha7>` (the commit's date in UTC, so a re-run of the same commit gets the same tag and tags
 * sort in commit order), the build arguments docker/service.Dockerfile turns into OCI labels and the service's
 * `/version`, and those labels. compose-build passes the arguments; ghcr-push checks the labels and tags.
 */
import fs from 'node:fs';
import { type Command, command } from './command.js';
import { RULES, matches } from './rules.js';
import { runContext } from './run-context.js';
import type { Runner } from './runner.js';
import { shown } from './errors.js';

/** `git log -1 --format=%cI` (strict ISO 8601) and GitHub's `head_commit.timestamp`. */
const ISO = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

export const OCI_LABEL = {
  source: 'org.opencontainers.image.source',
  revision: 'org.opencontainers.image.revision',
  created: 'org.opencontainers.image.created',
  version: 'org.opencontainers.image.version',
} as const;

/** The build arguments, by the label each one becomes (docker/service.Dockerfile maps them). */
export const BUILD_ARG = {
  version: 'VERSION',
  revision: 'GIT_SHA',
  created: 'BUILD_DATE',
  source: 'SOURCE_URL',
} as const;

/** The commit an image is built from. */
export interface CommitFacts {
  /** Full lower-case commit SHA (GITHUB_SHA). */
  sha: string;
  /** The commit's date, ISO 8601 with any offset. */
  commitDate: string;
  /** `https://github.com/owner/repo`; undefined outside GitHub. */
  sourceUrl?: string | undefined;
}

/** `2024-03-01T01:30:05+02:00` -> `20240229233005` (UTC). */
export function utcTimestamp(commitDate: string): string {
  const m = ISO.exec(commitDate.trim());
  if (!m)
    throw new Error(
      `expected an ISO 8601 commit date like 2024-03-01T12:00:00+02:00, got ${shown(commitDate)}`,
    );
  const ms = Date.parse(commitDate.trim());
  if (Number.isNaN(ms)) throw new Error(`${shown(commitDate)} is not a valid date`);
  const iso = new Date(Math.floor(ms / 1000) * 1000).toISOString();
  return iso.slice(0, 19).replace(/[-T:]/g, '');
}

/** The commit date as RFC 3339 in UTC (the `org.opencontainers.image.created` label). */
export function utcIso(commitDate: string): string {
  const ts = utcTimestamp(commitDate);
  return `${ts.slice(0, 4)}-${ts.slice(4, 6)}-${ts.slice(6, 8)}T${ts.slice(8, 10)}:${ts.slice(10, 12)}:${ts.slice(12, 14)}Z`;
}

export function shortSha(sha: string): string {
  if (!matches(RULES.commitSha, sha))
    throw new Error(`expected a full lower-case commit SHA, got ${shown(sha)}`);
  return sha.slice(0, 7);
}

/** `<YYYYMMDDHHmmss>-<sha7>`: the image tag, the image's version and the release id CD deploys. */
export function releaseTag(facts: Pick<CommitFacts, 'sha' | 'commitDate'>): string {
  return `${utcTimestamp(facts.commitDate)}-${shortSha(facts.sha)}`;
}

/** The OCI labels an image built from this commit carries. */
export function ociLabels(facts: CommitFacts): Record<string, string> {
  return {
    ...(facts.sourceUrl ? { [OCI_LABEL.source]: facts.sourceUrl } : {}),
    [OCI_LABEL.revision]: facts.sha,
    // The commit time, not the wall clock: a re-run of the same commit describes the image identically.
    [OCI_LABEL.created]: utcIso(facts.commitDate),
    [OCI_LABEL.version]: releaseTag(facts),
  };
}

/** The same facts as build arguments, in label order; the Dockerfile turns them into the labels above. */
export function buildArgs(facts: CommitFacts): [name: string, value: string][] {
  const labels = ociLabels(facts);
  return (Object.keys(OCI_LABEL) as (keyof typeof OCI_LABEL)[])
    .filter((k) => labels[OCI_LABEL[k]] !== undefined)
    .map((k) => [BUILD_ARG[k], labels[OCI_LABEL[k]]!]);
}

/**
 * The commit date from the event payload, when the payload describes this very commit (push events carry
 * `head_commit`; pull_request events do not, and their GITHUB_SHA is a merge commit).
 */
export function eventCommitDate(payload: unknown, sha: string): string | undefined {
  if (payload === null || typeof payload !== 'object') return undefined;
  const head = (payload as { head_commit?: { id?: unknown; timestamp?: unknown } }).head_commit;
  if (head && head.id === sha && typeof head.timestamp === 'string') return head.timestamp;
  return undefined;
}

/** The commit date, read from the checked-out workspace. */
export function commitDateCommand(workspace: string, sha: string): Command {
  return command(['git', '-c', `safe.directory=${workspace}`, 'log', '-1', '--format=%cI', sha, '--'], {
    cwd: workspace,
  });
}

/**
 * The commit date: `git log` in the workspace first, else the event payload's head_commit. Undefined (with
 * git's stderr, for the caller's message) when neither knows the commit.
 */
export async function readCommitDate(
  runner: Runner,
  env: NodeJS.ProcessEnv,
  sha: string,
): Promise<{ date: string | undefined; stderr: string }> {
  const git = await runner.exec(commitDateCommand(runContext(env).workspace, sha));
  if (git.exitCode === 0 && git.stdout.trim()) return { date: git.stdout.trim(), stderr: '' };
  let date: string | undefined;
  if (env.GITHUB_EVENT_PATH) {
    try {
      date = eventCommitDate(JSON.parse(fs.readFileSync(env.GITHUB_EVENT_PATH, 'utf8')), sha);
    } catch {
      date = undefined;
    }
  }
  return { date, stderr: git.stderr || 'bad revision' };
}

/** `https://github.com/owner/repo` from the runner's environment, or undefined outside a workflow. */
export function sourceUrlFromEnv(env: NodeJS.ProcessEnv): string | undefined {
  const run = runContext(env);
  return run.repository ? `${run.serverUrl}/${run.repository}` : undefined;
}
