/**
 * `make rehearse`: Slipway's whole story on one machine, with the real bundled actions against the sandbox
 * (Docker engine, a TLS + auth registry standing in for GHCR, a VPS reached over SSH with a pinned host key):
 * hadolint gate, eval gate, compose build, push, deploy v1, deploy v2 under load, a release that never gets
 * healthy (refused, v2 keeps serving), rollback to v1 under load. Prints a summary and writes
 * rehearsal-report.json at the repository root. Exit code 0 only when every step and switch is ok.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type ActionRun, errorsOf, repoRoot, runAction } from './github-runner.js';
import { sandboxStateDir } from '../../tests/sandbox/sandbox-env.js';
import { startLoad } from './load.js';
import { type StepResult, type SwitchResult, buildReport, renderSummary } from './report.js';

const stateDir = sandboxStateDir();
const sandbox = JSON.parse(fs.readFileSync(path.join(stateDir, 'env.json'), 'utf8')) as Record<
  string,
  string
>;
const runId = new Date().toISOString().replace(/[-:T]/g, '').slice(0, 14);
const workDir = path.join(stateDir, 'rehearsal', runId);
const baselineFile = path.join(stateDir, 'rehearsal', 'eval-baseline.json');
const proxyUrl = `http://${sandbox.SLIPWAY_VPS_HOST}`;
const headSha = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: repoRoot, encoding: 'utf8' }).trim();
const pathWithLinters = `${path.join(repoRoot, '.venv', 'bin')}:${process.env.PATH ?? ''}`;

/** What a workflow run would tell the deploy actions about itself; recorded in the VPS's release ledger. */
const github = {
  GITHUB_SHA: headSha,
  GITHUB_ACTOR: `rehearsal@${os.hostname()}`,
  GITHUB_REPOSITORY: 'rehearsal/slipway',
};

const steps: StepResult[] = [];
const deploys: SwitchResult[] = [];

function log(message: string): void {
  process.stderr.write(`rehearse: ${message}\n`);
}

/** Runs one action, prints its annotations and records the step. */
async function actionStep(
  name: string,
  action: string,
  inputs: Record<string, string>,
  detail: (run: ActionRun) => string,
  env: Record<string, string> = {},
): Promise<ActionRun> {
  log(`${name} ...`);
  const { main, post } = await runAction(action, inputs, { env: { PATH: pathWithLinters, ...env } });
  const ok = main.status === 0 && (post?.status ?? 0) === 0;
  const text = ok ? detail(main) : errorsOf(main).join('; ') || `exit ${main.status}`;
  steps.push({ name, ok, seconds: main.seconds + (post?.seconds ?? 0), detail: text });
  log(`${name}: ${ok ? 'ok' : 'FAILED'} (${main.seconds.toFixed(1)} s) ${text}`);
  if (!ok) process.stderr.write(main.stdout);
  return main;
}

/**
 * The eval runs on its own throwaway copy of the dev stack: its own compose project, ephemeral loopback
 * ports (a developer's `make dev` may hold the usual ones) and fresh volumes every time, so a database left
 * by an earlier stack with another password never gets in the way.
 */
const evalStackEnv = {
  SLIPWAY_DEV_PROJECT: 'slipway-rehearsal-eval',
  SLIPWAY_DEV_API_PORT: '0',
  SLIPWAY_DEV_DEBUG_PORT: '0',
  SLIPWAY_DEV_CHROMA_PORT: '0',
  SLIPWAY_DEV_POSTGRES_PORT: '0',
};

function shellStep(name: string, argv: string[]): boolean {
  log(`${name} ...`);
  const started = Date.now();
  const res = spawnSync(argv[0]!, argv.slice(1), {
    cwd: repoRoot,
    env: { ...process.env, ...evalStackEnv },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const ok = res.status === 0;
  steps.push({ name, ok, seconds: (Date.now() - started) / 1000, detail: ok ? '' : `exit ${res.status}` });
  return ok;
}

const connection = () => ({
  host: sandbox.SLIPWAY_VPS_HOST!,
  port: sandbox.SLIPWAY_VPS_PORT!,
  user: sandbox.SLIPWAY_VPS_USER!,
  'private-key': fs.readFileSync(sandbox.SLIPWAY_VPS_KEY!, 'utf8'),
  'known-hosts': fs.readFileSync(sandbox.SLIPWAY_VPS_KNOWN_HOSTS!, 'utf8'),
  'app-dir': sandbox.SLIPWAY_VPS_APP_DIR!,
});

async function serving(): Promise<boolean> {
  try {
    return (await fetch(`${proxyUrl}/health`, { signal: AbortSignal.timeout(3000) })).ok;
  } catch {
    return false;
  }
}

/** A deploy or rollback with a bounded load running while it switches (when something serves already). */
async function underLoad(
  label: string,
  expect: SwitchResult['expect'],
  action: 'ssh-deploy' | 'rollback',
  inputs: Record<string, string>,
): Promise<SwitchResult> {
  log(`${label} (${action}) ...`);
  const load = (await serving()) ? startLoad(proxyUrl, 4, 300) : undefined;
  const { main, post } = await runAction(
    action,
    { ...connection(), ...inputs },
    { env: { PATH: pathWithLinters } },
  );
  const report = load ? await load.stop() : { requests: 0, failed: 0, samples: [] as string[] };
  const after = await serving();
  const released = main.outputs['release-id'] ?? '';
  const expected =
    expect === 'refused'
      ? main.status !== 0
      : main.status === 0 && (action === 'rollback' || released === inputs['release-id']);
  const ok = expected && after && (post?.status ?? 0) === 0;
  const detail = [
    main.status === 0
      ? `live: ${released}`
      : `refused: ${errorsOf(main)[0]?.split('\n')[0] ?? `exit ${main.status}`}`,
    ...report.samples.slice(0, 3),
  ].join('; ');
  log(
    `${label}: ${ok ? 'ok' : 'FAILED'} in ${main.seconds.toFixed(1)} s, ${report.requests} requests, ${report.failed} failed. ${detail}`,
  );
  if (!ok) process.stderr.write(main.stdout);
  return {
    release: action === 'rollback' ? released || inputs.to! : inputs['release-id']!,
    expect,
    ok,
    seconds: main.seconds,
    requests: report.requests,
    failedRequests: report.failed,
    detail,
  };
}

/** compose-build then ghcr-push of one version; returns the digest-pinned refs for ssh-deploy. */
async function buildAndPush(version: string): Promise<string | undefined> {
  const build = await actionStep(
    `compose build ${version}`,
    'compose-build',
    {
      'compose-file': 'docker/compose.yaml',
      services: 'api',
      'image-prefix': 'rehearsal',
      tag: `${runId}-${version}`,
      cache: 'local',
      'build-args': `VERSION=${version}.0.0-${runId}\nGIT_SHA=${headSha}`,
    },
    (r) => `images ${r.outputs.images} in ${r.outputs['build-seconds']} s`,
  );
  if (build.status !== 0) return undefined;
  return push(version, build.outputs.images!);
}

async function push(version: string, images: string): Promise<string | undefined> {
  const pushed = await actionStep(
    `push ${version}`,
    'ghcr-push',
    {
      registry: sandbox.SLIPWAY_VPS_REGISTRY!,
      repository: 'rehearsal/slipway',
      images,
      username: sandbox.SLIPWAY_REGISTRY_USER!,
      password: fs.readFileSync(sandbox.SLIPWAY_REGISTRY_PASSWORD_FILE!, 'utf8').trim(),
    },
    (r) => `tag ${r.outputs.tag}`,
    github,
  );
  return pushed.status === 0 ? pushed.outputs.digests : undefined;
}

/**
 * v3: v2 with a bad default bind address, as a bad commit could ship. Migrations still run; the server cannot
 * listen, so the new slot never gets healthy and the deploy must be refused while v2 keeps serving.
 */
function buildBroken(from: string): string {
  const tag = `rehearsal/api:${runId}-v3`;
  const dockerfile = `FROM ${from}\nENV HOST=192.0.2.1\n`;
  execFileSync('docker', ['build', '-q', '-t', tag, '-'], {
    input: dockerfile,
    stdio: ['pipe', 'ignore', 'inherit'],
  });
  return JSON.stringify({ api: tag });
}

async function main(): Promise<number> {
  const startedAt = new Date();
  fs.mkdirSync(workDir, { recursive: true });
  log(
    `run ${runId}, commit ${headSha.slice(0, 7)}, VPS ${sandbox.SLIPWAY_VPS_HOST}, registry ${sandbox.SLIPWAY_VPS_REGISTRY}`,
  );

  await actionStep(
    'hadolint gate',
    'hadolint-gate',
    {
      'failure-threshold': 'style',
      'hadolint-version': 'system',
      'sarif-file': path.join(workDir, 'hadolint.sarif'),
    },
    (r) => `${r.outputs.findings} findings, ${r.outputs['failed-findings']} at or above style`,
  );

  shellStep('eval stack: clean slate', ['scripts/dev/stack.sh', 'reset']);
  if (shellStep('eval stack up (migrate, scrape, embed)', ['scripts/dev/stack.sh', 'up'])) {
    const results = path.join(workDir, 'eval-results.json');
    const evalRun = await actionStep(
      'eval gate',
      'eval-check',
      {
        command: `scripts/dev/stack.sh eval > '${results}'`,
        results,
        thresholds: 'service/eval/thresholds.yaml',
        baseline: fs.existsSync(baselineFile) ? baselineFile : '',
        comment: 'false',
      },
      (r) =>
        `passed=${r.outputs.passed}${fs.existsSync(baselineFile) ? ' against the previous run' : ', no baseline yet'}`,
      evalStackEnv,
    );
    if (evalRun.status === 0) fs.copyFileSync(results, baselineFile);
  }
  shellStep('eval stack removed', ['scripts/dev/stack.sh', 'reset']);

  const v1 = await buildAndPush('v1');
  const v2 = await buildAndPush('v2');
  const v2Image = v2 && (JSON.parse(v2) as Record<string, string>).api;
  const v3 = v2Image ? await push('v3', buildBroken(v2Image)) : undefined;
  const id = (v: string) => `${runId}-${v}`;
  const deployInputs = (v: string, images: string, timeout: string) => ({
    images,
    'compose-file': 'docker/compose.release.yaml',
    'release-id': id(v),
    'health-timeout-seconds': timeout,
    'keep-releases': '5',
  });

  let rollback: SwitchResult | null = null;
  if (v1 && v2 && v3) {
    deploys.push(await underLoad(`deploy ${id('v1')}`, 'live', 'ssh-deploy', deployInputs('v1', v1, '120')));
    deploys.push(await underLoad(`deploy ${id('v2')}`, 'live', 'ssh-deploy', deployInputs('v2', v2, '120')));
    deploys.push(
      await underLoad(
        `deploy ${id('v3')} (never healthy)`,
        'refused',
        'ssh-deploy',
        deployInputs('v3', v3, '30'),
      ),
    );
    rollback = await underLoad(`rollback to ${id('v1')}`, 'live', 'rollback', { to: id('v1') });
  }

  const listing = await runAction('rollback', { ...connection(), list: 'true' });
  const report = buildReport({
    startedAt,
    finishedAt: new Date(),
    steps,
    deploys,
    rollback,
    live: listing.main.outputs['release-id'] || null,
    ledger: listing.main.summary,
  });
  fs.writeFileSync(path.join(repoRoot, 'rehearsal-report.json'), `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(renderSummary(report));
  return report.ok ? 0 : 1;
}

process.exitCode = await main();
