// The VPS's Prometheus (the monitoring stack, loopback only on the host) reached from the rehearsal through an
// SSH tunnel as the deploy user, as an operator reaches it (docs/OBSERVABILITY.md); and the after-story check
// of every dashboard query and alert rule against it.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { freePort } from '../../tests/support/reference-stacks.js';
import { checkPanelQueries, committedQueries } from './panel-queries.js';
import { PrometheusClient } from './prometheus-client.js';
import { type PanelsResult, panelsResult } from './report.js';
import type { Window } from './server-errors.js';

export interface VpsSsh {
  host: string;
  port: string;
  user: string;
  key: string;
  knownHosts: string;
}

/** Where the monitoring role installs the stack (monitoring_dir) and its .env, which names Prometheus' port. */
export const MONITORING_DIR = '/opt/slipway-monitoring';

const sshArgs = (vps: VpsSsh): string[] => [
  '-F',
  'none',
  '-i',
  vps.key,
  '-p',
  vps.port,
  '-o',
  'BatchMode=yes',
  '-o',
  'IdentitiesOnly=yes',
  '-o',
  'StrictHostKeyChecking=yes',
  '-o',
  `UserKnownHostsFile=${vps.knownHosts}`,
  '-o',
  'ConnectTimeout=10',
];

export interface Tunnel {
  client: PrometheusClient;
  close: () => void;
}

/** Prometheus' address on the VPS, from the stack's .env there: `127.0.0.1:9090`. */
function remoteAddress(vps: VpsSsh): string {
  const r = spawnSync('ssh', [...sshArgs(vps), `${vps.user}@${vps.host}`, `cat ${MONITORING_DIR}/.env`], {
    encoding: 'utf8',
    timeout: 30_000,
  });
  if (r.status !== 0)
    throw new Error(
      `no monitoring stack on ${vps.host}: ${MONITORING_DIR}/.env unreadable (${r.stderr.trim() || `exit ${r.status}`}). Run scripts/sandbox/up.`,
    );
  const env = Object.fromEntries(
    r.stdout
      .split('\n')
      .map((l) => /^([A-Z_]+)=(.*)$/.exec(l))
      .filter((m) => m !== null)
      .map((m) => [m[1], m[2]]),
  );
  if (!env.MONITORING_BIND_ADDRESS || !env.MONITORING_PROMETHEUS_PORT)
    throw new Error(`${MONITORING_DIR}/.env on ${vps.host} names no Prometheus address.`);
  return `${env.MONITORING_BIND_ADDRESS}:${env.MONITORING_PROMETHEUS_PORT}`;
}

/** Opens `ssh -N -L 127.0.0.1:<free port>:<Prometheus on the VPS>` and waits until Prometheus answers through it. */
export async function openTunnel(vps: VpsSsh, timeoutMs = 30_000): Promise<Tunnel> {
  const remote = remoteAddress(vps);
  const port = await freePort();
  const child: ChildProcess = spawn(
    'ssh',
    [
      ...sshArgs(vps),
      '-N',
      '-o',
      'ExitOnForwardFailure=yes',
      '-L',
      `127.0.0.1:${port}:${remote}`,
      `${vps.user}@${vps.host}`,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const close = () => {
    if (child.exitCode === null) child.kill('SIGTERM');
  };
  const client = new PrometheusClient(`http://127.0.0.1:${port}`);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await client.query('vector(1)');
      return { client, close };
    } catch (err) {
      if (child.exitCode !== null || Date.now() > deadline) {
        close();
        throw new Error(
          `the SSH tunnel to Prometheus (${remote} on ${vps.host}) did not answer: ${stderr.trim() || (err as Error).message}`,
        );
      }
      await new Promise((r) => setTimeout(r, 300));
    }
  }
}

/**
 * Dashboards fed by something the host may not run yet: checked only once any of its series exists there.
 * The backups dashboard needs a backup job that records its runs (`slipway record-backup`).
 */
export const FED_BY: Record<string, { selector: string; what: string }> = {
  'slipway-backups': {
    selector: 'slipway_backup_last_run_timestamp_seconds',
    what: 'no backup run was ever recorded on this host (slipway record-backup)',
  },
};

/** Every dashboard query over `window`, and every alert rule's health, on the VPS's Prometheus. */
export async function checkDashboardsAndAlerts(
  client: PrometheusClient,
  window: Window,
): Promise<PanelsResult> {
  const scrape = await client.scrapeIntervalSeconds();
  const skipped: string[] = [];
  for (const [uid, fed] of Object.entries(FED_BY)) {
    if ((await client.query(fed.selector, window.end)).length === 0) skipped.push(`${uid}: ${fed.what}`);
  }
  const queries = committedQueries().filter((q) => !skipped.some((s) => s.startsWith(`${q.dashboard}:`)));
  const check = await checkPanelQueries(client, window, {
    stepSeconds: scrape,
    scrapeSeconds: scrape,
    queries,
  });
  return panelsResult({
    total: check.queries,
    empty: check.broken,
    skipped,
    rules: await client.rules(),
    window,
  });
}
