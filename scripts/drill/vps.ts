/**
 * The drills' view of the sandbox VPS, as an operator has it: SSH as the deploy user (tests/deploy/harness.ts),
 * the deploy engine, the backup tools, the live stores' row and vector counts, the reference service's own
 * commands, and probes of the service through the VPS's proxy.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import yaml from 'js-yaml';
import {
  APP_DIR,
  connectionInputs,
  get,
  mustOnVps,
  onVps,
  runAction,
  sshArgs,
  vps,
} from '../../tests/deploy/harness.js';
import {
  readSandboxEnv,
  repoRoot,
  run,
  type RunResult,
  sandboxVar,
} from '../../tests/sandbox/sandbox-env.js';
import { BACKUP_COMMAND, RESTORE_COMMAND } from '../backup/bundle.js';

export { APP_DIR, mustOnVps, onVps };

/**
 * A command as root on the VPS, the way an operator gets a root shell: the provider's console of a bare host
 * (SLIPWAY_VPS_CONSOLE, a `docker exec` into it), or, for the network-namespace VPS that shares this machine's
 * processes, this machine with the VPS's Docker engine.
 */
export function asRootOnVps(command: string): RunResult {
  const consoleName = process.env.SLIPWAY_VPS_CONSOLE ?? readSandboxEnv().SLIPWAY_VPS_CONSOLE;
  if (consoleName) return run('docker', ['exec', '-i', consoleName, 'bash', '-s'], { input: command });
  return run('bash', ['-s'], {
    input: command,
    env: { ...process.env, DOCKER_HOST: sandboxVar('SLIPWAY_VPS_DOCKER_HOST') },
  });
}

/**
 * A crash: the container's main process killed by the kernel's SIGKILL from outside Docker. (`docker kill`
 * would not do: Docker counts it as a deliberate stop and its restart policy leaves the container down.)
 */
export function crash(container: string): void {
  const r = asRootOnVps(`kill -KILL "$(docker inspect -f '{{.State.Pid}}' ${container})"`);
  if (r.status !== 0) throw new Error(`killing ${container} failed: ${r.stderr}`);
}
export const PROXY = () => `http://${vps().host}`;

/** Role backup's defaults: where backup.yml installs the tools, keeps backups and writes their configuration. */
const ROLE = yaml.load(
  fs.readFileSync(path.join(repoRoot, 'infra/ansible/roles/backup/defaults/main.yml'), 'utf8'),
) as { backup_install_dir: string; backup_dir: string; backup_config_file: string };
export const TOOLS = ROLE.backup_install_dir;
export const BACKUPS = ROLE.backup_dir;
export const CONFIG = ROLE.backup_config_file;
export const backupCommand = (args = '') => `${TOOLS}/${BACKUP_COMMAND} --config ${CONFIG} ${args}`.trim();
export const restoreCommand = (args = '') => `${TOOLS}/${RESTORE_COMMAND} --config ${CONFIG} ${args}`.trim();

export function resultOf(stdout: string): Record<string, unknown> | undefined {
  const line = stdout
    .split('\n')
    .filter((l) => l.startsWith('SLIPWAY_RESULT '))
    .pop();
  return line ? (JSON.parse(line.slice(15)) as Record<string, unknown>) : undefined;
}

/**
 * This checkout's backup tools, configuration and timer on the VPS the way an operator installs them: Ansible's
 * backup.yml (role backup) against the host as root. The sandbox's vps1 is made by setup-vps.sh, which ends root's
 * SSH login, so Ansible reaches it the way an operator then would: through the provider's console (the host's
 * container, with the community.docker connection). Returns Ansible's recap, so a second run can show it
 * changes nothing.
 */
export function installTools(extraVars: Record<string, unknown> = {}): {
  changed: number;
  failed: number;
  output: string;
} {
  const name = sandboxVar('SLIPWAY_VPS_NAME');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'slipway-drill-inventory-'));
  try {
    const inv = run(path.join(repoRoot, 'scripts/sandbox/host'), ['inventory', name, dir]);
    if (inv.status !== 0) throw new Error(`scripts/sandbox/host inventory ${name} failed: ${inv.stderr}`);
    fs.mkdirSync(path.join(dir, 'host_vars'));
    fs.writeFileSync(
      path.join(dir, 'host_vars', `${name}.yml`),
      `ansible_connection: community.docker.docker\nansible_host: ${sandboxVar('SLIPWAY_VPS_CONSOLE')}\n`,
    );
    const ansibleDir = path.join(repoRoot, 'infra/ansible');
    const venv = path.join(repoRoot, '.venv/bin');
    const r = run(
      path.join(venv, 'ansible-playbook'),
      [
        '-i',
        path.join(dir, 'hosts.yml'),
        path.join(ansibleDir, 'backup.yml'),
        ...(Object.keys(extraVars).length ? ['-e', JSON.stringify(extraVars)] : []),
      ],
      {
        timeoutMs: 600_000,
        env: {
          ...process.env,
          ANSIBLE_CONFIG: path.join(ansibleDir, 'ansible.cfg'),
          ANSIBLE_FORCE_COLOR: '0',
          PATH: `${venv}:${process.env.PATH ?? ''}`,
        },
      },
    );
    const output = `${r.stdout}\n${r.stderr}`;
    const recap = [
      ...output.matchAll(new RegExp(`^${name}\\s*:.*changed=(\\d+).*failed=(\\d+)`, 'gm')),
    ].pop();
    if (r.status !== 0 || !recap) throw new Error(`backup.yml failed on ${name}:\n${output.slice(-3000)}`);
    return { changed: Number(recap[1]), failed: Number(recap[2]), output };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * A backup the way the timer takes it: slipway-backup.service started through systemd (as root on the host),
 * then that run's journal. Returns the exit status of the start and the run's result line.
 */
export function backupThroughSystemd(): {
  status: number | null;
  journal: string;
  result?: Record<string, unknown>;
} {
  const unit = 'slipway-backup.service';
  const start = asRootOnVps(`systemctl start ${unit}`);
  const journal = asRootOnVps(
    `journalctl --no-pager -o cat _SYSTEMD_INVOCATION_ID="$(systemctl show -p InvocationID --value ${unit})"`,
  );
  return {
    status: start.status,
    journal: `${journal.stdout}${start.stderr}`,
    result: resultOf(journal.stdout),
  };
}

/**
 * tool() without blocking: while the command runs on the VPS, this process keeps serving its timers and
 * sockets, so a load started next to it measures the service, not a stalled client.
 */
export function toolAsync(
  command: string,
  timeoutMs = 900_000,
): Promise<{ status: number | null; stdout: string; stderr: string; result?: Record<string, unknown> }> {
  return new Promise((resolve) => {
    const child = spawn('ssh', sshArgs(command), { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr, result: resultOf(stdout) });
    });
  });
}

export function tool(command: string, timeoutMs = 900_000) {
  const r = onVps(command, undefined, timeoutMs);
  return { ...r, result: resultOf(r.stdout) };
}

export const infraContainer = (service: string) =>
  mustOnVps(
    `docker ps -aq --filter label=com.docker.compose.project=slipway-infra --filter label=com.docker.compose.service=${service}`,
  ).trim();

/** The api container of the live slot, as the engine reports it (`slipway status`). */
export function liveApiContainer(): string {
  const status = JSON.parse(mustOnVps(`${APP_DIR}/bin/slipway status --json`)) as { liveSlot: string };
  return mustOnVps(
    `docker ps -q --filter label=com.docker.compose.project=slipway-${status.liveSlot} --filter label=com.docker.compose.service=api`,
  ).trim();
}

export function psql(sql: string): string {
  return mustOnVps(
    `docker exec -i ${infraContainer('postgres')} psql -X -q -A -t -v ON_ERROR_STOP=1 -U slipway -d slipway`,
    sql,
  ).trim();
}

export const documentCount = () => Number(psql('SELECT count(*) FROM documents'));

/** Vectors in the service's collection, or -1 when Chroma does not answer. */
export function vectorCount(): number {
  const api = 'http://127.0.0.1:8000/api/v2/tenants/default_tenant/databases/default_database/collections';
  const r = onVps(
    `c=${infraContainer('chroma')}; id=$(docker exec $c curl -fsS --max-time 5 ${api}/documents | jq -r .id) && docker exec $c curl -fsS --max-time 5 ${api}/$id/count`,
  );
  return r.status === 0 ? Number(r.stdout.trim()) : -1;
}

/** One of the reference service's commands (scrape, embed, eval) against the live stores, as a one-off. */
export function service(command: string): string {
  const release = mustOnVps(`cat ${APP_DIR}/state/current`).trim();
  return mustOnVps(
    `SLIPWAY_SHARED_DIR=${APP_DIR}/shared SLIPWAY_API_IMAGE=$(jq -r .api ${APP_DIR}/releases/${release}/images.json) docker compose -p slipway-drill -f ${APP_DIR}/releases/${release}/compose.yaml --profile migrate run --rm --no-deps -e CHROMA_URL=http://chroma:8000 -e CHROMA_TIMEOUT_MS=60000 migrate ${command}`,
  );
}

export interface Health {
  status: number;
  overall: string;
  checks: Record<string, string>;
}

export async function health(): Promise<Health> {
  try {
    const r = await get(`${PROXY()}/health/detailed`);
    const body = JSON.parse(r.body) as { status?: string; checks?: { name: string; status: string }[] };
    return {
      status: r.status,
      overall: body.status ?? '',
      checks: Object.fromEntries((body.checks ?? []).map((c) => [c.name, c.status])),
    };
  } catch {
    return { status: 0, overall: 'unreachable', checks: {} };
  }
}

/** A search through the proxy: its hits and which retrievers it had to do without. */
export async function search(q: string): Promise<{ ids: string[]; degraded: string[] }> {
  const r = await get(`${PROXY()}/search?q=${encodeURIComponent(q)}&k=5`);
  if (r.status !== 200) throw new Error(`search answered ${r.status}`);
  const body = JSON.parse(r.body) as { results: { id: string }[]; degraded: string[] };
  return { ids: body.results.map((h) => h.id), degraded: body.degraded };
}

export async function liveDigest(): Promise<string> {
  return (JSON.parse((await get(`${PROXY()}/version`)).body) as { image_digest: string }).image_digest;
}

/** Polls PROBE every 250 ms until it returns true; resolves to the seconds it took, or throws after the timeout. */
export async function until(
  what: string,
  timeoutSeconds: number,
  probe: () => Promise<boolean> | boolean,
): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < timeoutSeconds * 1000) {
    try {
      if (await probe()) return (Date.now() - started) / 1000;
    } catch {
      // not yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${what} did not happen within ${timeoutSeconds} s`);
}

/** Deploys a release the way CD does: the real ssh-deploy bundle against the VPS (no GitHub Deployment). */
export async function deploy(id: string, image: string): Promise<{ status: number | null; output: string }> {
  const { main } = await runAction('ssh-deploy', {
    ...connectionInputs(),
    images: JSON.stringify({ api: image }),
    'compose-file': 'docker/compose.release.yaml',
    'proxy-config': 'docker/caddy/Caddyfile.release',
    'release-id': id,
    'health-timeout-seconds': '90',
    'keep-releases': '5',
    'lock-timeout-seconds': '300',
    'github-token': '',
  });
  return { status: main.status, output: `${main.stdout}\n${main.stderr}` };
}
