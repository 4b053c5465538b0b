/**
 * `make rehearse`: Slipway's whole story on one machine, told by the generated workflows themselves, run
 * unchanged under act on the host runner against the sandbox (a TLS + auth registry standing in for GHCR, a
 * VPS reached over SSH with a pinned host key, the GitHub REST stand-in):
 *   0. check the live release (an outage found here is a failure, not skipped); on an empty host, seed it:
 *      the base commit built, pushed and deployed by the same three bundles cd.yml's build-push and deploy
 *      jobs run (compose-build, ghcr-push, ssh-deploy), without load since nothing serves yet. The seed is a
 *      precondition, not part of the story: running all of cd.yml for it cost one more full CI + gate run;
 *   1. a PR is opened: pr-gate.yml on pull_request (hadolint + SARIF, build, eval gate + sticky comment);
 *   2. it is merged: cd.yml on push to main (CI, the PR gate, build, push, deploy under load, smoke, baseline);
 *   3. a bad merge (the production image binds to an address it does not have): cd.yml again, gates pass,
 *      the deploy is refused by its health gate while the live release keeps serving under load;
 *   4. rollback.yml dispatched from main, to the release before the merge, under load;
 *   5. rollback speed: the merge, now parked warm, is redeployed under a new id and rolled back to and from
 *      three times, each timed from the action's start to the proxy serving it (as `make rollback-bench`).
 * The commits are made in a scratch clone of this checkout (uncommitted changes included), never here.
 * Prints a summary and writes rehearsal-report.json at the repository root; exit 0 only when all is ok.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ledgerSummary } from '../../actions/toolkit/src/deploy/summary.js';
import type { Listing } from '../../actions/toolkit/src/deploy/engine.js';
import { sandboxStateDir } from '../../tests/sandbox/sandbox-env.js';
import { type ActionRun, errorsOf, runAction } from '../../tests/support/action-runner.js';
import { type FakeGitHub, startFakeGitHub } from '../../tests/support/fake-github-api.js';
import {
  type LogEntry,
  type WorkflowEvent,
  actBinary,
  repoRoot,
  runWorkflow,
  serveHadolintRelease,
} from '../act/act.js';
import { type ScratchRepo, pushPayload, scratchRepo } from '../act/scratch-repo.js';
import { type SwitchTiming, summarize, timeSwitch } from '../chaos/switch-timing.js';
import { startLoad } from './load.js';
import type { PrometheusClient } from './prometheus-client.js';
import { type ServerErrors, serverErrors } from './server-errors.js';
import { type Tunnel, checkDashboardsAndAlerts, openTunnel } from './vps-prometheus.js';
import {
  type PanelsResult,
  type PreCheck,
  type RollbackSpeed,
  type StepResult,
  type SwitchResult,
  type WorkflowRecord,
  buildReport,
  renderSummary,
} from './report.js';

const stateDir = sandboxStateDir();
const sandbox = JSON.parse(fs.readFileSync(path.join(stateDir, 'env.json'), 'utf8')) as Record<
  string,
  string
>;
const runId = new Date().toISOString().replace(/[-:T]/g, '').slice(0, 14);
const workDir = path.join(stateDir, 'rehearsal', runId);
const proxyUrl = `http://${sandbox.SLIPWAY_VPS_HOST}`;
const REPOSITORY = 'rehearsal/slipway';
const ACTOR = 'slipway-rehearsal';
/** Loopback ports of this helper's range: act's artifact server and the hadolint release stand-in. */
const ARTIFACT_PORT = 18280;
/** The eval gate's dev stack: its own compose project, ephemeral loopback ports, removed after each run. */
const evalStackEnv = {
  SLIPWAY_DEV_PROJECT: `slipway-rehearsal-${runId}`,
  SLIPWAY_DEV_API_PORT: '0',
  SLIPWAY_DEV_DEBUG_PORT: '0',
  SLIPWAY_DEV_CHROMA_PORT: '0',
  SLIPWAY_DEV_POSTGRES_PORT: '0',
};

const steps: StepResult[] = [];
/** The VPS's Prometheus, through an SSH tunnel; undefined when it could not be reached (then nothing is measured). */
let prometheus: PrometheusClient | undefined;
/** The first measured switch's start (Unix seconds): the panel check's window starts there. */
let measuredFrom: number | undefined;
const workflows: WorkflowRecord[] = [];
const deploys: SwitchResult[] = [];
let workflowCount = 0;
let repo!: ScratchRepo;

function log(message: string): void {
  process.stderr.write(`rehearse: ${message}\n`);
}

async function step<T>(
  name: string,
  fn: () => Promise<T> | T,
  detail: (v: T) => string = () => '',
): Promise<T> {
  const started = Date.now();
  try {
    const value = await fn();
    steps.push({ name, ok: true, seconds: (Date.now() - started) / 1000, detail: detail(value) });
    return value;
  } catch (err) {
    steps.push({ name, ok: false, seconds: (Date.now() - started) / 1000, detail: (err as Error).message });
    throw err;
  }
}

const ssh = (command: string) =>
  spawnSync(
    'ssh',
    [
      '-F',
      'none',
      '-i',
      sandbox.SLIPWAY_VPS_KEY!,
      '-p',
      sandbox.SLIPWAY_VPS_PORT!,
      '-o',
      'BatchMode=yes',
      '-o',
      'IdentitiesOnly=yes',
      '-o',
      'StrictHostKeyChecking=yes',
      '-o',
      `UserKnownHostsFile=${sandbox.SLIPWAY_VPS_KNOWN_HOSTS}`,
      `${sandbox.SLIPWAY_VPS_USER}@${sandbox.SLIPWAY_VPS_HOST}`,
      command,
    ],
    { encoding: 'utf8', timeout: 60_000 },
  );

/** The release ledger on the host, or undefined when no engine was ever installed there (an empty host). */
function listing(): Listing | undefined {
  const res = ssh(
    `test -x ${sandbox.SLIPWAY_VPS_APP_DIR}/bin/slipway || exit 3; ${sandbox.SLIPWAY_VPS_APP_DIR}/bin/slipway list --json`,
  );
  if (res.status === 3) return undefined;
  if (res.status !== 0)
    throw new Error(`slipway list on the VPS failed (${res.status}): ${res.stderr.trim()}`);
  return JSON.parse(res.stdout) as Listing;
}

async function serving(): Promise<boolean> {
  try {
    return (await fetch(`${proxyUrl}/health/detailed`, { signal: AbortSignal.timeout(3000) })).ok;
  } catch {
    return false;
  }
}

async function precheck(): Promise<PreCheck> {
  const before = listing();
  const live = before?.current || null;
  const up = await serving();
  if (!live)
    return {
      ok: true,
      live: null,
      serving: up,
      detail: 'no live release: the first deploy runs without load',
    };
  return {
    ok: up,
    live,
    serving: up,
    detail: up
      ? ''
      : `${proxyUrl}/health/detailed does not answer 200: the live release is down before anything changed`,
  };
}

interface Context {
  act: string;
  github: FakeGitHub;
  hadolintUrl: string;
}

/** The repository's settings for this run: production's defaults replaced by the sandbox's. */
function settings(): { vars: Record<string, string>; secrets: Record<string, string> } {
  return {
    vars: {
      REGISTRY: sandbox.SLIPWAY_VPS_REGISTRY!,
      IMAGE_REPOSITORY: REPOSITORY,
      REGISTRY_USERNAME: sandbox.SLIPWAY_REGISTRY_USER!,
      BUILD_CACHE: 'local',
      VPS_HOST: sandbox.SLIPWAY_VPS_HOST!,
      VPS_PORT: sandbox.SLIPWAY_VPS_PORT!,
      VPS_USER: sandbox.SLIPWAY_VPS_USER!,
      VPS_KNOWN_HOSTS: fs.readFileSync(sandbox.SLIPWAY_VPS_KNOWN_HOSTS!, 'utf8').trim(),
      VPS_APP_DIR: sandbox.SLIPWAY_VPS_APP_DIR!,
      PRODUCTION_URL: proxyUrl,
    },
    secrets: {
      GITHUB_TOKEN: 'ghs_rehearsalTokenForTheRestStandIn',
      REGISTRY_PASSWORD: fs.readFileSync(sandbox.SLIPWAY_REGISTRY_PASSWORD_FILE!, 'utf8').trim(),
      VPS_SSH_KEY: fs.readFileSync(sandbox.SLIPWAY_VPS_KEY!, 'utf8'),
    },
  };
}

interface Switch {
  /** The job whose run is the switch: load runs from its first log entry to its result. */
  job: string;
  expect: SwitchResult['expect'];
  firstDeploy: boolean;
}

/** Runs one workflow under act; when `sw` is given, measures that job as a switch under load. */
async function workflow(
  ctx: Context,
  story: string,
  file: string,
  event: WorkflowEvent,
  payload: Record<string, unknown>,
  expectOk: boolean,
  opts: { inputs?: Record<string, string>; sw?: Switch } = {},
): Promise<{ switch?: Omit<SwitchResult, 'release' | 'detail'>; notes: string[] }> {
  workflowCount++;
  log(`${story}: ${file} on ${event} ...`);
  const { vars, secrets } = settings();
  let load: ReturnType<typeof startLoad> | undefined;
  let started = 0;
  let ended: Promise<{ requests: number; failed: number; samples: string[] }> | undefined;
  let seconds = 0;
  let jobOk = false;
  let servedAtStart: Promise<boolean> | undefined;
  const result = await runWorkflow(
    {
      workdir: repo.dir,
      workflow: `.github/workflows/${file}`,
      event,
      payload,
      inputs: opts.inputs,
      vars,
      secrets,
      env: { GITHUB_API_URL: ctx.github.url, GITHUB_REPOSITORY: REPOSITORY },
      hostEnv: { ...evalStackEnv, SLIPWAY_HADOLINT_DOWNLOAD_URL: ctx.hadolintUrl },
      actor: ACTOR,
      stateDir: path.join(workDir, 'act', String(workflowCount)),
      cacheServerDir: path.join(stateDir, 'rehearsal', 'act-cache'),
      artifactPort: ARTIFACT_PORT,
      logFile: path.join(workDir, `${workflowCount}-${story.replace(/\W+/g, '-')}.log`),
      onLine: (line) => process.stdout.write(`${line}\n`),
      onEntry: (e: LogEntry) => {
        if (!opts.sw || e.jobID !== opts.sw.job) return;
        if (!started) {
          started = Date.now();
          // No load onto an empty host: nothing serves yet. Every other switch is measured under load.
          if (!opts.sw.firstDeploy) load = startLoad(proxyUrl, 4, 300);
          // Whether the live release served when the switch began: an outage found here is not the switch's.
          servedAtStart = serving();
        }
        if (e.jobResult && !ended) {
          seconds = (Date.now() - started) / 1000;
          jobOk = e.jobResult === 'success';
          ended = load ? load.stop() : Promise.resolve({ requests: 0, failed: 0, samples: [] });
        }
      },
    },
    ctx.act,
  );
  spawnSync('scripts/dev/stack.sh', ['reset'], {
    cwd: repoRoot,
    env: { ...process.env, ...evalStackEnv },
    stdio: 'ignore',
  });
  workflows.push({ ...result, story, expectOk });
  log(
    `${story}: ${file} ${result.ok ? 'succeeded' : 'failed'} in ${result.seconds} s (log: ${result.logFile})`,
  );
  if (!opts.sw) return { notes: [] };
  const report = ended ? await ended : { requests: 0, failed: 0, samples: ['the deploy job never started'] };
  const after = await serving();
  const did = opts.sw.expect === 'refused' ? started > 0 && !jobOk : jobOk;
  let server: ServerErrors | null = null;
  if (prometheus && started && !opts.sw.firstDeploy) {
    const window = { start: started / 1000, end: started / 1000 + seconds };
    measuredFrom ??= window.start;
    try {
      server = await serverErrors(prometheus, window, {
        marginSeconds: await prometheus.scrapeIntervalSeconds(),
      });
    } catch (err) {
      log(`${story}: server-side errors not measured: ${(err as Error).message}`);
    }
  }
  const notes = [
    ...(servedAtStart && !(await servedAtStart) && !opts.sw.firstDeploy
      ? ['the live release was NOT serving when this switch began (an outage before it)']
      : []),
    ...(after ? [] : ['the site was not serving after the switch']),
    ...report.samples.slice(0, 3),
  ];
  return {
    notes,
    switch: {
      expect: opts.sw.expect,
      ok: did && after,
      seconds,
      firstDeploy: opts.sw.firstDeploy,
      requests: report.requests,
      failedRequests: report.failed,
      serverErrors: server,
    },
  };
}

/** The VPS inputs cd.yml and rollback.yml pass to ssh-deploy and rollback (the same repository settings). */
function connection(): Record<string, string> {
  const { vars, secrets } = settings();
  return {
    host: vars.VPS_HOST!,
    port: vars.VPS_PORT!,
    user: vars.VPS_USER!,
    'known-hosts': vars.VPS_KNOWN_HOSTS!,
    'private-key': secrets.VPS_SSH_KEY!,
    'app-dir': vars.VPS_APP_DIR!,
  };
}

/**
 * How fast a rollback is, measured as `make rollback-bench` measures it (from the action's start to the proxy
 * serving the target, under load), after the story: the release the dispatched rollback left (the merge) is
 * parked warm as the standby. One deploy of the merge's images under a new id, then three rollbacks between
 * it and LIVE; the last one leaves LIVE serving, as the story ended.
 */
async function rollbackSpeed(live: string, standby: string): Promise<RollbackSpeed> {
  const images = (release: string) => {
    const res = ssh(`cat ${sandbox.SLIPWAY_VPS_APP_DIR}/releases/${release}/images.json`);
    if (res.status !== 0) throw new Error(`images.json of ${release} on the VPS: ${res.stderr.trim()}`);
    return JSON.parse(res.stdout) as Record<string, string>;
  };
  const redeploy = `${standby}-again`;
  const redeployImages = images(standby);
  const liveImage = images(live).api!;
  const env = { GITHUB_ACTOR: ACTOR, GITHUB_REPOSITORY: REPOSITORY, GITHUB_RUN_ID: runId };
  const timings: SwitchTiming[] = [];
  const timed = async (t: Promise<SwitchTiming>) => {
    const done = await t;
    timings.push(done);
    log(
      `rollback speed: ${done.kind} ${done.release}: serving after ${done.servingSeconds}s (action ${done.actionSeconds}s), ${done.failedRequests}/${done.requests} failed`,
    );
  };
  const deployInputs = {
    ...connection(),
    images: JSON.stringify(redeployImages),
    'release-id': redeploy,
    environment: 'production',
  };
  await timed(timeSwitch('deploy', redeploy, redeployImages.api!, deployInputs, proxyUrl, env));
  for (const [to, image] of [
    [live, liveImage],
    [redeploy, redeployImages.api!],
    [live, liveImage],
  ] as const) {
    const inputs = { ...connection(), to, list: 'false', environment: 'production' };
    await timed(timeSwitch('rollback', to, image, inputs, proxyUrl, env));
  }
  return { ...summarize(timings), timings };
}

/**
 * An empty host's first release: the base commit through the bundles cd.yml's build-push and deploy jobs use,
 * with the inputs those jobs pass (the same settings), run the way the runner runs them. No load: nothing serves.
 */
async function seed(ctx: Context, sha: string): Promise<string> {
  const { vars, secrets } = settings();
  const env = {
    GITHUB_SHA: sha,
    GITHUB_REF: 'refs/heads/main',
    GITHUB_ACTOR: ACTOR,
    GITHUB_REPOSITORY: REPOSITORY,
    GITHUB_RUN_ID: runId,
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_API_URL: ctx.github.url,
  };
  const must = async (name: string, inputs: Record<string, string>): Promise<ActionRun> => {
    const { main } = await runAction(name, inputs, { workspace: repo.dir, env });
    if (main.status !== 0)
      throw new Error(`${name} failed: ${errorsOf(main).join(' ') || `exit ${main.status}`}`);
    return main;
  };
  const build = await must('compose-build', {
    'compose-file': 'docker/compose.yaml',
    services: 'api',
    cache: vars.BUILD_CACHE!,
    tag: sha,
  });
  const push = await must('ghcr-push', {
    images: build.outputs.images!,
    registry: vars.REGISTRY!,
    repository: vars.IMAGE_REPOSITORY!,
    username: vars.REGISTRY_USERNAME!,
    password: secrets.REGISTRY_PASSWORD!,
  });
  const deploy = await must('ssh-deploy', {
    ...connection(),
    images: push.outputs.digests!,
    'release-id': push.outputs.tag!,
    environment: 'production',
    'environment-url': vars.PRODUCTION_URL!,
  });
  if (!(await serving())) throw new Error(`${proxyUrl}/health/detailed does not answer 200 after the seed`);
  return deploy.outputs['release-id']!;
}

/** The release a deploy of `sha` creates (ghcr-push's tag), read back from the host's ledger. */
function releaseOf(sha: string): string {
  const entry = listing()
    ?.ledger.filter((e) => e.kind === 'deploy')
    .reverse()
    .find((e) => (e as { gitSha?: string }).gitSha === sha);
  return entry?.release ?? `(no ledger entry for ${sha.slice(0, 7)})`;
}

async function deployPush(
  ctx: Context,
  story: string,
  before: string,
  after: string,
  sw: Switch,
): Promise<void> {
  const run = await workflow(
    ctx,
    story,
    'cd.yml',
    'push',
    pushPayload(repo, before, after, REPOSITORY, ACTOR),
    sw.expect === 'live',
    {
      sw,
    },
  );
  deploys.push({
    release: releaseOf(after),
    detail: [`${story}: commit ${after.slice(0, 7)}`, ...run.notes].join('; '),
    ...run.switch!,
  });
}

async function main(): Promise<number> {
  const startedAt = new Date();
  const act = await step(
    'act (pinned, built once per machine)',
    () => actBinary(),
    (p) => p,
  );
  const github = await startFakeGitHub();
  const releases = await serveHadolintRelease();
  const ctx: Context = { act, github, hadolintUrl: releases.url };
  let rollback: SwitchResult | null = null;
  let speed: RollbackSpeed | null = null;
  let panels: PanelsResult | null = null;
  let tunnel: Tunnel | undefined;
  let pre: PreCheck = { ok: false, live: null, serving: false, detail: 'not checked' };
  try {
    pre = await step(
      'check the live release first',
      precheck,
      (p) => `live ${p.live ?? 'none'}, serving ${p.serving}`,
    );
    repo = await step(
      'scratch clone of this checkout',
      () => scratchRepo(repoRoot, path.join(workDir, 'repo')),
      (r) => `main at ${r.git('rev-parse', '--short', 'HEAD')}`,
    );
    const base = repo.git('rev-parse', 'HEAD');
    log(
      `run ${runId}, base ${base.slice(0, 7)}, VPS ${sandbox.SLIPWAY_VPS_HOST}, registry ${sandbox.SLIPWAY_VPS_REGISTRY}`,
    );

    // Before the monitoring check: the seed creates the database (and its password) the exporter reads.
    if (!pre.live)
      await step(
        'seed the empty host: the base commit through compose-build, ghcr-push and ssh-deploy',
        () => seed(ctx, base),
        (release) => `${release} live (no load: nothing served before it)`,
      );

    // The VPS's monitoring stack (a drill may have remade the host, or a test reset it, since the sandbox came
    // up), reached the way an operator reaches it. Without it the story still runs, but nothing is measured server-side: not ok.
    try {
      tunnel = await step(
        "the VPS's Prometheus, through an SSH tunnel",
        async () => {
          const up = spawnSync('scripts/sandbox/host', ['monitoring', sandbox.SLIPWAY_VPS_NAME!], {
            cwd: repoRoot,
            encoding: 'utf8',
            timeout: 600_000,
          });
          if (up.status !== 0)
            throw new Error(
              `scripts/sandbox/host monitoring ${sandbox.SLIPWAY_VPS_NAME} failed: ${up.stderr.trim().split('\n').pop()}`,
            );
          return openTunnel({
            host: sandbox.SLIPWAY_VPS_HOST!,
            port: sandbox.SLIPWAY_VPS_PORT!,
            user: sandbox.SLIPWAY_VPS_USER!,
            key: sandbox.SLIPWAY_VPS_KEY!,
            knownHosts: sandbox.SLIPWAY_VPS_KNOWN_HOSTS!,
          });
        },
        (t) => t.client.baseUrl,
      );
      prometheus = tunnel.client;
    } catch (err) {
      log(`no server-side measurement: ${(err as Error).message}`);
    }

    // 1. A pull request: one commit on a branch; GitHub tests the merge of it into main.
    repo.git('checkout', '--quiet', '-b', 'rehearsal/change');
    const head = repo.commit(`rehearsal ${runId}: a change under review`);
    repo.git('checkout', '--quiet', 'main');
    repo.git(
      'merge',
      '--quiet',
      '--no-ff',
      '-m',
      'Merge pull request #1 from rehearsal/change',
      'rehearsal/change',
    );
    const merge = repo.git('rev-parse', 'HEAD');
    const commentsBefore = github.comments.length;
    await workflow(
      ctx,
      'PR opened',
      'pr-gate.yml',
      'pull_request',
      {
        action: 'opened',
        number: 1,
        pull_request: {
          number: 1,
          head: { sha: head, ref: 'rehearsal/change', repo: { full_name: REPOSITORY } },
          base: { sha: base, ref: 'main', repo: { full_name: REPOSITORY } },
        },
        repository: { full_name: REPOSITORY, default_branch: 'main' },
      },
      true,
    );
    await step(
      'PR gate reported on the PR',
      () => {
        const sarif = github.sarifs.filter((s) => s.ref === 'refs/pull/1/merge').length;
        const comment = github.comments.slice(commentsBefore).find((c) => c.issue_number === 1);
        if (!sarif || !comment)
          throw new Error(`SARIF uploads: ${sarif}, sticky comment: ${comment ? 'yes' : 'no'}`);
        return comment.body.split('\n')[1] ?? '';
      },
      (line) => `SARIF uploaded; sticky comment: ${line}`,
    );

    // 2. Merged: main is the merge commit.
    const liveBefore = listing()?.current ?? null;
    await deployPush(ctx, 'merge', base, merge, { job: 'deploy', expect: 'live', firstDeploy: false });

    await step(
      '/version and the ledger name the merged commit and its actor',
      async () => {
        const v = (await (await fetch(`${proxyUrl}/version`)).json()) as Record<string, string>;
        const want = { version: deploys.at(-1)?.release, git_sha: merge };
        if (v.version !== want.version || v.git_sha !== want.git_sha)
          throw new Error(`/version says ${JSON.stringify(v)}, expected ${JSON.stringify(want)}`);
        const entry = listing()?.ledger.find((e) => e.release === want.version && e.kind === 'deploy');
        if (entry?.gitSha !== merge || entry.actor !== ACTOR)
          throw new Error(
            `the ledger records sha ${entry?.gitSha} by ${entry?.actor}, expected ${merge} by ${ACTOR}`,
          );
        return v;
      },
      (v) => `version ${v.version}, git_sha ${v.git_sha?.slice(0, 7)}, build_date ${v.build_date}`,
    );

    // 3. A bad merge: fine in dev and in every gate, but the production image binds an address it lacks.
    fs.appendFileSync(path.join(repo.dir, 'docker', 'service.Dockerfile'), 'ENV HOST=192.0.2.1\n');
    const bad = repo.commit(`rehearsal ${runId}: bind the production server to 192.0.2.1`);
    await deployPush(ctx, 'bad merge', merge, bad, { job: 'deploy', expect: 'refused', firstDeploy: false });

    // 4. Roll back to the release that was live before the merge.
    const target = liveBefore ?? deploys[0]?.release ?? 'previous';
    const rb = await workflow(
      ctx,
      'rollback',
      'rollback.yml',
      'workflow_dispatch',
      {
        ref: 'refs/heads/main',
        inputs: { to: target, environment: 'production' },
        repository: { full_name: REPOSITORY, default_branch: 'main' },
      },
      true,
      {
        inputs: { to: target, environment: 'production' },
        sw: { job: 'rollback', expect: 'live', firstDeploy: false },
      },
    );
    rollback = {
      release: target,
      detail: ['rollback.yml dispatched from main', ...rb.notes].join('; '),
      ...rb.switch!,
    };

    // 5. How fast a rollback is: one deploy and three rollbacks to the warm standby, timed.
    const merged = deploys[0]?.release;
    if (merged && rollback.ok)
      speed = await step(
        'rollback speed: a deploy, then three rollbacks to the warm standby, under load',
        () => rollbackSpeed(target, merged),
        (s) =>
          `median rollback ${s.rollbackMedianSeconds} s, deploy ${s.deployMedianSeconds} s (ratio ${s.ratio}), ${s.failedRequests} failed requests`,
      );
    if (prometheus && measuredFrom !== undefined) {
      const client = prometheus;
      const from = measuredFrom;
      panels = await step(
        "every dashboard query and alert rule against the VPS's Prometheus",
        () => checkDashboardsAndAlerts(client, { start: from, end: Date.now() / 1000 }),
        (p) =>
          `${p.total - p.empty.length}/${p.total} queries with data, ${p.alerts.total - p.alerts.errors.length}/${p.alerts.total} rules healthy`,
      );
    }
  } catch (err) {
    log(`stopped: ${(err as Error).message}`);
  } finally {
    tunnel?.close();
    await github.close();
    releases.close();
  }
  const final = listing();
  const report = buildReport({
    startedAt,
    finishedAt: new Date(),
    precheck: pre,
    workflows,
    steps,
    deploys,
    rollback,
    rollbackSpeed: speed,
    panels,
    live: final?.current || null,
    ledger: final ? ledgerSummary(final) : '',
  });
  fs.writeFileSync(path.join(repoRoot, 'rehearsal-report.json'), `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(renderSummary(report));
  return report.ok ? 0 : 1;
}

process.exitCode = await main();
