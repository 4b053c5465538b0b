import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as core from '@actions/core';
import {
  ActionError,
  type CommitFacts,
  type Runner,
  lastLine,
  readCommitDate,
  sourceUrlFromEnv,
} from '../../toolkit/src/index.js';
import { inspectBuilder } from './builder.js';
import { readCompose } from './compose.js';
import { INPUT, type Settings } from './inputs.js';
import type { Facts } from './plan.js';

/** Gathers what planning needs: the validated compose config, the builder, the cache service and cache dirs. */
export async function gatherFacts(runner: Runner, settings: Settings, env = process.env): Promise<Facts> {
  const compose = await readCompose(runner, settings.composeFiles);
  const builder = await inspectBuilder(runner);
  const localCaches = Object.keys(compose.services).filter((s) =>
    fs.existsSync(path.join(settings.cacheDir, s, 'index.json')),
  );
  const tmp = fs.mkdtempSync(path.join(env.RUNNER_TEMP || os.tmpdir(), 'compose-build-'));
  return {
    compose,
    builder,
    ghaCache: Boolean(env.ACTIONS_RUNTIME_TOKEN && (env.ACTIONS_CACHE_URL || env.ACTIONS_RESULTS_URL)),
    localCaches,
    metadataFile: path.join(tmp, 'bake-metadata.json'),
    commit: settings.buildMetadata ? await commitFacts(runner, env) : undefined,
  };
}

/** The commit being built, for its build metadata; undefined (with a notice) outside a workflow run. */
async function commitFacts(runner: Runner, env: NodeJS.ProcessEnv): Promise<CommitFacts | undefined> {
  const sha = (env.GITHUB_SHA ?? '').toLowerCase();
  if (!/^(?:[0-9a-f]{40}|[0-9a-f]{64})$/.test(sha)) {
    core.notice(
      `compose-build: GITHUB_SHA is not a commit SHA ('${sha.slice(0, 80)}'), so the images get no build metadata (VERSION, GIT_SHA, BUILD_DATE). Run in a workflow, or set ${INPUT.buildMetadata}: false to silence this.`,
    );
    return undefined;
  }
  const { date, stderr } = await readCommitDate(runner, env, sha);
  if (!date) {
    throw new ActionError(
      `compose-build: cannot read the date of commit ${sha} in the workspace, and the event payload does not carry it (${lastLine(stderr)}). Run actions/checkout before this step, or set ${INPUT.buildMetadata}: false.`,
    );
  }
  return { sha, commitDate: date, sourceUrl: sourceUrlFromEnv(env) };
}
