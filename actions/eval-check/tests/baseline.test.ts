import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { planBaselineKeys, planBaselineSave } from '../src/baseline-plan.js';
import { ActionsCacheBaselineStore, BASELINE_PATH, type CacheApi } from '../src/baseline-store.js';
import { loadBaseline } from '../src/io.js';
import { workspacePath } from '../../toolkit/src/index.js';

const BASE = 'a'.repeat(40);
const HEAD = 'b'.repeat(40);
const OLD = 'c'.repeat(40);

describe('planBaselineKeys()', () => {
  it.each([
    [
      'a PR: its base commit first, then the newest default-branch entry',
      { defaultBranch: 'main', baseSha: BASE, sha: HEAD },
      {
        primary: `slipway-eval-baseline-main-${BASE}`,
        restoreKeys: ['slipway-eval-baseline-main-'],
        save: `slipway-eval-baseline-main-${HEAD}`,
        anchor: BASE,
      },
    ],
    [
      'no base commit (schedule, workflow_dispatch): the newest entry',
      { defaultBranch: 'trunk', sha: HEAD },
      {
        primary: 'slipway-eval-baseline-trunk-',
        restoreKeys: [],
        save: `slipway-eval-baseline-trunk-${HEAD}`,
      },
    ],
    [
      'a branch name with a comma, which cache keys cannot hold',
      { defaultBranch: 'a,b', baseSha: BASE },
      {
        primary: `slipway-eval-baseline-a_b-${BASE}`,
        restoreKeys: ['slipway-eval-baseline-a_b-'],
        anchor: BASE,
      },
    ],
    ['no default branch: no keys at all', { baseSha: BASE, sha: HEAD }, undefined],
  ])('%s', (_label, ctx, expected) => {
    expect(planBaselineKeys(ctx)).toEqual(expected);
  });
});

describe('planBaselineSave()', () => {
  const push = { eventName: 'push', defaultBranch: 'main', refName: 'main' };
  it.each([
    ['not requested', false, true, push, { save: false, warnings: [] }],
    ['a passing default-branch push', true, true, push, { save: true, warnings: [] }],
    [
      'a failing run keeps the last good baseline',
      true,
      false,
      push,
      { save: false, warnings: [expect.stringContaining('the gate failed, so the baseline is not updated')] },
    ],
    [
      'another branch',
      true,
      true,
      { ...push, refName: 'feature' },
      { save: true, warnings: [expect.stringContaining("on 'feature', not the default branch 'main'")] },
    ],
    [
      'a pull request',
      true,
      true,
      { ...push, eventName: 'pull_request', refName: '7/merge' },
      { save: true, warnings: [expect.stringContaining('set on a pull_request event')] },
    ],
  ])('%s', (_label, requested, passed, ctx, expected) => {
    expect(planBaselineSave(requested, passed, ctx)).toEqual(expected);
  });
});

describe('ActionsCacheBaselineStore against a fake cache', () => {
  let workspace: string;
  let out: string[];
  const keys = planBaselineKeys({ defaultBranch: 'main', baseSha: BASE, sha: HEAD })!;

  beforeEach(() => {
    workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'eval-ws-'));
    out = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      out.push(String(chunk));
      return true;
    });
  });
  afterEach(() => {
    vi.restoreAllMocks();
    fs.rmSync(workspace, { recursive: true, force: true });
  });

  /** A cache holding entries by key, writing the restored file as the real one extracts it. */
  function fakeCache(entries: Record<string, string>, available = true) {
    const calls: unknown[][] = [];
    const api: CacheApi = {
      isFeatureAvailable: () => available,
      restoreCache: async (paths, primary, restoreKeys = []) => {
        calls.push(['restore', paths, primary, restoreKeys]);
        const hit =
          (entries[primary] !== undefined && primary) ||
          restoreKeys
            .map((prefix) =>
              Object.keys(entries)
                .filter((k) => k.startsWith(prefix))
                .pop(),
            )
            .find(Boolean);
        if (!hit) return undefined;
        fs.mkdirSync(path.dirname(path.join(workspace, BASELINE_PATH)), { recursive: true });
        fs.writeFileSync(path.join(workspace, BASELINE_PATH), entries[hit]!);
        return hit;
      },
      saveCache: async (paths, key) => {
        calls.push(['save', paths, key, fs.readFileSync(path.join(workspace, BASELINE_PATH), 'utf8')]);
        return 1;
      },
    };
    return { api, calls };
  }

  it('restores the base commit entry and says so', async () => {
    const { api, calls } = fakeCache({
      [`slipway-eval-baseline-main-${OLD}`]: '{"metrics": {"m": 0.5}}',
      [`slipway-eval-baseline-main-${BASE}`]: '{"metrics": {"m": 0.7}}',
    });
    const got = await new ActionsCacheBaselineStore(keys, workspace, api).restore();
    expect(got).toEqual({
      metrics: { m: 0.7 },
      source: `the default-branch run at aaaaaaa (the base commit), cache key \`slipway-eval-baseline-main-${BASE}\``,
    });
    expect(calls).toEqual([
      ['restore', [BASELINE_PATH], `slipway-eval-baseline-main-${BASE}`, ['slipway-eval-baseline-main-']],
    ]);
  });

  it('falls back to the newest default-branch entry', async () => {
    const { api } = fakeCache({ [`slipway-eval-baseline-main-${OLD}`]: '{"metrics": {"m": 0.5}}' });
    const got = await new ActionsCacheBaselineStore(keys, workspace, api).restore();
    expect(got?.source).toBe(
      `the default-branch run at ccccccc (newest saved; none for the base commit aaaaaaa), cache key \`slipway-eval-baseline-main-${OLD}\``,
    );
  });

  it('returns nothing when no baseline was saved yet', async () => {
    const { api } = fakeCache({});
    expect(await new ActionsCacheBaselineStore(keys, workspace, api).restore()).toBeUndefined();
    expect(out.join('')).toContain('no baseline saved yet under slipway-eval-baseline-main-*');
  });

  it('warns and continues when the cache service is unavailable, on restore and on save', async () => {
    const { api, calls } = fakeCache({}, false);
    const store = new ActionsCacheBaselineStore(keys, workspace, api);
    expect(await store.restore()).toBeUndefined();
    await store.save({ m: 1 });
    expect(calls).toEqual([]);
    const warnings = out.filter((l) => l.startsWith('::warning::'));
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toContain(
      'the Actions cache service is not available (no ACTIONS_CACHE_URL or ACTIONS_RESULTS_URL',
    );
    expect(warnings[0]).toContain('continuing without a baseline');
    expect(warnings[1]).toContain('the baseline is not saved');
  });

  it('warns when there are no keys (no default branch in the payload)', async () => {
    const { api } = fakeCache({});
    expect(await new ActionsCacheBaselineStore(undefined, workspace, api).restore()).toBeUndefined();
    expect(out.join('')).toContain(
      '::warning::eval-check: the event payload does not name the default branch',
    );
  });

  it('warns on a restore error or a corrupt cached file, continuing without a baseline', async () => {
    const broken: CacheApi = {
      ...fakeCache({}).api,
      restoreCache: async () => {
        throw new Error('network down');
      },
    };
    expect(await new ActionsCacheBaselineStore(keys, workspace, broken).restore()).toBeUndefined();
    const { api } = fakeCache({ [`slipway-eval-baseline-main-${BASE}`]: 'not json' });
    expect(await new ActionsCacheBaselineStore(keys, workspace, api).restore()).toBeUndefined();
    const text = out.join('');
    expect(text).toContain('::warning::eval-check: could not restore the baseline (network down)');
    expect(text).toMatch(/::warning::eval-check: baseline file from cache entry \S+: not valid JSON/);
  });

  it('saves the metrics file under the fixed path and the commit key', async () => {
    const { api, calls } = fakeCache({});
    await new ActionsCacheBaselineStore(keys, workspace, api).save({ m: 0.7 });
    expect(calls).toEqual([
      [
        'save',
        [BASELINE_PATH],
        `slipway-eval-baseline-main-${HEAD}`,
        '{\n  "metrics": {\n    "m": 0.7\n  }\n}\n',
      ],
    ]);
  });

  it('a save error is a warning', async () => {
    const api: CacheApi = {
      ...fakeCache({}).api,
      saveCache: async () => {
        throw new Error('Unable to reserve cache');
      },
    };
    await new ActionsCacheBaselineStore(keys, workspace, api).save({ m: 1 });
    expect(out.join('')).toContain(
      `::warning::eval-check: could not save the baseline as slipway-eval-baseline-main-${HEAD}`,
    );
  });

  it('loadBaseline() prefers the `baseline` file and fails on a malformed one', async () => {
    const { api, calls } = fakeCache({ [`slipway-eval-baseline-main-${BASE}`]: '{"metrics": {"m": 0.1}}' });
    const store = new ActionsCacheBaselineStore(keys, workspace, api);
    const file = path.join(workspace, 'b.json');
    fs.writeFileSync(file, '{"metrics": {"m": 0.9}}');
    const b = workspacePath('baseline', 'b.json', workspace);
    expect(await loadBaseline(b, store)).toEqual({
      metrics: { m: 0.9 },
      source: 'file `b.json`',
    });
    expect(calls).toEqual([]);
    fs.writeFileSync(file, '{"metrics": {"m": "high"}}');
    await expect(loadBaseline(b, store)).rejects.toThrow(
      "eval-check: baseline file b.json: metrics.m: expected a finite number, got 'high' (a string).",
    );
    await expect(loadBaseline(workspacePath('baseline', 'nope.json', workspace), store)).rejects.toThrow(
      "Input 'baseline': 'nope.json' does not exist. Check the path, relative to the repository root.",
    );
    expect((await loadBaseline(undefined, store))?.metrics).toEqual({ m: 0.1 });
  });
});
