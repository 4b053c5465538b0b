/**
 * The whole action, end to end: the committed bundle runs as the runner would run it (INPUT_* variables, an
 * event payload, GITHUB_OUTPUT / GITHUB_STEP_SUMMARY / GITHUB_STATE files) against the local GitHub REST
 * stand-in. No Actions cache service is reachable here, so the cache path is exercised only as "unavailable".
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ActionRun, runMain } from '../../../tests/support/action-runner.js';
import { markerLine } from '../../toolkit/src/index.js';
import {
  type FakeGitHub,
  READ_ONLY_PREFIX,
  startFakeGitHub,
} from '../../../tests/support/fake-github-api.js';

const TOKEN = 'ghs_e2eSecretToken0123456789';
const BASE = 'a'.repeat(40);
const HEAD = 'b'.repeat(40);

let gh: FakeGitHub;
let ws: string;
beforeAll(async () => {
  gh = await startFakeGitHub();
  ws = fs.mkdtempSync(path.join(os.tmpdir(), 'eval-check-e2e-'));
  fs.mkdirSync(path.join(ws, 'eval'));
  fs.writeFileSync(
    path.join(ws, 'eval', 'thresholds.yaml'),
    [
      'metrics:',
      '  recall_at_5: { direction: higher, min: 0.65, tolerance: 0.02 }',
      '  mrr_at_10: { direction: higher, tolerance: 0.02 }',
      '  p95_latency_ms: { direction: lower, max: 500, tolerance-pct: 50 }',
    ].join('\n'),
  );
  fs.writeFileSync(
    path.join(ws, 'eval', 'baseline.json'),
    JSON.stringify({ metrics: { recall_at_5: 0.7, mrr_at_10: 0.7, p95_latency_ms: 20 } }),
  );
  // The eval: writes the results from RECALL and MRR, and records the environment it was given.
  fs.writeFileSync(
    path.join(ws, 'eval', 'run.sh'),
    [
      'env > seen-env.txt',
      'echo "scoring 38 queries"',
      'printf \'{"metrics": {"recall_at_5": %s, "mrr_at_10": %s, "p95_latency_ms": 25, "queries": 38}, "missed_at_5": []}\' "$RECALL" "$MRR" > eval-results.json',
    ].join('\n'),
  );
  fs.writeFileSync(
    path.join(ws, 'event-pr.json'),
    JSON.stringify({
      action: 'synchronize',
      number: 7,
      pull_request: { number: 7, base: { sha: BASE, ref: 'main' }, head: { sha: HEAD } },
      repository: { default_branch: 'main', full_name: 'acme/shop' },
    }),
  );
  fs.writeFileSync(
    path.join(ws, 'event-push.json'),
    JSON.stringify({ before: BASE, after: HEAD, repository: { default_branch: 'main' } }),
  );
});
afterAll(async () => {
  await gh.close();
  fs.rmSync(ws, { recursive: true, force: true });
});

/** The bundle through the one runner harness, asynchronously: the fake GitHub API answers from this process. */
async function runAction(inputs: Record<string, string>, extra: NodeJS.ProcessEnv = {}): Promise<ActionRun> {
  const run = await runMain(
    'eval-check',
    { 'github-token': TOKEN, comment: 'true', 'save-baseline': 'false', ...inputs },
    {
      workspace: ws,
      timeoutMs: 30_000,
      env: {
        GITHUB_EVENT_NAME: 'pull_request',
        GITHUB_EVENT_PATH: path.join(ws, 'event-pr.json'),
        GITHUB_REPOSITORY: 'acme/shop',
        GITHUB_SHA: HEAD,
        GITHUB_REF_NAME: '7/merge',
        GITHUB_RUN_ID: '99',
        GITHUB_API_URL: gh.url,
        RECALL: '0.71',
        MRR: '0.7',
        ...extra,
      },
    },
  );
  return { ...run, stdout: run.stdout + run.stderr };
}

const gate = {
  command: 'bash eval/run.sh',
  results: 'eval-results.json',
  thresholds: 'eval/thresholds.yaml',
  baseline: 'eval/baseline.json',
};

/** The token may only appear in the runner's own masking command, which hides it from every later line. */
function expectNoToken(run: ActionRun): void {
  const lines = run.stdout.split('\n').filter((l) => l !== `::add-mask::${TOKEN}`);
  expect(lines.join('\n')).not.toContain(TOKEN);
  expect(JSON.stringify(run.outputs)).not.toContain(TOKEN);
  expect(run.summary).not.toContain(TOKEN);
  if (run.outputs['report-file'])
    expect(fs.readFileSync(run.outputs['report-file'], 'utf8')).not.toContain(TOKEN);
}

describe('eval-check bundle end to end', () => {
  it('a passing PR: exit 0, outputs, summary, report file and one sticky comment', async () => {
    const run = await runAction(gate);
    expect(run.status, run.stdout).toBe(0);
    expect(run.outputs).toMatchObject({ passed: 'true', regressions: '[]' });
    expect(JSON.parse(run.outputs.metrics!)).toEqual({
      metrics: { recall_at_5: 0.71, mrr_at_10: 0.7, p95_latency_ms: 25, queries: 38 },
    });
    const report = fs.readFileSync(run.outputs['report-file']!, 'utf8');
    expect(report).toContain('### Eval check: ✅ passed (3 gated metrics)');
    expect(report).toContain(
      '| `recall_at_5` | 0.7 | 0.71 | +0.01 (+1.43%) | higher is better, min 0.65, tolerance 0.02 | ✅ pass |',
    );
    expect(report).toContain('| `queries` |  | 38 |  | not gated | info |');
    expect(report).toContain('Baseline: file `eval/baseline.json`.');
    expect(report).toContain('[Workflow run](https://github.com/acme/shop/actions/runs/99)');
    expect(run.summary).toBe(report.endsWith('\n') ? report : `${report}\n`);
    expect(run.stdout).toContain('scoring 38 queries');
    expect(gh.comments).toHaveLength(1);
    expect(gh.comments[0]!.body).toBe(`${markerLine('eval-check')}\n${report}`);
    expect(gh.requests.every((r) => r.auth === `token ${TOKEN}`)).toBe(true);
    expect(fs.readFileSync(path.join(ws, 'seen-env.txt'), 'utf8')).not.toContain(TOKEN);
    expectNoToken(run);
  });

  it('a regressing PR: exit 1 naming each failure, the same comment updated', async () => {
    const run = await runAction(gate, { RECALL: '0.6', MRR: '0.66' });
    expect(run.status).toBe(1);
    expect(run.stdout).toContain(
      '::error::eval-check: 2 metrics failed the gate: recall_at_5 0.6 < min 0.65; recall_at_5 regressed 0.1 > tolerance 0.02 vs baseline 0.7; mrr_at_10 regressed 0.04 > tolerance 0.02 vs baseline 0.7.',
    );
    expect(run.outputs).toMatchObject({ passed: 'false', regressions: '["recall_at_5","mrr_at_10"]' });
    expect(run.summary).toContain('### Eval check: ❌ failed: 2 of 3 gated metrics');
    expect(gh.comments).toHaveLength(1);
    expect(gh.comments[0]!.body).toContain(
      '| `mrr_at_10` | 0.7 | 0.66 | -0.04 (-5.71%) | higher is better, tolerance 0.02 | ❌ fail |',
    );
    expect(gh.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
    expect(gh.requests.filter((r) => r.method === 'PATCH')).toHaveLength(1);
    expectNoToken(run);
  });

  it('a fork PR (read-only token) and no cache service: warnings, and the gate still decides', async () => {
    const before = gh.comments[0]!.body;
    const run = await runAction(
      { ...gate, baseline: '' },
      { RECALL: '0.6', GITHUB_API_URL: `${gh.url}${READ_ONLY_PREFIX}` },
    );
    expect(run.status).toBe(1);
    expect(run.stdout).toContain('::warning::eval-check: the Actions cache service is not available');
    expect(run.stdout).toContain('::warning::eval-check: could not post the PR comment (HTTP 403');
    expect(run.stdout).toContain(
      '::error::eval-check: 1 metric failed the gate: recall_at_5 0.6 < min 0.65.',
    );
    expect(run.summary).toContain('No baseline: only absolute bounds (min, max) were checked');
    expect(gh.comments).toHaveLength(1);
    expect(gh.comments[0]!.body).toBe(before);
    expectNoToken(run);
  });

  it('comment: false posts nothing', async () => {
    const requests = gh.requests.length;
    const run = await runAction({ ...gate, comment: 'false' });
    expect(run.status).toBe(0);
    expect(gh.requests).toHaveLength(requests);
  });

  it('save-baseline on a passing default-branch push queues the metrics for the post step, which warns without a cache', async () => {
    const push = {
      GITHUB_EVENT_NAME: 'push',
      GITHUB_EVENT_PATH: path.join(ws, 'event-push.json'),
      GITHUB_REF_NAME: 'main',
    };
    const requests = gh.requests.length;
    const main = await runAction({ ...gate, 'save-baseline': 'true' }, push);
    expect(main.status, main.stdout).toBe(0);
    expect(main.summary).toContain('| Metric | Baseline | This run |');
    expect(gh.requests).toHaveLength(requests);
    const saved = main.state['eval-baseline'];
    expect(JSON.parse(saved!)).toEqual({
      recall_at_5: 0.71,
      mrr_at_10: 0.7,
      p95_latency_ms: 25,
      queries: 38,
    });

    const post = await runAction(
      { ...gate, 'save-baseline': 'true' },
      { ...push, 'STATE_slipway-is-post': 'true', 'STATE_eval-baseline': saved! },
    );
    expect(post.status, post.stdout).toBe(0);
    expect(post.stdout).toContain('::warning::eval-check: the Actions cache service is not available');
    expect(post.stdout).toContain('the baseline is not saved');
    expect(post.summary).toBe('');
  });

  it('a failing default-branch run does not queue a baseline', async () => {
    const run = await runAction(
      { ...gate, 'save-baseline': 'true' },
      {
        GITHUB_EVENT_NAME: 'push',
        GITHUB_EVENT_PATH: path.join(ws, 'event-push.json'),
        GITHUB_REF_NAME: 'main',
        RECALL: '0.1',
      },
    );
    expect(run.status).toBe(1);
    expect(run.state['eval-baseline']).toBeUndefined();
    expect(run.stdout).toContain('::warning::eval-check: the gate failed, so the baseline is not updated');
  });

  it.each([
    [
      'a failing eval command: its last stderr line',
      { command: 'echo "connecting"; echo "ECONNREFUSED 127.0.0.1:8081" >&2; exit 2' },
      '::error::eval-check: the eval command failed (exit 2): ECONNREFUSED 127.0.0.1:8081.',
    ],
    [
      'a typo in the thresholds file',
      { thresholds: 'eval/bad-thresholds.yaml' },
      "::error::eval-check: thresholds file eval/bad-thresholds.yaml: metrics.recall_at_5.direction: expected higher|lower, got 'up'.",
    ],
    [
      'a results file that was never written',
      { command: '', results: 'missing.json' },
      "::error::Input 'results': 'missing.json' does not exist. The eval (the `command` input, or an earlier step) must write it.",
    ],
    [
      'a results file that is a folder',
      { command: '', results: 'eval' },
      "::error::Input 'results': 'eval' is a directory; expected a file.",
    ],
    [
      'a results file the eval made a symlink to a file outside the workspace',
      { command: 'ln -sf /etc/passwd linked-results.json', results: 'linked-results.json' },
      "::error::Input 'results': 'linked-results.json' leads to '/etc/passwd' through a symlink, outside the workspace.",
    ],
    [
      'a committed thresholds symlink to a file outside the workspace',
      { thresholds: 'eval/passwd.yaml' },
      "::error::Input 'thresholds': 'eval/passwd.yaml' leads to '/etc/passwd' through a symlink, outside the workspace.",
    ],
    [
      'a bad save-baseline value',
      { 'save-baseline': 'sometimes' },
      "::error::Input 'save-baseline': expected true or false, got 'sometimes'.",
    ],
  ])('fails on %s', async (_label, inputs, error) => {
    fs.writeFileSync(
      path.join(ws, 'eval', 'bad-thresholds.yaml'),
      'metrics:\n  recall_at_5: { direction: up }\n',
    );
    fs.rmSync(path.join(ws, 'eval', 'passwd.yaml'), { force: true });
    fs.symlinkSync('/etc/passwd', path.join(ws, 'eval', 'passwd.yaml'));
    const run = await runAction({ ...gate, ...inputs });
    expect(run.status).toBe(1);
    expect(run.stdout).toContain(error);
    expect(run.stdout).not.toContain('root:x:0:0');
    expectNoToken(run);
  });
});
