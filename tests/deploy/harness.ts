// Shared by the deploy integration tests: the sandbox VPS over real SSH, images built from
// docker/service.Dockerfile and pushed to the sandbox registry, the action bundles driven the way a runner
// drives them (INPUT_* env, GITHUB_OUTPUT/STATE/STEP_SUMMARY files, a second run with STATE_* for post),
// and a bounded HTTP load against the proxy on the VPS.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { type ActionHandle, type ActionRun, startAction as startBundle } from '../support/action-runner.js';
import { repoRoot, run, sandboxVar } from '../sandbox/sandbox-env.js';

export const APP_DIR = '/srv/slipway';
export const REPO = 'slipway-deploy-it/api';
export const vps = () => ({
  host: sandboxVar('SLIPWAY_VPS_HOST'),
  port: sandboxVar('SLIPWAY_VPS_PORT'),
  user: sandboxVar('SLIPWAY_VPS_USER'),
  key: sandboxVar('SLIPWAY_VPS_KEY'),
  knownHosts: sandboxVar('SLIPWAY_VPS_KNOWN_HOSTS'),
});

export function sshArgs(command: string): string[] {
  const v = vps();
  return [
    '-F',
    'none',
    '-i',
    v.key,
    '-p',
    v.port,
    '-o',
    'BatchMode=yes',
    '-o',
    'IdentitiesOnly=yes',
    '-o',
    'StrictHostKeyChecking=yes',
    '-o',
    `UserKnownHostsFile=${v.knownHosts}`,
    '-o',
    'ConnectTimeout=10',
    `${v.user}@${v.host}`,
    command,
  ];
}

/** A command on the VPS as the deploy user, the way an operator on the VPS shell would run it. */
export function onVps(command: string, input?: string, timeoutMs = 240_000) {
  return run('ssh', sshArgs(command), { input, timeoutMs });
}

/** onVps without blocking the event loop, for callers that keep a load running meanwhile. */
export function onVpsAsync(
  command: string,
  input?: string,
  timeoutMs = 240_000,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('ssh', sshArgs(command), { stdio: ['pipe', 'pipe', 'pipe'], timeout: timeoutMs });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', (e) => resolve({ status: null, stdout, stderr: stderr + e.message }));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
    child.stdin.end(input ?? '');
  });
}

export function mustOnVps(command: string, input?: string): string {
  const r = onVps(command, input);
  if (r.status !== 0) throw new Error(`on the VPS: ${command} failed (${r.status}): ${r.stderr}${r.stdout}`);
  return r.stdout;
}

export const engine = (args: string) => onVps(`${APP_DIR}/bin/slipway ${args}`);

export function resultOf(stdout: string): Record<string, unknown> | undefined {
  const line = stdout
    .split('\n')
    .filter((l) => l.startsWith('SLIPWAY_RESULT '))
    .pop();
  return line ? (JSON.parse(line.slice(15)) as Record<string, unknown>) : undefined;
}

export interface Listing {
  current: string;
  releases: { id: string; live: boolean; images: Record<string, string> }[];
  ledger: {
    op: string;
    kind: string;
    release: string;
    result: string;
    previous: string;
    actor?: string;
    gitSha?: string;
    error?: string;
  }[];
}
export const listing = (): Listing => JSON.parse(mustOnVps(`${APP_DIR}/bin/slipway list --json`)) as Listing;
export const status = () =>
  JSON.parse(mustOnVps(`${APP_DIR}/bin/slipway status --json`)) as {
    current: string;
    liveSlot: string;
    slots: { slot: string; state: string; release?: string; rotation: 'in' | 'out' }[];
    standby: { slot: string; release: string } | null;
    lock: { held: boolean; holder?: Record<string, unknown> };
  };

function must(cmd: string, args: string[], input?: string): string {
  const r = run(cmd, args, { input, timeoutMs: 600_000 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.slice(0, 4).join(' ')} failed: ${r.stderr}${r.stdout}`);
  return r.stdout;
}

/**
 * Builds the service image from docker/service.Dockerfile plus variants (a label each, so a new digest), and
 * a release that crashes on boot. Pushes them and returns the refs the VPS pulls (10.201.0.1:5000/...@sha256).
 */
export function buildImages(variants: string[]): Record<string, string> {
  const registry = sandboxVar('SLIPWAY_REGISTRY');
  const vpsRegistry = sandboxVar('SLIPWAY_VPS_REGISTRY');
  const password = fs.readFileSync(sandboxVar('SLIPWAY_REGISTRY_PASSWORD_FILE'), 'utf8');
  must(
    'docker',
    ['login', '-u', sandboxVar('SLIPWAY_REGISTRY_USER'), '--password-stdin', registry],
    password,
  );
  must(
    'docker',
    [
      'build',
      '--network',
      'host',
      '-q',
      '-f',
      'docker/service.Dockerfile',
      '-t',
      `${REPO}:base`,
      'service',
    ].map((a) => (a === 'service' || a === 'docker/service.Dockerfile' ? path.join(repoRoot, a) : a)),
  );
  const refs: Record<string, string> = {};
  for (const variant of variants) {
    const dockerfile =
      variant === 'broken'
        ? `FROM ${REPO}:base\nENTRYPOINT ["sh", "-c", "if [ \\"$1\\" = serve ]; then echo 'boot failed: configuration broken on purpose' >&2; exit 3; fi; exec node dist/cli.js \\"$@\\"", "entry"]\n`
        : `FROM ${REPO}:base\nLABEL org.slipway.test.variant="${variant}"\n`;
    const tag = `${registry}/${REPO}:${variant}`;
    must('docker', ['build', '-q', '-t', tag, '-'], dockerfile);
    must('docker', ['push', '-q', tag]);
    const digest = must('docker', ['inspect', '-f', '{{join .RepoDigests "\\n"}}', tag])
      .split('\n')
      .find((d) => d.startsWith(`${registry}/${REPO}@`));
    if (!digest) throw new Error(`no registry digest for ${tag}`);
    refs[variant] = digest.replace(`${registry}/`, `${vpsRegistry}/`);
  }
  return refs;
}

/** Logs the VPS's deploy user in to the registry again (setup-vps.sh did it once; a test logs it out). */
export function loginVps(): void {
  const password = fs.readFileSync(sandboxVar('SLIPWAY_REGISTRY_PASSWORD_FILE'), 'utf8');
  mustOnVps(
    `docker login -u ${sandboxVar('SLIPWAY_REGISTRY_USER')} --password-stdin ${sandboxVar('SLIPWAY_VPS_REGISTRY')}`,
    password,
  );
}

/** A clean VPS: no slots, no infra, empty app dir, none of the test images. */
export function resetVps(): void {
  mustOnVps(
    [
      'for p in slipway-blue slipway-green slipway-infra; do ids=$(docker ps -aq --filter label=com.docker.compose.project=$p); [ -z "$ids" ] || docker rm -f $ids >/dev/null; done',
      'docker volume rm -f slipway-infra_pg-data slipway-infra_chroma-data >/dev/null',
      `docker images --format '{{.Repository}}@{{.Digest}}' | grep '${REPO}@' | xargs -r docker rmi -f >/dev/null 2>&1 || true`,
      `rm -rf ${APP_DIR}/* ${APP_DIR}/.incoming`,
    ].join('; '),
  );
}

export { type ActionHandle, type ActionRun, parseCommandFile } from '../support/action-runner.js';
export { type LoadReport, startLoad } from '../../scripts/rehearsal/load.js';

/** Starts an action's bundle as a runner would; `state` set means the post step. */
export function startAction(
  name: 'ssh-deploy' | 'rollback',
  inputs: Record<string, string>,
  extraEnv: Record<string, string> = {},
  state?: Record<string, string>,
  runnerTemp?: string,
): ActionHandle {
  return startBundle(name, inputs, { env: extraEnv, state, runnerTemp });
}

/** The main step, then the post step with the state the main step saved (as the runner does). */
export async function runAction(
  name: 'ssh-deploy' | 'rollback',
  inputs: Record<string, string>,
  extraEnv: Record<string, string> = {},
): Promise<{ main: ActionRun; post: ActionRun }> {
  const main = await startAction(name, inputs, extraEnv).done;
  const post = await startAction(name, inputs, extraEnv, main.state, main.runnerTemp).done;
  return { main, post };
}

export function connectionInputs(): Record<string, string> {
  const v = vps();
  return {
    host: v.host,
    port: v.port,
    user: v.user,
    'private-key': fs.readFileSync(v.key, 'utf8'),
    'known-hosts': fs.readFileSync(v.knownHosts, 'utf8'),
    'app-dir': APP_DIR,
  };
}

/** The pids of `ssh` processes started by `parent` (the action's node process). */
export function sshChildren(parent: number): number[] {
  const r = run('pgrep', ['-P', String(parent), '-x', 'ssh']);
  return r.stdout.split('\n').filter(Boolean).map(Number);
}

export async function until<T>(
  what: string,
  timeoutMs: number,
  probe: () => T | undefined | false,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = probe();
    if (value) return value;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${what} did not happen within ${timeoutMs} ms`);
}

export async function get(url: string): Promise<{ status: number; body: string }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
  return { status: res.status, body: await res.text() };
}
