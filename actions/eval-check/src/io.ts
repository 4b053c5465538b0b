import fs from 'node:fs';
import path from 'node:path';
import * as core from '@actions/core';
import {
  code,
  createGitHubClient,
  readWorkspaceFile,
  redact,
  upsertStickyComment,
} from '../../toolkit/src/index.js';
import type { BaselineStore, RestoredBaseline } from './baseline-store.js';
import type { RunContext } from './context.js';
import type { FileInput } from './inputs.js';
import { parseMetrics } from './metrics.js';

/** The marker of the one sticky comment eval-check keeps on a PR. */
export const COMMENT_MARKER = 'eval-check';

/**
 * Reads a file input, checked at the moment of reading (it may have been written since the inputs were read):
 * inside the workspace, symlinks included, an existing file. Anything else is an `Input '<kind>': ...` error.
 */
export function readInputFile(file: FileInput, kind: 'results' | 'thresholds' | 'baseline'): string {
  const missing =
    kind === 'results'
      ? 'The eval (the `command` input, or an earlier step) must write it.'
      : 'Check the path, relative to the repository root.';
  return readWorkspaceFile(file, missing).toString('utf8');
}

/** The `baseline` input when given (a bad file fails the action), else whatever the store restores. */
export async function loadBaseline(
  file: FileInput | undefined,
  store: BaselineStore,
): Promise<RestoredBaseline | undefined> {
  if (!file) return store.restore();
  const text = readInputFile(file, 'baseline');
  return {
    metrics: parseMetrics(text, { kind: 'baseline', name: file.name }),
    source: `file ${code(file.name)}`,
  };
}

/** Writes the report to a fresh directory under RUNNER_TEMP (kept for later steps of the job). */
export function writeReportFile(tempDir: string, markdown: string): string {
  fs.mkdirSync(tempDir, { recursive: true });
  const file = path.join(fs.mkdtempSync(path.join(tempDir, 'eval-check-')), 'report.md');
  fs.writeFileSync(file, markdown);
  return file;
}

/**
 * Creates or updates the sticky comment. Never fails the step: a fork PR's read-only token (403) or an API
 * outage is a warning, and the gate result stands on its own.
 */
export async function commentOnPr(ctx: RunContext, token: string, markdown: string): Promise<void> {
  if (!ctx.pullRequest || !ctx.repo) return;
  try {
    const client = createGitHubClient(token);
    const res = await upsertStickyComment(client, {
      ...ctx.repo,
      issueNumber: ctx.pullRequest,
      marker: COMMENT_MARKER,
      body: markdown,
    });
    core.info(`eval-check: PR comment ${res.action}: ${res.url}`);
  } catch (err) {
    const status = (err as { status?: unknown }).status;
    const hint =
      status === 403 || status === 404
        ? ' The token cannot write to this PR: fork PRs get a read-only token, and other PRs need `permissions: pull-requests: write`.'
        : '';
    const what = `${typeof status === 'number' ? `HTTP ${status}: ` : ''}${(err as Error).message}`;
    core.warning(
      redact(
        `eval-check: could not post the PR comment (${what}).${hint} The gate result is unaffected and is in the job summary.`,
        [token],
      ),
    );
  }
}
