import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type FakeGitHub, startFakeGitHub } from '../../../tests/support/fake-github-api.js';
import { createGitHubClient } from '../src/github.js';
import { markerLine, upsertStickyComment } from '../src/sticky-comment.js';

let gh: FakeGitHub;
beforeEach(async () => {
  gh = await startFakeGitHub({ pageSize: 2 });
});
afterEach(async () => {
  await gh.close();
});

const client = () => createGitHubClient('test-token', { GITHUB_API_URL: gh.url });
const target = { owner: 'acme', repo: 'shop', issueNumber: 7 };

describe('upsertStickyComment against a local GitHub REST stand-in', () => {
  it('creates once, then updates the same comment on every later run', async () => {
    const first = await upsertStickyComment(client(), { ...target, marker: 'eval-check', body: 'run 1' });
    const second = await upsertStickyComment(client(), { ...target, marker: 'eval-check', body: 'run 2' });
    expect(first.action).toBe('created');
    expect(second).toMatchObject({ action: 'updated', id: first.id });
    expect(gh.comments).toHaveLength(1);
    expect(gh.comments[0]!.body).toBe(`${markerLine('eval-check')}\nrun 2`);
    expect(gh.requests.every((r) => r.auth === 'token test-token')).toBe(true);
  });

  it('finds its comment past the first page and ignores other comments and other markers', async () => {
    gh.comments.push(
      ...[1, 2, 3].map((n) => ({
        id: n,
        issue_number: 7,
        body: `human ${n}`,
        html_url: '',
        user: { login: 'u' },
      })),
    );
    await upsertStickyComment(client(), { ...target, marker: 'eval-check', body: 'a' });
    await upsertStickyComment(client(), { ...target, marker: 'other', body: 'b' });
    await upsertStickyComment(client(), { ...target, marker: 'eval-check', body: 'c' });
    expect(gh.comments.map((c) => c.body)).toEqual([
      'human 1',
      'human 2',
      'human 3',
      `${markerLine('eval-check')}\nc`,
      `${markerLine('other')}\nb`,
    ]);
  });

  it('refuses a marker that could break out of the HTML comment', () => {
    expect(() => markerLine('x -->')).toThrow("invalid marker 'x -->'");
  });
});
