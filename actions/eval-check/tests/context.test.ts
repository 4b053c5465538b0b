import { describe, expect, it } from 'vitest';
import { contextFrom } from '../src/context.js';

const BASE = '1'.repeat(40);
const HEAD = '2'.repeat(40);
const env = {
  GITHUB_REPOSITORY: 'acme/shop',
  GITHUB_SHA: HEAD,
  GITHUB_RUN_ID: '42',
  GITHUB_WORKSPACE: '/ws',
  RUNNER_TEMP: '/tmp/runner',
};

describe('contextFrom()', () => {
  it('reads a pull_request payload: number, default branch, base commit', () => {
    const ctx = contextFrom(
      { ...env, GITHUB_EVENT_NAME: 'pull_request', GITHUB_REF_NAME: '7/merge' },
      { repository: { default_branch: 'main' }, pull_request: { number: 7, base: { sha: BASE } } },
    );
    expect(ctx).toEqual({
      eventName: 'pull_request',
      pullRequest: 7,
      defaultBranch: 'main',
      baseSha: BASE,
      sha: HEAD,
      refName: '7/merge',
      repo: { owner: 'acme', repo: 'shop' },
      runUrl: 'https://github.com/acme/shop/actions/runs/42',
      workspace: '/ws',
      tempDir: '/tmp/runner',
    });
  });

  it('uses `before` as the base of a push, but not the all-zero sha of a new branch', () => {
    const push = { ...env, GITHUB_EVENT_NAME: 'push', GITHUB_SERVER_URL: 'https://ghe.example' };
    expect(contextFrom(push, { before: BASE, repository: { default_branch: 'main' } })).toMatchObject({
      baseSha: BASE,
      runUrl: 'https://ghe.example/acme/shop/actions/runs/42',
    });
    expect(contextFrom(push, { before: '0'.repeat(40) }).baseSha).toBeUndefined();
  });

  it.each([
    ['a push payload carrying a PR-like key', 'push', { pull_request: { number: 7 } }],
    ['a string PR number', 'pull_request', { pull_request: { number: '7' } }],
    ['no payload at all', 'pull_request', {}],
  ])('finds no PR in %s', (_label, eventName, payload) => {
    expect(contextFrom({ ...env, GITHUB_EVENT_NAME: eventName }, payload).pullRequest).toBeUndefined();
  });

  it('outside a runner: no repo, no run link, temp dir from the OS', () => {
    const ctx = contextFrom({}, {});
    expect(ctx.repo).toBeUndefined();
    expect(ctx.runUrl).toBeUndefined();
    expect(ctx.tempDir).toBeTruthy();
    expect(ctx.eventName).toBe('');
  });
});
