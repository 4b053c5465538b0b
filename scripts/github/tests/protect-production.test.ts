/**
 * protect-production against the GitHub REST stand-in: the real script (a child process, the toolkit's
 * client, GITHUB_API_URL) and the pure planning underneath it.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type FakeGitHub, startFakeGitHub } from '../../../tests/support/fake-github-api.js';
import { parseArgs, planProtection } from '../protection.js';

const root = path.resolve(import.meta.dirname, '../../..');
const TOKEN = 'ghp_protectTestToken0123456789';

describe('parseArgs', () => {
  it('applies the defaults', () => {
    expect(parseArgs(['--repo', 'acme/shop'])).toEqual({
      repo: { owner: 'acme', repo: 'shop' },
      environment: 'production',
      branch: 'main',
      reviewers: [],
      preventSelfReview: false,
      waitTimer: 0,
      dryRun: false,
    });
  });

  it('reads reviewers, self-review, wait timer and dry run', () => {
    const s = parseArgs([
      '--repo',
      'acme/shop',
      '--reviewer',
      'user:octo',
      '--reviewer',
      'team:acme/ops',
      '--prevent-self-review',
      '--wait-timer',
      '5',
      '--dry-run',
    ]);
    expect(s).toMatchObject({
      reviewers: [
        { type: 'User', name: 'octo' },
        { type: 'Team', name: 'acme/ops' },
      ],
      preventSelfReview: true,
      waitTimer: 5,
      dryRun: true,
    });
  });

  it.each([
    [[], '--repo OWNER/REPO is required.'],
    [['--repo', 'acme'], "--repo: expected OWNER/REPO, got 'acme'."],
    [['--repo'], '--repo needs a value.'],
    [
      ['--repo', 'a/b', '--reviewer', 'octo'],
      "--reviewer: expected user:LOGIN or team:ORG/SLUG, got 'octo'.",
    ],
    [
      ['--repo', 'a/b', '--reviewer', 'team:ops'],
      "--reviewer: expected user:LOGIN or team:ORG/SLUG, got 'team:ops'.",
    ],
    [
      ['--repo', 'a/b', '--wait-timer', '99999'],
      "--wait-timer: expected whole minutes from 0 to 43200, got '99999'.",
    ],
    [
      ['--repo', 'a/b', '--branch', 'x..y'],
      "--branch: expected a name of letters, digits, . _ / -, got 'x..y'.",
    ],
    [['--repo', 'a/b', '--prevent-self-review'], '--prevent-self-review needs at least one --reviewer.'],
    [['--repo', 'a/b', '--force'], "unknown argument '--force'."],
    [
      ['--repo', 'a/b', ...Array.from({ length: 7 }, (_, i) => ['--reviewer', `user:u${i}`]).flat()],
      '--reviewer: GitHub allows at most 6, got 7.',
    ],
  ])('refuses %j', (argv, message) => {
    expect(() => parseArgs(argv)).toThrow(message);
  });
});

describe('planProtection', () => {
  const s = parseArgs(['--repo', 'a/b', '--reviewer', 'user:octo']);
  it.each([
    ['nothing yet', [], [{ name: 'main', type: 'branch' }], []],
    ['main already allowed', [{ id: 1, name: 'main', type: 'branch' as const }], [], []],
    [
      'other refs allowed',
      [
        { id: 1, name: 'main', type: 'branch' as const },
        { id: 2, name: 'release/*', type: 'branch' as const },
        { id: 3, name: 'main', type: 'tag' as const },
      ],
      [],
      [2, 3],
    ],
  ])('%s', (_name, current, create, remove) => {
    const plan = planProtection(s, [42], current);
    expect(plan.environment).toEqual({
      wait_timer: 0,
      prevent_self_review: false,
      reviewers: [{ type: 'User', id: 42 }],
      deployment_branch_policy: { protected_branches: false, custom_branch_policies: true },
    });
    expect(plan.create).toEqual(create);
    expect(plan.remove.map((p) => p.id)).toEqual(remove);
  });
});

// Each test starts the script (node + tsx) once or twice: seconds each on a loaded machine.
describe('protect-production against the REST stand-in', { timeout: 60_000 }, () => {
  let gh: FakeGitHub;
  beforeEach(async () => {
    gh = await startFakeGitHub({ users: { octo: 42 }, teams: { 'acme/ops': 7 } });
  });
  afterEach(() => gh.close());

  const run = (args: string[], env: NodeJS.ProcessEnv = { GITHUB_TOKEN: TOKEN }) =>
    new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', 'scripts/github/protect-production.ts', ...args],
        {
          cwd: root,
          env: { PATH: process.env.PATH, GITHUB_API_URL: gh.url, ...env },
        },
      );
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('close', (status) => resolve({ status, stdout, stderr }));
    });
  const writes = () => gh.requests.filter((r) => r.method !== 'GET');
  const production = () => gh.environments.get('acme/shop/production');

  it('allows main only, with the reviewers, and is idempotent', async () => {
    const args = [
      '--repo',
      'acme/shop',
      '--reviewer',
      'user:octo',
      '--reviewer',
      'team:acme/ops',
      '--prevent-self-review',
    ];
    const first = await run(args);
    expect(first.status, first.stderr).toBe(0);
    expect(production()).toMatchObject({
      prevent_self_review: true,
      reviewers: [
        { type: 'User', id: 42 },
        { type: 'Team', id: 7 },
      ],
      deployment_branch_policy: { protected_branches: false, custom_branch_policies: true },
      branch_policies: [{ name: 'main', type: 'branch' }],
    });
    expect(first.stdout).toContain(
      "protect-production: done: acme/shop environment 'production': allow branch 'main'",
    );
    expect(gh.requests.every((r) => r.auth === `token ${TOKEN}`)).toBe(true);

    const before = writes().length;
    const again = await run(args);
    expect(again.status).toBe(0);
    expect(
      writes()
        .slice(before)
        .map((r) => r.method),
    ).toEqual(['PUT']);
    expect(production()!.branch_policies.map((p) => p.name)).toEqual(['main']);
  });

  it('removes every policy that lets another branch or a tag deploy', async () => {
    gh.environments.set('acme/shop/production', {
      id: 1,
      name: 'production',
      wait_timer: 0,
      prevent_self_review: false,
      reviewers: [],
      deployment_branch_policy: { protected_branches: false, custom_branch_policies: true },
      branch_policies: [
        { id: 2, node_id: 'a', name: 'release/*', type: 'branch' },
        { id: 3, node_id: 'b', name: 'v*', type: 'tag' },
      ],
    });
    const res = await run(['--repo', 'acme/shop']);
    expect(res.status, res.stderr).toBe(0);
    expect(production()!.branch_policies.map((p) => `${p.type}:${p.name}`)).toEqual(['branch:main']);
    expect(production()!.reviewers).toEqual([]);
  });

  it('an unknown reviewer fails before anything is written', async () => {
    const res = await run(['--repo', 'acme/shop', '--reviewer', 'user:nobody']);
    expect(res.status).toBe(2);
    expect(res.stderr).toContain('--reviewer user:nobody: no such user. Nothing was changed.');
    expect(writes()).toEqual([]);
  });

  it('--dry-run only reads and says what it would do', async () => {
    const res = await run(['--repo', 'acme/shop', '--dry-run']);
    expect(res.status).toBe(0);
    expect(res.stdout).toContain("would: acme/shop environment 'production': allow branch 'main'");
    expect(writes()).toEqual([]);
  });

  it('needs the token in the environment', async () => {
    const res = await run(['--repo', 'acme/shop'], {});
    expect(res.status).toBe(2);
    expect(res.stderr).toContain('GITHUB_TOKEN is not set');
  });
});
