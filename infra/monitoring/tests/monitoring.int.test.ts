// The monitoring stack for real: the look-alike Prometheus, node exporter and PostgreSQL exporter
// (infra/monitoring/compose.yaml, Grafana left out: it cannot run on these machines) scrape a live reference
// stack under load, with the deploy engine's and the backup job's textfiles present. Then every PromQL query of
// every committed dashboard must return data, every rule must evaluate without error, and the rehearsal's
// serverErrors module must count exactly the 5xx answers and aborted requests the test caused.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkPanelQueries } from '../../../scripts/rehearsal/panel-queries.js';
import { PrometheusClient } from '../../../scripts/rehearsal/prometheus-client.js';
import { serverErrors } from '../../../scripts/rehearsal/server-errors.js';
import { MonitoringStack, ReferenceStack, ROOT, sh } from '../../../tests/support/reference-stacks.js';

const INTERVAL = 1;
const engine = path.join(ROOT, 'infra', 'deploy-engine', 'bin', 'slipway');
const app = new ReferenceStack('obs-it');
const monitoring = new MonitoringStack('obs-it');
const prometheus = () => new PrometheusClient(monitoring.url);
let engineDir: string;
let textfileDir: string;
let startedAt: number;
let load: { stop: () => Promise<number> } | undefined;

const now = () => Date.now() / 1000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function slipway(args: string[]): void {
  const r = spawnSync(engine, ['--app-dir', engineDir, ...args], {
    encoding: 'utf8',
    env: { ...process.env, SLIPWAY_TEXTFILE_DIR: textfileDir },
  });
  if (r.status !== 0) throw new Error(`slipway ${args.join(' ')} failed: ${r.stderr}${r.stdout}`);
}

function ledgerOp(
  op: string,
  kind: string,
  release: string,
  result: string,
  startedIso: string,
  seconds: number,
) {
  const finishedAt = new Date(Date.parse(startedIso) + seconds * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
  const base = {
    op,
    kind,
    release,
    previous: '',
    slot: 'blue',
    images: {},
    gitSha: 'abc1234',
    actor: 'it',
    startedAt: startedIso,
  };
  return (
    [JSON.stringify({ ...base, result: 'started' }), JSON.stringify({ ...base, result, finishedAt })].join(
      '\n',
    ) + '\n'
  );
}

/** Background traffic through the proxy: searches, a version read, a bad request and an unknown path. */
function startLoad(): { stop: () => Promise<number> } {
  let running = true;
  let requests = 0;
  const paths = [
    '/search?q=postgres%20backup&k=3',
    '/search?q=caddy%20health',
    '/version',
    '/search',
    '/no-such-page',
  ];
  const loop = (async () => {
    while (running) {
      for (const p of paths) {
        await fetch(`http://127.0.0.1:${app.proxyPort}${p}`, { signal: AbortSignal.timeout(5000) })
          .then((r) => r.arrayBuffer())
          .catch(() => undefined);
        requests++;
      }
      await sleep(50);
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return requests;
    },
  };
}

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    await sleep(250);
  }
  throw new Error(`${what} did not happen within ${timeoutMs} ms (last: ${String(last)})`);
}

beforeAll(async () => {
  engineDir = fs.mkdtempSync(path.join(os.tmpdir(), 'obs-it-engine-'));
  textfileDir = path.join(engineDir, 'metrics');
  fs.mkdirSync(textfileDir);
  // node exporter runs as nobody: it must be able to enter the directory and read the files.
  fs.chmodSync(engineDir, 0o755);
  fs.mkdirSync(path.join(engineDir, 'state'));
  fs.mkdirSync(path.join(engineDir, 'releases', 'v1'), { recursive: true });
  fs.writeFileSync(path.join(engineDir, 'releases', 'v1', 'release.json'), '{"gitSha": "abc1234"}');
  fs.writeFileSync(path.join(engineDir, 'state', 'current'), 'v1\n');
  fs.writeFileSync(
    path.join(engineDir, 'ledger.jsonl'),
    ledgerOp('a', 'deploy', 'v1', 'succeeded', '2026-01-01T00:00:00Z', 12) +
      ledgerOp('b', 'deploy', 'v2', 'failed', '2026-01-01T01:00:00Z', 40),
  );
  slipway(['metrics']);
  const at = Math.floor(now());
  slipway([
    'record-backup',
    '--target',
    'postgres',
    '--result',
    'succeeded',
    '--started',
    String(at - 30),
    '--finished',
    String(at),
    '--size-bytes',
    '4096',
    '--verified',
    'yes',
  ]);
  slipway([
    'record-backup',
    '--target',
    'chroma',
    '--result',
    'succeeded',
    '--started',
    String(at - 5),
    '--finished',
    String(at),
    '--size-bytes',
    '2048',
    '--verified',
    'no',
  ]);

  await app.up();
  await monitoring.up({
    textfileDir,
    dbPasswordFile: app.passwordFile,
    edgeNetwork: app.network('frontend'),
    backendNetwork: app.network('backend'),
    intervalSeconds: INTERVAL,
    apiTargets: ['api:9464'],
  });
  startedAt = now();
  load = startLoad();
  const client = prometheus();
  await until('every target up', 60_000, async () => {
    const up = await client.query('up');
    return up.length >= 4 && up.every((s) => s.value?.[1] === '1') ? up : undefined;
  });
  // A deploy finishes while Prometheus watches: the deploy annotation has a change to show.
  await sleep(8_000);
  fs.appendFileSync(
    path.join(engineDir, 'ledger.jsonl'),
    ledgerOp('c', 'rollback', 'v1', 'succeeded', new Date(Date.now() - 9000).toISOString(), 9),
  );
  slipway(['metrics']);
  await sleep(8_000);
}, 600_000);

afterAll(async () => {
  await load?.stop();
  try {
    monitoring.down();
  } finally {
    try {
      app.down();
    } finally {
      if (engineDir) fs.rmSync(engineDir, { recursive: true, force: true });
    }
  }
}, 120_000);

describe('monitoring stack against a live reference stack', () => {
  it('scrapes the api, node exporter, the PostgreSQL exporter and itself', async () => {
    const up = await prometheus().query('up');
    expect(Object.fromEntries(up.map((s) => [s.metric.job, s.value?.[1]]))).toEqual({
      api: '1',
      node: '1',
      postgres: '1',
      prometheus: '1',
    });
  });

  it('runs every dashboard query and each returns data', async () => {
    const check = await checkPanelQueries(
      prometheus(),
      { start: startedAt, end: now() },
      { stepSeconds: INTERVAL, scrapeSeconds: INTERVAL },
    );
    expect(check.queries).toBeGreaterThan(40);
    expect(check.broken).toEqual([]);
  });

  it('evaluates every rule without error, and the alerts see the textfile metrics', async () => {
    const client = prometheus();
    const rules = await until('rules evaluated', 20_000, async () => {
      const all = await client.rules();
      return all.every((r) => r.health === 'ok') ? all : undefined;
    });
    const declared = (
      fs
        .readFileSync(path.join(ROOT, 'infra/monitoring/prometheus/rules/slipway.rules.yml'), 'utf8')
        .match(/^\s+- (alert|record): /gm) ?? []
    ).length;
    expect(rules).toHaveLength(declared);
    for (const rule of rules) {
      expect(rule.lastError ?? '', rule.name).toBe('');
      await expect(client.query(rule.query), rule.name).resolves.toBeDefined();
    }
    const firing = Object.fromEntries(
      rules.filter((r) => r.type === 'alerting').map((r) => [r.name, r.state]),
    );
    // The ledger's last deploy failed, and the chroma backup was recorded unverified.
    expect(firing).toMatchObject({
      SlipwayDeployFailed: 'firing',
      SlipwayBackupUnverified: 'firing',
      SlipwayServiceDown: 'inactive',
      SlipwayPostgresDown: 'inactive',
      SlipwayBackupMissing: 'inactive',
      SlipwayBackupTooOld: 'inactive',
    });
  });

  it('keeps the internal listener off the public port', async () => {
    expect((await fetch(`http://127.0.0.1:${app.proxyPort}/metrics`)).status).toBe(404);
    const detailed = await fetch(`http://127.0.0.1:${app.proxyPort}/health/detailed`);
    expect(await detailed.json()).toEqual({ status: 'ok' });
    const ports = sh([
      'docker',
      'ps',
      '--filter',
      `label=com.docker.compose.project=${app.project}`,
      '--format',
      '{{.Ports}}',
    ]);
    expect(ports).not.toContain('9464');
  });

  it("counts exactly the api's 5xx answers and aborted requests in a window (serverErrors)", async () => {
    const requests = await load!.stop();
    load = undefined;
    expect(requests).toBeGreaterThan(100);
    const client = prometheus();
    await sleep(3_000);
    const cleanStart = now();
    for (let i = 0; i < 20; i++) await fetch(`http://127.0.0.1:${app.proxyPort}/search?q=docker`);
    const clean = await serverErrors(
      client,
      { start: cleanStart, end: now() },
      { marginSeconds: 3 * INTERVAL },
    );
    expect(clean).toEqual({ status5xx: 0, connectionErrors: 0, byStatus: {} });

    await sleep(3_000);
    const start = now();
    app.compose(['stop', '--timeout', '5', 'postgres']);
    // PostgreSQL is gone: a search now waits for the connect timeout (2 s) and answers 500, unless the client
    // leaves first, which the api records as aborted.
    const aborted = await Promise.all(
      Array.from({ length: 4 }, () =>
        fetch(`http://127.0.0.1:${app.proxyPort}/search?q=aborted`, {
          signal: AbortSignal.timeout(300),
        }).then(
          () => 'answered',
          () => 'aborted',
        ),
      ),
    );
    const failed = await Promise.all(
      Array.from({ length: 7 }, () =>
        fetch(`http://127.0.0.1:${app.proxyPort}/search?q=failed`).then((r) => r.status),
      ),
    );
    await sleep(2_500);
    const end = now();
    app.compose(['start', 'postgres']);
    expect(aborted).toEqual(Array(4).fill('aborted'));
    expect(failed).toEqual(Array(7).fill(500));
    const counted = await serverErrors(client, { start, end }, { marginSeconds: 3 * INTERVAL });
    expect(counted).toMatchObject({ status5xx: 7, connectionErrors: 4 });
    expect(counted.byStatus).toEqual({ '500 /search': 7, 'aborted /search': 4 });
  });
});
