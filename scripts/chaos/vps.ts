/**
 * The side effects of the fault drills on the VPS, all as the deploy user over SSH (docker, the engine),
 * except restarting the VPS's Docker engine, which needs the host's root (restartEngine).
 * Every call is asynchronous: the load generator runs in this process meanwhile.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { APP_DIR, onVpsAsync } from '../../tests/deploy/harness.js';
import { repoRoot, sandboxStateDir } from '../../tests/sandbox/sandbox-env.js';
import type { LiveContainer } from './plan.js';

/** Resources the drills create on the VPS carry this prefix, so a crashed run's leftovers are found. */
export const PREFIX = 'chaos-';
const DISK_FILL = `${PREFIX}diskfill`;
const FAULTS_DIR = path.join(repoRoot, 'scripts', 'chaos', 'faults');

async function must(command: string, input?: string, timeoutMs?: number): Promise<string> {
  const r = await onVpsAsync(command, input, timeoutMs);
  if (r.status !== 0)
    throw new Error(`on the VPS: ${command.slice(0, 80)} failed (${r.status}): ${r.stderr.trim()}`);
  return r.stdout;
}

export interface LiveStatus {
  current: string;
  liveSlot: string;
  health: { status: string; problems: string[] };
  containers: LiveContainer[];
}

export async function liveStatus(): Promise<LiveStatus> {
  return JSON.parse(await must(`${APP_DIR}/bin/slipway status --json`)) as LiveStatus;
}

export interface ContainerState {
  name: string;
  state: string;
  health: string;
  startedAt: string;
  restarts: number;
  oomKilled: boolean;
}

/** The state of NAMES; null when the VPS's Docker engine does not answer (it is restarting). */
export async function inspect(names: readonly string[]): Promise<ContainerState[] | null> {
  const r = await onVpsAsync(
    `docker inspect -f '{{json .}}' ${names.join(' ')} | jq -c '{name: (.Name | ltrimstr("/")), state: .State.Status, health: (.State.Health.Status // "none"), startedAt: .State.StartedAt, restarts: .RestartCount, oomKilled: .State.OOMKilled}'`,
    undefined,
    10_000,
  );
  if (r.status !== 0) return null;
  return r.stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as ContainerState);
}

export const healthy = (s: ContainerState) =>
  s.state === 'running' && (s.health === 'healthy' || s.health === 'none');

/**
 * Runs faults/oom.sh inside the container as the owner of its main process (so it may raise that process's
 * oom_score_adj): the main process becomes the OOM killer's first choice and a second process allocates until
 * the container's memory limit is reached.
 */
export async function oom(container: string): Promise<string> {
  const limit = Number((await must(`docker inspect -f '{{.HostConfig.Memory}}' ${container}`)).trim());
  if (!limit)
    throw new Error(
      `${container} has no memory limit: filling it would take the host's memory. Not injected`,
    );
  const owner = (await must(`docker exec ${container} stat -c %u /proc/1/oom_score_adj`)).trim();
  if (!/^\d+$/.test(owner))
    throw new Error(`cannot tell who owns the main process of ${container}: '${owner}'`);
  const script = fs.readFileSync(path.join(FAULTS_DIR, 'oom.sh'), 'utf8');
  const r = await onVpsAsync(`docker exec -i -u ${owner} ${container} sh -s`, script, 60_000);
  if (r.status !== 137)
    throw new Error(`the OOM injection in ${container} ended with ${r.status}: ${r.stderr.trim()}`);
  return `${container} ran into its memory limit (${Math.round(limit / 1048576)} MiB); the kernel killed its main process`;
}

/** `df` of the filesystem that holds Docker's volumes, seen from a throwaway container on a throwaway volume. */
export async function dockerDataFs(
  image: string,
): Promise<{ used: number; available: number; size: number }> {
  const out = await must(
    `docker run --rm --network none -u 0 -v ${DISK_FILL}:/fill --entrypoint df ${image} -B1 --output=size,used,avail /fill`,
  );
  const [size, used, available] = out.trim().split('\n').pop()!.trim().split(/\s+/).map(Number);
  return { size: size!, used: used!, available: available! };
}

/** Allocates BYTES in a volume on Docker's data filesystem (fallocate: instant, nothing is written). */
export async function fillDisk(image: string, bytes: number): Promise<void> {
  await must(
    `docker run --rm --network none -u 0 -v ${DISK_FILL}:/fill --entrypoint fallocate ${image} -l ${bytes} /fill/blob`,
    undefined,
    120_000,
  );
}

/** Removes what fillDisk made (also the leftovers of a run that crashed). */
export async function releaseDisk(): Promise<void> {
  await must(`docker rm -f ${DISK_FILL} >/dev/null 2>&1; docker volume rm -f ${DISK_FILL} >/dev/null`);
}

function runLocal(cmd: string, args: string[]): Promise<{ status: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('close', (status) => resolve({ status, output }));
  });
}

/**
 * Restarts the VPS's Docker engine the way a host does: the daemon stops, then starts again. A bare sandbox host
 * runs dockerd under systemd and is reached as root through its console (SLIPWAY_VPS_CONSOLE, the provider's
 * console: `docker exec` into the host): `systemctl restart docker`. The network-namespace VPS runs the dockerd
 * its pidfile names; scripts/sandbox/up starts it again.
 */
export async function restartEngine(): Promise<string> {
  const started = Date.now();
  const console = process.env.SLIPWAY_VPS_CONSOLE;
  if (console) {
    const r = await runLocal('docker', ['exec', console, 'systemctl', 'restart', 'docker']);
    if (r.status !== 0)
      throw new Error(`systemctl restart docker on the VPS failed: ${r.output.slice(-300)}`);
    return `systemctl restart docker on the VPS took ${((Date.now() - started) / 1000).toFixed(1)}s`;
  }
  const pidfile = path.join(sandboxStateDir(), 'run', 'vps-dockerd.pid');
  const pid = Number(fs.readFileSync(pidfile, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 1) throw new Error(`${pidfile} does not name a process`);
  process.kill(pid, 'SIGTERM');
  while (fs.existsSync(`/proc/${pid}`)) {
    if (Date.now() - started > 90_000) throw new Error(`the VPS's dockerd (pid ${pid}) did not stop in 90s`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const stopped = (Date.now() - started) / 1000;
  const up = await runLocal(path.join(repoRoot, 'scripts', 'sandbox', 'up'), []);
  if (up.status !== 0)
    throw new Error(`scripts/sandbox/up did not start the VPS's engine again: ${up.output.slice(-300)}`);
  return `the VPS's dockerd stopped in ${stopped.toFixed(1)}s and was started again ${((Date.now() - started) / 1000).toFixed(1)}s after the stop began`;
}
