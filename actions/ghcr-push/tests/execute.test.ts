import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Command, ExecResult, Runner } from '../../toolkit/src/index.js';
import { gatherFacts, login, pushAll } from '../src/execute.js';
import type { Settings } from '../src/inputs.js';
import { planPush } from '../src/plan.js';

const SHA = '0123456789abcdef0123456789abcdef01234567';
const D1 = `sha256:${'1'.repeat(64)}`;
const settings: Settings = {
  registry: 'ghcr.io',
  repository: 'acme/shop',
  images: { api: 'slipway/api:ci' },
  username: 'octo',
  password: 'pw-secret',
  extraTags: [],
};
const env = { GITHUB_SHA: SHA, GITHUB_REPOSITORY: 'Acme/Shop', GITHUB_WORKSPACE: '/ws' };

/** Answers each command by the first matching rule; records what ran. */
function fakeRunner(rules: [RegExp, Partial<ExecResult>][]): Runner & { ran: Command[] } {
  const ran: Command[] = [];
  return {
    ran,
    exec: (cmd) => {
      ran.push(cmd);
      const line = cmd.argv.join(' ');
      const rule = rules.find(([re]) => re.test(line));
      return Promise.resolve({ exitCode: 0, stdout: '', stderr: '', ...rule?.[1] });
    },
  };
}

const happy: [RegExp, Partial<ExecResult>][] = [
  [/^git /, { stdout: '2024-03-01T12:00:00+02:00\n' }],
  [/Config.Labels/, { stdout: 'null\n' }],
  [/^docker push (\S+):(\S+)$/, { stdout: `x: digest: ${D1} size: 529\n` }],
  [/RepoDigests/, { stdout: `["ghcr.io/acme/shop/api@${D1}"]\n` }],
];

describe('execute (fake runner)', () => {
  it('gathers the commit date and labels, then pushes every tag and verifies the digest', async () => {
    const runner = fakeRunner(happy);
    const facts = await gatherFacts(runner, settings, env);
    expect(facts).toEqual({
      sha: SHA,
      commitDate: '2024-03-01T12:00:00+02:00',
      sourceUrl: 'https://github.com/Acme/Shop',
      localLabels: { api: {} },
    });
    const plan = planPush(settings, { ...facts, dockerConfig: '/tmp/slipway-ghcr-push-x' });
    await login(runner, plan, settings);
    const results = await pushAll(runner, plan, settings);
    expect(results).toEqual([
      { service: 'api', name: 'ghcr.io/acme/shop/api', tags: plan.tags, digest: D1, built: true },
    ]);
    expect(runner.ran.map((c) => c.argv.slice(0, 2).join(' '))).toEqual([
      'git -c',
      'docker image',
      'docker login',
      'docker build',
      'docker push',
      'docker push',
      'docker image',
    ]);
  });

  it('an unknown local image names the service and the image', async () => {
    const runner = fakeRunner([
      [/^git /, { stdout: '2024-03-01T12:00:00Z' }],
      [
        /Config.Labels/,
        { exitCode: 1, stderr: 'Error response from daemon: No such image: slipway/api:ci\n' },
      ],
    ]);
    await expect(gatherFacts(runner, settings, env)).rejects.toThrow(
      "ghcr-push: service 'api': the local image 'slipway/api:ci' does not exist on this runner.",
    );
  });

  it('falls back to the event payload when git cannot find the commit, else asks for a checkout', async () => {
    const runner = fakeRunner([[/^git /, { exitCode: 128, stderr: 'fatal: not a git repository\n' }]]);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ghcr-push-event-'));
    const event = path.join(dir, 'event.json');
    fs.writeFileSync(
      event,
      JSON.stringify({ head_commit: { id: SHA, timestamp: '2024-03-01T12:00:00-05:00' } }),
    );
    const facts = await gatherFacts(
      runner,
      { ...settings, images: {} },
      { ...env, GITHUB_EVENT_PATH: event },
    );
    expect(facts.commitDate).toBe('2024-03-01T12:00:00-05:00');
    fs.writeFileSync(event, JSON.stringify({ pull_request: {} }));
    await expect(gatherFacts(runner, settings, { ...env, GITHUB_EVENT_PATH: event })).rejects.toThrow(
      /Run actions\/checkout/,
    );
    fs.rmSync(dir, { recursive: true });
    await expect(gatherFacts(runner, settings, env)).rejects.toThrow(
      /Run actions\/checkout.*\(fatal: not a git repository\)$/,
    );
  });

  it('refuses to run without a GITHUB_SHA', async () => {
    await expect(gatherFacts(fakeRunner([]), settings, {})).rejects.toThrow(
      /GITHUB_SHA must be a full commit SHA/,
    );
  });

  it('a denied push on ghcr.io gives the permissions message and the registry line', async () => {
    const runner = fakeRunner([
      [/^docker push/, { exitCode: 1, stderr: 'denied: permission_denied: write_package\n' }],
      ...happy,
    ]);
    const plan = planPush(settings, {
      sha: SHA,
      commitDate: '2024-03-01T12:00:00Z',
      sourceUrl: undefined,
      dockerConfig: '/tmp/slipway-ghcr-push-x',
      localLabels: {},
    });
    await expect(pushAll(runner, plan, settings)).rejects.toThrow(
      /^ghcr-push: the registry refused the push \(denied\)\. The job needs `permissions: packages: write`.*\(denied: permission_denied: write_package\)$/,
    );
  });

  it('fails when the engine does not record the pushed digest', async () => {
    const runner = fakeRunner([[/RepoDigests/, { stdout: '[]' }], ...happy]);
    const plan = planPush(settings, {
      sha: SHA,
      commitDate: '2024-03-01T12:00:00Z',
      sourceUrl: undefined,
      dockerConfig: '/tmp/slipway-ghcr-push-x',
      localLabels: {},
    });
    await expect(pushAll(runner, plan, settings)).rejects.toThrow(
      /the push reported sha256:1{64}, but the engine does not list/,
    );
  });
});
