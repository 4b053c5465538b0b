import { describe, expect, it } from 'vitest';
import { runContext } from '../src/run-context.js';

describe('runContext', () => {
  it('reads a workflow run, each fact checked by its rule', () => {
    expect(
      runContext({
        GITHUB_EVENT_NAME: 'push',
        GITHUB_SHA: 'c'.repeat(40),
        GITHUB_REF_NAME: 'main',
        GITHUB_REPOSITORY: 'acme/shop',
        GITHUB_ACTOR: 'dependabot[bot]',
        GITHUB_SERVER_URL: 'https://ghe.example/',
        GITHUB_RUN_ID: '42',
        RUNNER_TEMP: '/tmp/runner',
        GITHUB_WORKSPACE: '/',
      }),
    ).toEqual({
      eventName: 'push',
      sha: 'c'.repeat(40),
      refName: 'main',
      repository: 'acme/shop',
      repo: { owner: 'acme', repo: 'shop' },
      actor: 'dependabot[bot]',
      serverUrl: 'https://ghe.example',
      runUrl: 'https://ghe.example/acme/shop/actions/runs/42',
      workspace: '/',
      tempDir: '/tmp/runner',
    });
  });

  it.each([
    [{ GITHUB_SHA: 'abc1234' }, 'sha'],
    [{ GITHUB_SHA: '$(reboot)' }, 'sha'],
    [{ GITHUB_ACTOR: 'a;b' }, 'actor'],
    [{ GITHUB_REPOSITORY: 'acme' }, 'repository'],
    [{ GITHUB_REPOSITORY: 'acme/shop', GITHUB_RUN_ID: '1 2' }, 'runUrl'],
    [
      { GITHUB_REPOSITORY: 'acme/shop', GITHUB_RUN_ID: '42', GITHUB_SERVER_URL: 'javascript:alert(1)//' },
      'runUrl',
    ],
  ])('leaves out what does not follow its rule: %j', (env, key) => {
    expect(runContext(env)).not.toHaveProperty(key);
  });

  it('outside a workflow: no event, the default server, a temp dir', () => {
    const ctx = runContext({});
    expect(ctx).toMatchObject({ eventName: '', serverUrl: 'https://github.com' });
    expect(ctx.tempDir).toBeTruthy();
  });
});
