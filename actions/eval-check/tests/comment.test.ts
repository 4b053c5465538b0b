import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { markerLine } from '../../toolkit/src/index.js';
import {
  type FakeGitHub,
  READ_ONLY_PREFIX,
  startFakeGitHub,
} from '../../../tests/support/fake-github-api.js';
import { contextFrom } from '../src/context.js';
import { evaluate } from '../src/evaluate.js';
import { commentOnPr } from '../src/io.js';
import { renderReport } from '../src/report.js';

const TOKEN = 'ghs_commentTestToken123';
let gh: FakeGitHub;
let out: string[];

beforeEach(async () => {
  gh = await startFakeGitHub({ pageSize: 2 });
  out = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out.push(String(chunk));
    return true;
  });
});
afterEach(async () => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
  await gh.close();
});

const ctx = contextFrom(
  { GITHUB_EVENT_NAME: 'pull_request', GITHUB_REPOSITORY: 'acme/shop' },
  { pull_request: { number: 7 } },
);
const thresholds = new Map([['recall_at_5', { direction: 'higher' as const, tolerance: 0.02 }]]);
const report = (value: number) =>
  renderReport(evaluate({ recall_at_5: value }, { recall_at_5: 0.7 }, thresholds), {
    baselineSource: 'file `b.json`',
    valueLabel: 'This PR',
  });

describe('the sticky PR comment against the local GitHub REST stand-in', () => {
  it('two runs leave one comment, updated with the latest table', async () => {
    vi.stubEnv('GITHUB_API_URL', gh.url);
    gh.comments.push({ id: 1, issue_number: 7, body: 'LGTM', html_url: '', user: { login: 'human' } });
    await commentOnPr(ctx, TOKEN, report(0.6));
    await commentOnPr(ctx, TOKEN, report(0.71));
    const ours = gh.comments.filter((c) => c.body.startsWith(markerLine('eval-check')));
    expect(ours).toHaveLength(1);
    expect(gh.comments).toHaveLength(2);
    expect(ours[0]!.body).toContain('| Metric | Baseline | This PR | Delta | Bound | Status |');
    expect(ours[0]!.body).toContain(
      '| `recall_at_5` | 0.7 | 0.71 | +0.01 (+1.43%) | higher is better, tolerance 0.02 | ✅ pass |',
    );
    expect(gh.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
    expect(gh.requests.filter((r) => r.method === 'PATCH')).toHaveLength(1);
    expect(out.join('')).toMatch(/PR comment created: .*\n[\s\S]*PR comment updated: /);
    expect(out.join('')).not.toContain(TOKEN);
  });

  it('a 403 (a fork PR with a read-only token) is a warning and never leaks the token', async () => {
    vi.stubEnv('GITHUB_API_URL', `${gh.url}${READ_ONLY_PREFIX}`);
    await expect(commentOnPr(ctx, TOKEN, report(0.6))).resolves.toBeUndefined();
    const warnings = out.filter((l) => l.startsWith('::warning::'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(
      'eval-check: could not post the PR comment (HTTP 403: Resource not accessible by integration',
    );
    expect(warnings[0]).toContain('fork PRs get a read-only token');
    expect(warnings[0]).toContain('The gate result is unaffected');
    expect(gh.comments).toHaveLength(0);
    expect(out.join('')).not.toContain(TOKEN);
  });

  it('an unreachable API and a missing token are warnings too', async () => {
    vi.stubEnv('GITHUB_API_URL', 'http://127.0.0.1:9');
    await commentOnPr(ctx, TOKEN, 'x');
    await commentOnPr(ctx, '', 'x');
    const warnings = out.filter((l) => l.startsWith('::warning::'));
    expect(warnings).toHaveLength(2);
    expect(warnings[1]).toContain('GitHub API: no token');
  });

  it('does nothing outside a pull request', async () => {
    vi.stubEnv('GITHUB_API_URL', gh.url);
    await commentOnPr(
      contextFrom({ GITHUB_EVENT_NAME: 'push', GITHUB_REPOSITORY: 'acme/shop' }, {}),
      TOKEN,
      'x',
    );
    expect(gh.requests).toHaveLength(0);
  });
});
