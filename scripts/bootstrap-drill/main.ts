/**
 * `make bootstrap-drill`: two bare hosts become Slipway hosts by the two supported means and must end up the
 * same. One host: infra/scripts/setup-vps.sh over SSH as root, twice (the second run must change nothing), then
 * the ssh-deploy action's bundle deploys a release. The other: infra/ansible setup.yml twice (changed=0), then
 * deploy.yml. On each, the installed supervisor is then put to work: the live api is stopped with `docker stop`
 * (Docker's restart policy leaves a stopped container alone), and the site must serve again by the hand of
 * slipway-supervise.timer, as its journal and the ledger must show. Then their facts
 * (scripts/bootstrap-drill/host-facts.sh) are compared. Writes bootstrap-report.json at the repository root;
 * exit code 0 only when the report says ok.
 *
 * The two hosts are set up at the same time (the machine's wall time); --sequential sets them up one after the
 * other, so each host's figures are measured without the other's load.
 * Options: --setup-vps-host NAME (vps2) --ansible-host NAME (vps3) --only setup-vps|ansible
 *          --setup-vps-flags 'FLAGS' (extra flags for setup-vps.sh, split on spaces) --report FILE --sequential
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';
import { readSandboxEnv, repoRoot, sandboxStateDir } from '../../tests/sandbox/sandbox-env.js';
import { runAction } from '../../tests/support/action-runner.js';
import {
  type HostResult,
  type Method,
  type SetupRun,
  buildReport,
  compareFacts,
  judgeSupervision,
  missingRecord,
  parseFacts,
  parseSetupVps,
  renderSummary,
  setupFromRecap,
} from './report.js';

/** The sandbox's variables: the env file, overridden by SLIPWAY_* already in this process's environment (what the
 * caller's `up` wrote, as the integration tests and scripts/bootstrap-drill.sh pass them). */
const fromProcess = () =>
  Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('SLIPWAY_')));
const env: Record<string, string> = { ...readSandboxEnv(), ...(fromProcess() as Record<string, string>) };
const runId = new Date().toISOString().replace(/[-:T]/g, '').slice(0, 14);
const hostCommand = path.join(repoRoot, 'scripts', 'sandbox', 'host');
const ansibleDir = path.join(repoRoot, 'infra', 'ansible');
const venvBin = path.join(repoRoot, '.venv', 'bin');
/** Role app's app directory: where both methods put the engine (setup-vps.sh embeds the same default). */
const APP_DIR = (
  yaml.load(fs.readFileSync(path.join(ansibleDir, 'roles', 'app', 'defaults', 'main.yml'), 'utf8')) as {
    app_dir: string;
  }
).app_dir;
/** How long the supervisor has to bring the site back: its 30 s grace, a 15 s timer tick, the restart itself. */
const SUPERVISE_LIMIT_SECONDS = 120;

const log = (message: string) => process.stderr.write(`bootstrap-drill: ${message}\n`);

interface Run {
  code: number | null;
  output: string;
  seconds: number;
}

/** Runs a program, its stdout and stderr interleaved into one captured text (and a log file). */
function run(
  argv: string[],
  opts: { env?: Record<string, string>; cwd?: string; input?: string; logFile?: string } = {},
): Promise<Run> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(argv[0]!, argv.slice(1), {
      cwd: opts.cwd ?? repoRoot,
      env: { ...process.env, ...opts.env },
      stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    const chunks: Buffer[] = [];
    child.stdout!.on('data', (d: Buffer) => chunks.push(d));
    child.stderr!.on('data', (d: Buffer) => chunks.push(d));
    if (opts.input !== undefined) child.stdin!.end(opts.input);
    child.on('close', (code) => {
      const output = Buffer.concat(chunks).toString('utf8');
      if (opts.logFile) fs.appendFileSync(opts.logFile, `$ ${argv.join(' ')}\n${output}\n`);
      resolve({ code, output, seconds: (Date.now() - started) / 1000 });
    });
  });
}

const addr = (host: string) => env[`SLIPWAY_HOST_${host.toUpperCase()}_ADDR`]!;
const knownHosts = (host: string) => env[`SLIPWAY_HOST_${host.toUpperCase()}_KNOWN_HOSTS`]!;

function options(argv: string[]) {
  const o = {
    setupVpsHost: 'vps2',
    ansibleHost: 'vps3',
    only: '' as '' | Method,
    setupVpsFlags: [] as string[],
    report: path.join(repoRoot, 'bootstrap-report.json'),
    sequential: false,
  };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1] ?? ''];
    if (flag === '--sequential') {
      o.sequential = true;
      i -= 1;
    } else if (flag === '--setup-vps-host') o.setupVpsHost = value;
    else if (flag === '--ansible-host') o.ansibleHost = value;
    else if (flag === '--only' && (value === 'setup-vps' || value === 'ansible')) o.only = value;
    else if (flag === '--setup-vps-flags') o.setupVpsFlags = value.split(/\s+/).filter(Boolean);
    else if (flag === '--report') o.report = path.resolve(value);
    else
      throw new Error(
        `bootstrap-drill: unknown option '${flag} ${value}'. See the header of scripts/bootstrap-drill/main.ts.`,
      );
  }
  return o;
}

/** The service image, built from docker/service.Dockerfile and pushed; the ref the hosts pull (by digest). */
async function pushImage(logFile: string): Promise<string> {
  const tag = `${env.SLIPWAY_REGISTRY}/bootstrap-drill/api:${runId}`;
  const password = fs.readFileSync(env.SLIPWAY_REGISTRY_PASSWORD_FILE!, 'utf8');
  const steps: { argv: string[]; input?: string }[] = [
    {
      argv: ['docker', 'login', '-u', env.SLIPWAY_REGISTRY_USER!, '--password-stdin', env.SLIPWAY_REGISTRY!],
      input: password,
    },
    {
      argv: [
        'docker',
        'build',
        '-q',
        '--network',
        'host',
        '-f',
        'docker/service.Dockerfile',
        '-t',
        tag,
        'service',
      ],
    },
    { argv: ['docker', 'push', '-q', tag] },
  ];
  for (const step of steps) {
    const r = await run(step.argv, { input: step.input, logFile });
    if (r.code !== 0)
      throw new Error(`${step.argv.slice(0, 2).join(' ')} failed: ${r.output.trim().split('\n').pop()}`);
  }
  const digests = await run(['docker', 'inspect', '-f', '{{join .RepoDigests "\\n"}}', tag]);
  const digest = digests.output
    .split('\n')
    .find((d) => d.startsWith(`${env.SLIPWAY_REGISTRY}/bootstrap-drill/api@`));
  if (!digest) throw new Error(`no registry digest for ${tag}`);
  return digest.replace(`${env.SLIPWAY_REGISTRY}/`, `${env.SLIPWAY_VPS_REGISTRY}/`);
}

async function serving(host: string, image: string): Promise<boolean> {
  try {
    const health = await fetch(`http://${addr(host)}/health`, { signal: AbortSignal.timeout(5000) });
    const version = (await (
      await fetch(`http://${addr(host)}/version`, { signal: AbortSignal.timeout(5000) })
    ).json()) as {
      image_digest?: string;
    };
    return health.ok && version.image_digest === image;
  } catch {
    return false;
  }
}

async function facts(host: string): Promise<Map<string, string>> {
  const r = await run(
    ['docker', 'exec', '-i', env[`SLIPWAY_HOST_${host.toUpperCase()}_CONSOLE`]!, 'bash', '-s'],
    {
      input: fs.readFileSync(path.join(repoRoot, 'scripts', 'bootstrap-drill', 'host-facts.sh'), 'utf8'),
    },
  );
  if (r.code !== 0) throw new Error(`host-facts.sh failed on ${host}: ${r.output.trim().split('\n').pop()}`);
  return parseFacts(r.output);
}

/** A command on the host as root through its console (docker exec), argv as given. */
const onConsole = (host: string, argv: string[], logFile?: string) =>
  run(['docker', 'exec', env[`SLIPWAY_HOST_${host.toUpperCase()}_CONSOLE`]!, ...argv], { logFile });
/** The engine as the deploy user, its JSON output parsed. */
async function engineJson<T>(host: string, args: string[]): Promise<T> {
  const r = await onConsole(host, [
    'runuser',
    '-u',
    'deploy',
    '--',
    `${APP_DIR}/bin/slipway`,
    ...args,
    '--json',
  ]);
  if (r.code !== 0)
    throw new Error(`slipway ${args.join(' ')} failed on ${host}: ${r.output.trim().split('\n').pop()}`);
  return JSON.parse(r.output.trim().split('\n').pop()!) as T;
}

/**
 * The installed supervisor at work: stops the live api with `docker stop`, waits (bounded) for the site to go
 * down and then to serve the image again, and reads what the supervisor's journal and the ledger say.
 */
async function supervision(result: HostResult, image: string, logFile: string): Promise<void> {
  const host = result.name;
  // enabled, disabled, …; a unit that does not exist gets an error message instead: '' (missing).
  const said = (await onConsole(host, ['systemctl', 'is-enabled', 'slipway-supervise.timer'])).output.trim();
  const timer = /^[a-z-]+$/.test(said) ? said : '';
  const status = await engineJson<{ containers: { service: string; name: string; state: string }[] }>(host, [
    'status',
  ]);
  const api = status.containers.find((c) => c.service === 'api' && c.state === 'running');
  if (!api) throw new Error(`no running api on ${host} to stop: ${JSON.stringify(status.containers)}`);
  const since = (await onConsole(host, ['date', '+%s'])).output.trim();
  log(`${host}: docker stop ${api.name}; waiting up to ${SUPERVISE_LIMIT_SECONDS} s for the supervisor`);
  const stopped = await onConsole(host, ['docker', 'stop', api.name], logFile);
  if (stopped.code !== 0)
    throw new Error(`docker stop ${api.name} on ${host} failed: ${stopped.output.trim()}`);
  const started = Date.now();
  let wentDown = false;
  let restoredSeconds: number | null = null;
  while (Date.now() - started < SUPERVISE_LIMIT_SECONDS * 1000) {
    const up = await serving(host, image);
    if (!up) wentDown = true;
    else if (wentDown) {
      restoredSeconds = Math.round((Date.now() - started) / 100) / 10;
      break;
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
  // The site serves once the restarted slot is healthy and in rotation; the supervisor's run ends, writing its
  // result line and closing its ledger op, a moment later: read both until they are there or the limit passes.
  const records = async () => {
    const journal = (
      await onConsole(host, [
        'journalctl',
        '-u',
        'slipway-supervise.service',
        '-o',
        'cat',
        '--since',
        `@${since}`,
      ])
    ).output;
    const listing = await engineJson<{
      ledger: { kind?: string; result?: string; action?: string; startedAt?: string }[];
    }>(host, ['list']);
    const ledger = listing.ledger.filter((e) => Date.parse(e.startedAt ?? '') >= Number(since) * 1000);
    return { journal, ledger };
  };
  let seen = await records();
  while (
    restoredSeconds !== null &&
    missingRecord(seen) &&
    Date.now() - started < SUPERVISE_LIMIT_SECONDS * 1000
  ) {
    await new Promise((r) => setTimeout(r, 1000));
    seen = await records();
  }
  fs.appendFileSync(logFile, `$ journalctl -u slipway-supervise.service on ${host}\n${seen.journal}\n`);
  const { journal, ledger } = seen;
  const verdict = judgeSupervision({
    timer,
    wentDown,
    restoredSeconds,
    limitSeconds: SUPERVISE_LIMIT_SECONDS,
    journal,
    ledger,
  });
  result.supervised = verdict.ok;
  result.supervisorRestoreSeconds = verdict.ok ? restoredSeconds : null;
  if (!verdict.ok) result.error = `supervise: ${verdict.detail}`;
}

function blank(name: string, method: Method): HostResult {
  return {
    name,
    method,
    firstRunSeconds: null,
    firstRunChanged: null,
    secondRunChanged: null,
    secondRunSeconds: null,
    deploySeconds: null,
    bareToServingSeconds: null,
    release: null,
    serving: false,
    supervised: null,
    supervisorRestoreSeconds: null,
  };
}

/** Recreate, set up twice, read facts, deploy, put the supervisor to work. Each method supplies its setup and deploy. */
async function drillHost(
  result: HostResult,
  setup: () => Promise<{ run: Run; parsed: SetupRun }>,
  deploy: () => Promise<{ ok: boolean; seconds: number; detail: string }>,
  logFile: string,
  image: string,
): Promise<Map<string, string> | undefined> {
  const name = result.name;
  log(`${name}: recreating the bare host`);
  const made = await run([hostCommand, 'recreate', name], { logFile });
  if (made.code !== 0) {
    result.error = `scripts/sandbox/host recreate ${name} failed: ${made.output.trim().split('\n').pop()}`;
    return undefined;
  }
  // The host's own variables, as `host recreate` just wrote them.
  const prefix = `SLIPWAY_HOST_${name.toUpperCase()}_`;
  Object.assign(
    env,
    Object.fromEntries(Object.entries(readSandboxEnv()).filter(([k]) => k.startsWith(prefix))),
  );
  log(`${name}: ${result.method}, first run`);
  const first = await setup();
  result.firstRunSeconds = Math.round(first.run.seconds * 10) / 10;
  result.firstRunChanged = first.parsed.changed;
  if (first.parsed.failure) {
    result.error = `first run: ${first.parsed.failure}`;
    return undefined;
  }
  log(`${name}: ${result.method}, second run`);
  const second = await setup();
  result.secondRunChanged = second.parsed.changed;
  result.secondRunSeconds = Math.round(second.run.seconds * 10) / 10;
  if (second.parsed.failure) {
    result.error = `second run: ${second.parsed.failure}`;
    return undefined;
  }
  let hostFacts: Map<string, string>;
  try {
    hostFacts = await facts(name);
  } catch (err) {
    result.error = (err as Error).message;
    return undefined;
  }
  log(`${name}: deploying`);
  const deployed = await deploy();
  result.deploySeconds = Math.round(deployed.seconds * 10) / 10;
  if (!deployed.ok) {
    result.error = `deploy: ${deployed.detail}`;
    return hostFacts;
  }
  result.bareToServingSeconds = Math.round((first.run.seconds + deployed.seconds) * 10) / 10;
  try {
    await supervision(result, image, logFile);
  } catch (err) {
    result.supervised = false;
    result.error = `supervise: ${(err as Error).message}`;
  }
  return hostFacts;
}

async function main(): Promise<number> {
  const o = options(process.argv.slice(2));
  const startedAt = new Date();
  const workDir = path.join(sandboxStateDir(), 'bootstrap-drill', runId);
  fs.mkdirSync(workDir, { recursive: true, mode: 0o700 });
  const logFile = path.join(workDir, 'drill.log');
  log(`run ${runId}; log in ${logFile}`);
  const image = await pushImage(logFile);
  const release = `drill-${runId}`;
  const hosts: HostResult[] = [];
  const hostFacts: Partial<Record<Method, Map<string, string>>> = {};
  const jobs: (() => Promise<void>)[] = [];

  if (o.only !== 'ansible') {
    const host = o.setupVpsHost;
    const result = blank(host, 'setup-vps');
    hosts.push(result);
    const setup = async () => {
      const r = await run(
        [hostCommand, 'setup', host, '--via', 'ssh', '--', '--keep-root-login', ...o.setupVpsFlags],
        { logFile },
      );
      return { run: r, parsed: parseSetupVps(r.output) };
    };
    const deploy = async () => {
      const { main: action } = await runAction('ssh-deploy', {
        host: addr(host),
        port: '22',
        user: 'deploy',
        'private-key': fs.readFileSync(env.SLIPWAY_HOSTS_DEPLOY_KEY!, 'utf8'),
        'known-hosts': fs.readFileSync(knownHosts(host), 'utf8'),
        'app-dir': APP_DIR,
        images: JSON.stringify({ api: image }),
        'release-id': release,
        'compose-file': 'docker/compose.release.yaml',
        'proxy-config': 'docker/caddy/Caddyfile.release',
        'health-timeout-seconds': '180',
      });
      fs.appendFileSync(logFile, `$ ssh-deploy to ${host}\n${action.stdout}\n${action.stderr}\n`);
      const ok = action.status === 0 && (await serving(host, image));
      if (ok) result.release = action.outputs['release-id'] ?? null;
      result.serving = ok;
      return {
        ok,
        seconds: action.seconds,
        detail: action.stdout.split('\n').find((l) => l.startsWith('::error::')) ?? `exit ${action.status}`,
      };
    };
    jobs.push(async () => {
      hostFacts['setup-vps'] = await drillHost(result, setup, deploy, logFile, image);
    });
  }

  if (o.only !== 'setup-vps') {
    const host = o.ansibleHost;
    const result = blank(host, 'ansible');
    hosts.push(result);
    const inventory = path.join(workDir, `inventory-${host}`);
    const playbook = (file: string, key: string, extra: string[] = []) =>
      run([path.join(venvBin, 'ansible-playbook'), '-i', inventory, file, '--private-key', key, ...extra], {
        cwd: ansibleDir,
        env: {
          ANSIBLE_CONFIG: path.join(ansibleDir, 'ansible.cfg'),
          PATH: `${venvBin}:${process.env.PATH ?? ''}`,
          ANSIBLE_FORCE_COLOR: '0',
          // Per-task times in the drill's log: where a converge spends its time.
          ANSIBLE_CALLBACKS_ENABLED: 'ansible.posix.profile_tasks',
        },
        logFile,
      });
    const setup = async () => {
      const made = await run([hostCommand, 'inventory', host, inventory], { logFile });
      if (made.code !== 0) throw new Error(`scripts/sandbox/host inventory failed: ${made.output}`);
      const r = await playbook('setup.yml', env.SLIPWAY_HOSTS_ROOT_KEY!);
      return { run: r, parsed: setupFromRecap(r.output, host, r.code) };
    };
    const deploy = async () => {
      const r = await playbook('deploy.yml', env.SLIPWAY_HOSTS_DEPLOY_KEY!, [
        '-e',
        `app_release_id=${release}`,
        '-e',
        JSON.stringify({ app_images: { api: image } }),
      ]);
      const ok = r.code === 0 && (await serving(host, image));
      if (ok) result.release = release;
      result.serving = ok;
      return {
        ok,
        seconds: r.seconds,
        detail: setupFromRecap(r.output, host, r.code).failure ?? 'not serving',
      };
    };
    jobs.push(async () => {
      hostFacts.ansible = await drillHost(result, setup, deploy, logFile, image);
    });
  }

  if (o.sequential) for (const job of jobs) await job();
  else await Promise.all(jobs.map((job) => job()));

  const a = hostFacts['setup-vps'];
  const b = hostFacts.ansible;
  const differences = a && b ? compareFacts(a, b, ['setup-vps', 'ansible']) : undefined;
  const report = buildReport({ startedAt, finishedAt: new Date(), hosts, differences });
  fs.writeFileSync(o.report, `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(
    `${renderSummary(report)}\nreport: ${path.relative(repoRoot, o.report) || o.report}\n`,
  );
  return report.ok ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`bootstrap-drill: ${(err as Error).message}\n`);
    process.exit(2);
  },
);
