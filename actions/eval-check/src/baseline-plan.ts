import type { RunContext } from './context.js';

export const BASELINE_KEY_PREFIX = 'slipway-eval-baseline';

export interface BaselineKeys {
  /** Tried first: the baseline saved for the commit this run is compared with. */
  primary: string;
  /** Fallback prefixes; the cache service returns the newest entry matching one. */
  restoreKeys: string[];
  /** Where this run's baseline is saved (with `save-baseline`): one entry per default-branch commit. */
  save?: string;
  /** The commit the primary key names, for the report. */
  anchor?: string;
}

/**
 * Cache keys for the baseline, or undefined when the default branch is unknown (no event payload).
 * `<prefix>-<default-branch>-<sha>`: a PR looks for the entry of its base commit first (the best stand-in for
 * the merge-base the event gives us) and falls back to the newest entry saved on the default branch.
 */
export function planBaselineKeys(
  ctx: Pick<RunContext, 'defaultBranch' | 'baseSha' | 'sha'>,
): BaselineKeys | undefined {
  if (!ctx.defaultBranch) return undefined;
  // Cache keys may not contain commas; branch names may.
  const prefix = `${BASELINE_KEY_PREFIX}-${ctx.defaultBranch.replace(/,/g, '_')}-`;
  const keys: BaselineKeys = ctx.baseSha
    ? { primary: `${prefix}${ctx.baseSha}`, restoreKeys: [prefix], anchor: ctx.baseSha }
    : { primary: prefix, restoreKeys: [] };
  if (ctx.sha) keys.save = `${prefix}${ctx.sha}`;
  return keys;
}

export interface SavePlan {
  save: boolean;
  /** Why the baseline is not saved, or why saving it may not do what the workflow expects. */
  warnings: string[];
}

/**
 * Whether this run's results become the baseline. Only a passing run is saved: a baseline is the last
 * known-good state of the default branch, so a regression that reached it keeps failing PRs until it is fixed
 * or the thresholds are changed on purpose.
 */
export function planBaselineSave(
  requested: boolean,
  passed: boolean,
  ctx: Pick<RunContext, 'defaultBranch' | 'refName' | 'eventName'>,
): SavePlan {
  if (!requested) return { save: false, warnings: [] };
  if (!passed) {
    return {
      save: false,
      warnings: [
        'eval-check: the gate failed, so the baseline is not updated; the last passing default-branch run stays the baseline.',
      ],
    };
  }
  const warnings: string[] = [];
  if (ctx.eventName === 'pull_request' || ctx.eventName === 'pull_request_target') {
    warnings.push(
      'eval-check: save-baseline is set on a pull_request event; the cache entry is scoped to the PR and other PRs will not see it. Set save-baseline only on pushes to the default branch.',
    );
  } else if (ctx.defaultBranch && ctx.refName && ctx.refName !== ctx.defaultBranch) {
    warnings.push(
      `eval-check: save-baseline is set on '${ctx.refName}', not the default branch '${ctx.defaultBranch}'; the cache entry is only visible to that branch.`,
    );
  }
  return { save: true, warnings };
}
