import fs from 'node:fs';
import path from 'node:path';
import * as actionsCache from '@actions/cache';
import * as core from '@actions/core';
import type { BaselineKeys } from './baseline-plan.js';
import { type Metrics, parseMetrics } from './metrics.js';

export interface RestoredBaseline {
  metrics: Metrics;
  /** Where it came from, for the report. */
  source: string;
}

/** The seam between the gate and wherever baselines live. */
export interface BaselineStore {
  restore(): Promise<RestoredBaseline | undefined>;
  save(metrics: Metrics): Promise<void>;
}

/**
 * The cached file, relative to the workspace. @actions/cache versions entries by the path strings it is given,
 * so this must be the same constant on every runner (an absolute RUNNER_TEMP path differs between machines).
 */
export const BASELINE_PATH = '.slipway/eval-baseline.json';

export type CacheApi = Pick<typeof actionsCache, 'isFeatureAvailable' | 'restoreCache' | 'saveCache'>;

const short = (sha: string) => sha.slice(0, 7);
const shaOf = (key: string) => /([0-9a-f]{40})$/.exec(key)?.[1];

/** Baselines in the GitHub Actions cache. Every failure is a warning: the gate then runs without a baseline. */
export class ActionsCacheBaselineStore implements BaselineStore {
  constructor(
    private readonly keys: BaselineKeys | undefined,
    private readonly workspace: string,
    private readonly cache: CacheApi = actionsCache,
  ) {}

  private usable(doing: string): boolean {
    if (!this.keys) {
      core.warning(
        `eval-check: the event payload does not name the default branch, so no baseline cache key can be made; ${doing}.`,
      );
      return false;
    }
    if (!this.cache.isFeatureAvailable()) {
      core.warning(
        `eval-check: the Actions cache service is not available (no ACTIONS_CACHE_URL or ACTIONS_RESULTS_URL, e.g. outside GitHub); ${doing}. Pass \`baseline\` to compare with a file instead.`,
      );
      return false;
    }
    return true;
  }

  async restore(): Promise<RestoredBaseline | undefined> {
    if (!this.usable('continuing without a baseline')) return undefined;
    const keys = this.keys!;
    let hit: string | undefined;
    try {
      hit = await this.cache.restoreCache([BASELINE_PATH], keys.primary, keys.restoreKeys);
    } catch (err) {
      core.warning(
        `eval-check: could not restore the baseline (${(err as Error).message}); continuing without one.`,
      );
      return undefined;
    }
    if (!hit) {
      core.info(`eval-check: no baseline saved yet under ${keys.restoreKeys[0] ?? keys.primary}*.`);
      return undefined;
    }
    try {
      const text = fs.readFileSync(path.join(this.workspace, BASELINE_PATH), 'utf8');
      const metrics = parseMetrics(text, { kind: 'baseline', name: `from cache entry ${hit}` });
      const commit = shaOf(hit);
      const from = commit ? `the default-branch run at ${short(commit)}` : 'the default-branch run';
      const which =
        hit === keys.primary
          ? 'the base commit'
          : keys.anchor
            ? `newest saved; none for the base commit ${short(keys.anchor)}`
            : 'newest saved';
      return { metrics, source: `${from} (${which}), cache key \`${hit}\`` };
    } catch (err) {
      core.warning(`${(err as Error).message} Continuing without a baseline.`);
      return undefined;
    }
  }

  async save(metrics: Metrics): Promise<void> {
    if (!this.usable('the baseline is not saved')) return;
    const key = this.keys!.save;
    if (!key) {
      core.warning('eval-check: GITHUB_SHA is not set, so the baseline has no cache key; not saved.');
      return;
    }
    const file = path.join(this.workspace, BASELINE_PATH);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, `${JSON.stringify({ metrics }, null, 2)}\n`);
    try {
      const id = await this.cache.saveCache([BASELINE_PATH], key);
      if (id !== -1) core.info(`eval-check: baseline saved as ${key}.`);
    } catch (err) {
      core.warning(`eval-check: could not save the baseline as ${key} (${(err as Error).message}).`);
    }
  }
}
