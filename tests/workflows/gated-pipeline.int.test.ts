/**
 * The generated workflows under act, against the sandbox, for the two refusals the rehearsal does not show:
 * a push to main whose gate fails never builds, pushes or deploys; and rollback.yml dispatched from a branch
 * is refused without touching production. The VPS is only read (its ledger, for entries by this test's actor); run with the
 * VPS lock held, like every test that could deploy.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { actBinary, repoRoot, runWorkflow, serveHadolintRelease } from '../../scripts/act/act.js';
import { type ScratchRepo, pushPayload, scratchRepo } from '../../scripts/act/scratch-repo.js';
import { listing, vps } from '../deploy/harness.js';
import { sandboxVar } from '../sandbox/sandbox-env.js';
import { type FakeGitHub, startFakeGitHub } from '../support/fake-github-api.js';

const REPOSITORY = 'act-it/slipway';
const ACTOR = 'act-it';
const evalStack = `act-it-${process.pid}`;
let tmp: string;
let repo: ScratchRepo;
let github: FakeGitHub;
let act: string;
let hadolint: { url: string; close: () => void };

beforeAll(async () => {
  act = actBinary();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'act-it-'));
  repo = scratchRepo(repoRoot, path.join(tmp, 'repo'));
  github = await startFakeGitHub();
  hadolint = await serveHadolintRelease();
}, 600_000);

afterAll(async () => {
  await github?.close();
  hadolint?.close();
  spawnSync('scripts/dev/stack.sh', ['reset'], {
    cwd: repoRoot,
    env: { ...process.env, SLIPWAY_DEV_PROJECT: evalStack },
    stdio: 'ignore',
  });
  if (tmp && !process.env.ACT_IT_KEEP) fs.rmSync(tmp, { recursive: true, force: true });
});

/** Ledger entries this test's runs could have written: by its actor (the VPS is shared; others may deploy). */
const ours = () => {
  try {
    return listing().ledger.filter((e) => e.actor === ACTOR);
  } catch {
    return []; // an empty host: no engine installed yet
  }
};

const run = (n: string, workflow: string, event: 'push' | 'workflow_dispatch', payload: object, extra = {}) =>
  runWorkflow(
    {
      workdir: repo.dir,
      workflow: `.github/workflows/${workflow}`,
      event,
      payload: payload as Record<string, unknown>,
      vars: {
        REGISTRY: sandboxVar('SLIPWAY_VPS_REGISTRY'),
        IMAGE_REPOSITORY: REPOSITORY,
        REGISTRY_USERNAME: sandboxVar('SLIPWAY_REGISTRY_USER'),
        BUILD_CACHE: 'local',
        VPS_HOST: vps().host,
        VPS_PORT: vps().port,
        VPS_KNOWN_HOSTS: fs.readFileSync(vps().knownHosts, 'utf8').trim(),
        PRODUCTION_URL: `http://${vps().host}`,
      },
      secrets: {
        GITHUB_TOKEN: 'ghs_actIntegrationToken',
        REGISTRY_PASSWORD: fs.readFileSync(sandboxVar('SLIPWAY_REGISTRY_PASSWORD_FILE'), 'utf8').trim(),
        VPS_SSH_KEY: fs.readFileSync(vps().key, 'utf8'),
      },
      env: { GITHUB_API_URL: github.url, GITHUB_REPOSITORY: REPOSITORY },
      hostEnv: {
        SLIPWAY_HADOLINT_DOWNLOAD_URL: hadolint.url,
        SLIPWAY_DEV_PROJECT: evalStack,
        SLIPWAY_DEV_API_PORT: '0',
        SLIPWAY_DEV_DEBUG_PORT: '0',
        SLIPWAY_DEV_CHROMA_PORT: '0',
        SLIPWAY_DEV_POSTGRES_PORT: '0',
      },
      actor: ACTOR,
      stateDir: path.join(tmp, 'act', n),
      cacheServerDir: path.join(tmp, 'act-cache'),
      artifactPort: 18281,
      logFile: path.join(tmp, `${n}.log`),
      ...extra,
    },
    act,
  );

it('a push to main whose Dockerfile gate fails builds, pushes and deploys nothing', async () => {
  const base = repo.git('rev-parse', 'HEAD');
  fs.appendFileSync(path.join(repo.dir, 'docker', 'service.Dockerfile'), 'RUN cd /tmp && true\n');
  const bad = repo.commit('a Dockerfile change hadolint refuses (DL3003)');
  // Two jobs at once: this run checks which jobs run, not the eval's latency.
  const result = await run('gate', 'cd.yml', 'push', pushPayload(repo, base, bad, REPOSITORY, ACTOR), {
    concurrentJobs: 2,
  });
  const job = (name: string) => result.jobs.find((j) => j.name === name)?.result;
  expect(result.ok).toBe(false);
  expect(job('gate/dockerfiles')).toBe('failure');
  expect([job('build-push'), job('deploy'), job('smoke'), job('baseline')]).toEqual([
    'skipped',
    'skipped',
    'skipped',
    'skipped',
  ]);
  expect(fs.readFileSync(result.logFile, 'utf8')).toContain('DL3003');
  expect(github.deployments).toEqual([]);
  expect(ours()).toEqual([]);
}, 1_800_000);

it('rollback.yml dispatched from a branch is refused and production is not touched', async () => {
  const result = await run(
    'rollback',
    'rollback.yml',
    'workflow_dispatch',
    {
      ref: 'refs/heads/feature',
      inputs: { to: 'previous', environment: 'production' },
      repository: { full_name: REPOSITORY, default_branch: 'main' },
    },
    { inputs: { to: 'previous', environment: 'production' } },
  );
  expect(result.ok).toBe(false);
  expect(result.jobs).toEqual([
    { name: 'rollback', ok: false, result: 'skipped' },
    { name: 'refuse-branch', ok: false, result: 'failure' },
  ]);
  expect(github.deployments).toEqual([]);
  expect(ours()).toEqual([]);
}, 300_000);
