import fs from 'node:fs';
import * as core from '@actions/core';
import { RULES, type RepoRef, matches, runContext } from '../../toolkit/src/index.js';

/** Facts about the run, gathered once from the runner's environment and the event payload. */
export interface RunContext {
  eventName: string;
  /** The PR number on pull_request and pull_request_target events. */
  pullRequest?: number;
  /** `repository.default_branch` from the event payload. */
  defaultBranch?: string;
  /** The commit the PR is compared with: `pull_request.base.sha` (PRs) or `before` (pushes). */
  baseSha?: string;
  /** The commit under test (GITHUB_SHA). */
  sha?: string;
  refName?: string;
  repo?: RepoRef;
  runUrl?: string;
  workspace: string;
  /** Where the report file goes: RUNNER_TEMP, or the OS temp dir outside a runner. */
  tempDir: string;
}

interface EventPayload {
  repository?: { default_branch?: unknown };
  pull_request?: { number?: unknown; base?: { sha?: unknown } };
  before?: unknown;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
/** A commit SHA from the payload; a new branch's `before` is all zeros, which names no commit. */
const sha = (v: unknown): string | undefined =>
  typeof v === 'string' && matches(RULES.commitSha, v) && !/^0+$/.test(v) ? v : undefined;

/** Pure: the context from an environment (the toolkit's run context) and an already-parsed event payload. */
export function contextFrom(env: NodeJS.ProcessEnv, payload: EventPayload): RunContext {
  const run = runContext(env);
  const eventName = run.eventName;
  const isPr = eventName === 'pull_request' || eventName === 'pull_request_target';
  const number = payload.pull_request?.number;
  const ctx: RunContext = { eventName, workspace: run.workspace, tempDir: run.tempDir };
  if (isPr && typeof number === 'number' && Number.isInteger(number) && number > 0) ctx.pullRequest = number;
  const defaultBranch = str(payload.repository?.default_branch);
  if (defaultBranch) ctx.defaultBranch = defaultBranch;
  const base = isPr
    ? sha(payload.pull_request?.base?.sha)
    : eventName === 'push'
      ? sha(payload.before)
      : undefined;
  if (base) ctx.baseSha = base;
  if (run.sha) ctx.sha = run.sha;
  if (run.refName) ctx.refName = run.refName;
  if (run.repo) ctx.repo = run.repo;
  if (run.runUrl) ctx.runUrl = run.runUrl;
  return ctx;
}

/** Reads GITHUB_EVENT_PATH. An unreadable payload is a warning: the gate still runs, without comment or cache. */
export function readContext(env: NodeJS.ProcessEnv = process.env): RunContext {
  let payload: EventPayload = {};
  if (env.GITHUB_EVENT_PATH) {
    try {
      payload = JSON.parse(fs.readFileSync(env.GITHUB_EVENT_PATH, 'utf8')) as EventPayload;
    } catch (err) {
      core.warning(
        `eval-check: could not read the event payload (${(err as Error).message}); continuing without PR comment and baseline cache.`,
      );
    }
  }
  return contextFrom(env, payload ?? {});
}
