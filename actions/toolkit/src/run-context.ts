/**
 * Facts about the workflow run, read once from the runner's environment. Each is checked against its domain
 * rule (rules.ts) and left out when it does not follow it, so no action builds a link, a cache key or a ledger
 * entry from a value it has not validated. Pure: the environment is passed in.
 */
import os from 'node:os';
import type { RepoRef } from './github.js';
import { RULES, matches } from './rules.js';
import { workspaceRoot } from './workspace-path.js';

export interface RunContext {
  /** GITHUB_EVENT_NAME, '' outside a workflow. */
  eventName: string;
  /** The commit under test (GITHUB_SHA), when it is a full commit SHA. */
  sha?: string;
  refName?: string;
  /** owner/repo (GITHUB_REPOSITORY) and its parts. */
  repository?: string;
  repo?: RepoRef;
  /** Who started the run (GITHUB_ACTOR). */
  actor?: string;
  /** GITHUB_SERVER_URL, default https://github.com. */
  serverUrl: string;
  /** Link to this run, when the repository and run id are known. */
  runUrl?: string;
  /** GITHUB_WORKSPACE (or the working directory), symlinks resolved. */
  workspace: string;
  /** RUNNER_TEMP, or the OS temp dir outside a runner. */
  tempDir: string;
}

export function runContext(env: NodeJS.ProcessEnv = process.env): RunContext {
  const valid = (rule: keyof typeof RULES, value: string | undefined) =>
    value !== undefined && value !== '' && matches(RULES[rule], value) ? value : undefined;
  const serverUrl = (env.GITHUB_SERVER_URL || 'https://github.com').replace(/\/+$/, '');
  const ctx: RunContext = {
    eventName: env.GITHUB_EVENT_NAME ?? '',
    serverUrl,
    workspace: workspaceRoot(env),
    tempDir: env.RUNNER_TEMP || os.tmpdir(),
  };
  const sha = valid('commitSha', env.GITHUB_SHA);
  if (sha) ctx.sha = sha;
  if (env.GITHUB_REF_NAME) ctx.refName = env.GITHUB_REF_NAME;
  const actor = valid('actor', env.GITHUB_ACTOR);
  if (actor) ctx.actor = actor;
  const repository = valid('githubRepository', env.GITHUB_REPOSITORY);
  if (repository) {
    const [owner, repo] = repository.split('/') as [string, string];
    ctx.repository = repository;
    ctx.repo = { owner, repo };
    const runUrl = valid(
      'runUrl',
      env.GITHUB_RUN_ID && `${serverUrl}/${repository}/actions/runs/${env.GITHUB_RUN_ID}`,
    );
    if (runUrl) ctx.runUrl = runUrl;
  }
  return ctx;
}
