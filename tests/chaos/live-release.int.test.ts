// The live release after its deploy, on the sandbox VPS: `slipway status` shows its health, `slipway supervise`
// (what the systemd timer runs) restores a hung release or rolls back one that keeps failing, and releases that
// change PostgreSQL, the proxy's config or image go through the engine's infra upgrade: validated, backed up,
// health gated, recorded, refused or restored when they cannot work. One ordered story, like a real host.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  APP_DIR,
  REPO,
  buildImages,
  engine,
  get,
  listing,
  loginVps,
  mustOnVps,
  onVps,
  onVpsAsync,
  resetVps,
  resultOf,
  runAction,
  startLoad,
  until,
  vps,
} from '../deploy/harness.js';
import { repoRoot, sandboxVar } from '../sandbox/sandbox-env.js';
import { deploy, deployInputs, seed } from '../../scripts/chaos/release.js';
import { liveStatus } from '../../scripts/chaos/vps.js';

const PROXY = `http://${vps().host}`;
const WORK = path.join(repoRoot, '.cache', 'chaos-it');
const stamp = Date.now().toString(36);
const id = (name: string) => `lr-${stamp}-${name}`;
const figures: string[] = [];
let images: Record<string, string>;

function must(cmd: string, args: string[], input?: string): string {
  const r = spawnSync(cmd, args, { input, encoding: 'utf8', timeout: 600_000 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.slice(0, 3).join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

/** The hang-after release (tests/chaos/fixtures/hang-after), pushed; returns the ref the VPS pulls. */
function buildHangAfter(): string {
  const registry = sandboxVar('SLIPWAY_REGISTRY');
  const tag = `${registry}/${REPO}:hang-after`;
  must('docker', [
    'build',
    '-q',
    '--build-arg',
    `BASE=${REPO}:base`,
    '-t',
    tag,
    path.join(repoRoot, 'tests', 'chaos', 'fixtures', 'hang-after'),
  ]);
  must('docker', ['push', '-q', tag]);
  const digest = must('docker', ['inspect', '-f', '{{join .RepoDigests "\\n"}}', tag])
    .split('\n')
    .find((d) => d.startsWith(`${registry}/${REPO}@`))!;
  return digest.replace(`${registry}/`, `${sandboxVar('SLIPWAY_VPS_REGISTRY')}/`);
}

/** An infra image variant, built on the VPS from the infra image it already has (nothing to copy over). */
function infraImage(tag: string, dockerfile: string): string {
  const r = onVps(`docker build -q -t ${tag} -`, dockerfile);
  if (r.status !== 0) throw new Error(`building ${tag} on the VPS failed: ${r.stderr}`);
  return tag;
}

/** docker/compose.release.yaml or the Caddyfile with a change, as a file inside the workspace. */
function variant(source: string, name: string, edit: (text: string) => string): string {
  fs.mkdirSync(WORK, { recursive: true });
  const file = path.join(WORK, name);
  const text = fs.readFileSync(path.join(repoRoot, source), 'utf8');
  const changed = edit(text);
  if (changed === text) throw new Error(`the ${name} variant changes nothing`);
  fs.writeFileSync(file, changed);
  return path.relative(repoRoot, file);
}

const supervise = (args = '') => {
  const r = engine(`supervise ${args}`);
  return { ...r, result: resultOf(r.stdout) as Record<string, unknown> & { action: string } };
};
const health = async () => (await liveStatus()).health.status;
const container = async (service: string) =>
  (await liveStatus()).containers.find((c) => c.service === service)!;
const liveDigest = async () =>
  (JSON.parse((await get(`${PROXY}/version`)).body) as { image_digest: string }).image_digest;
const lastOp = (kind: string) =>
  listing()
    .ledger.filter((e) => e.kind === kind)
    .at(-1) as Record<string, unknown>;

/** The action's stdout without its ::add-mask:: lines (they carry the private key), for messages. */
const shown = (run: { stdout: string }) =>
  run.stdout
    .split('\n')
    .filter((l) => !l.startsWith('::add-mask::'))
    .join('\n');

async function deployVariant(release: string, image: string, over: Record<string, string>) {
  const load = startLoad(PROXY, 4, 300);
  const { main } = await runAction('ssh-deploy', { ...deployInputs(release, image), ...over });
  const report = await load.stop();
  return { main, report };
}

beforeAll(async () => {
  images = buildImages(['lr-a', 'lr-b']);
  images.hang = buildHangAfter();
  loginVps();
  resetVps();
  await deploy(id('a'), images['lr-a']!);
  await seed();
  await deploy(id('b'), images['lr-b']!);
}, 900_000);

afterAll(() => {
  if (figures.length) console.log(`live release figures:\n  ${figures.join('\n  ')}`);
});

describe('status and supervision', () => {
  it('slipway status shows the live release healthy, with every container and its role', async () => {
    const status = await liveStatus();
    expect(status.current).toBe(id('b'));
    expect(status.health).toEqual({ status: 'ok', problems: [] });
    expect(status.containers.map((c) => [c.service, c.role]).sort()).toEqual([
      ['api', 'app'],
      ['chroma', 'vector-store'],
      ['chroma-init', 'init'],
      ['postgres', 'database'],
      ['proxy', 'proxy'],
    ]);
    expect(mustOnVps(`${APP_DIR}/bin/slipway status`)).toMatch(/^Health: ok$/m);
  });

  it('supervise does nothing while the release is healthy, and skips while a deploy holds the lock', async () => {
    expect(supervise().result).toMatchObject({
      ok: true,
      command: 'supervise',
      action: 'none',
      health: 'ok',
    });
    const holder = onVpsAsync(`flock ${APP_DIR}/state/lock sleep 4`);
    await new Promise((r) => setTimeout(r, 1000));
    expect(supervise().result).toMatchObject({ action: 'skipped' });
    await holder;
  });

  it('a hung api: supervise waits out its grace period, then restarts it and records the incident', async () => {
    const api = await container('api');
    mustOnVps(`docker kill --signal STOP ${api.name}`);
    await until('Docker to report the hung api unhealthy', 60_000, () => {
      const s = onVps(`docker inspect -f '{{.State.Health.Status}}' ${api.name}`).stdout.trim();
      return s === 'unhealthy';
    });
    expect(await health()).toBe('unhealthy');
    expect(supervise().result).toMatchObject({ action: 'waiting', health: 'unhealthy' });
    expect(mustOnVps(`${APP_DIR}/bin/slipway status`)).toMatch(/Supervisor: unhealthy since/);
    const started = Date.now();
    const r = supervise('--grace 0');
    figures.push(`supervise restored a hung api in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    expect(r.result, r.stderr).toMatchObject({ action: 'restarted', health: 'ok', release: id('b') });
    expect(lastOp('supervise')).toMatchObject({ release: id('b'), result: 'restored', action: 'restart' });
    expect((lastOp('supervise').problems as string[]).join()).toMatch(/api .*unhealthy/);
    expect((await get(`${PROXY}/search?q=caddy`)).status).toBe(200);
  });

  it('a release that hangs again after its restart is rolled back to the previous one', async () => {
    await deploy(id('hang'), images.hang!);
    const unhealthy = () =>
      until('the hang-after release to hang', 90_000, () => {
        const s = JSON.parse(mustOnVps(`${APP_DIR}/bin/slipway status --json`)) as {
          health: { status: string };
        };
        return s.health.status === 'unhealthy';
      });
    await unhealthy();
    expect(supervise('--grace 0').result).toMatchObject({ action: 'restarted', release: id('hang') });
    await unhealthy();
    const started = Date.now();
    const r = supervise('--grace 0');
    figures.push(
      `supervise rolled back a hanging release in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
    expect(r.result, r.stderr).toMatchObject({
      action: 'rolled-back',
      release: id('b'),
      previous: id('hang'),
    });
    expect(lastOp('supervise')).toMatchObject({ release: id('hang'), result: 'rolling-back', to: id('b') });
    expect(lastOp('rollback')).toMatchObject({ release: id('b'), result: 'succeeded' });
    expect(String(lastOp('rollback').actor)).toMatch(/^slipway-supervise@/);
    expect(await liveDigest()).toBe(images['lr-b']);
    expect(supervise().result).toMatchObject({ action: 'none', health: 'ok' });
  });
});

describe('infra upgrades through the engine', () => {
  it('a changed Caddyfile is validated, then reloaded in place (the proxy keeps running)', async () => {
    const before = await container('proxy');
    const caddyfile = variant('docker/caddy/Caddyfile.release', 'Caddyfile.header', (t) =>
      t.replace('\thandle /proxy-health {', '\theader X-Slipway-Proxy-Config v2\n\n\thandle /proxy-health {'),
    );
    const { main, report } = await deployVariant(id('caddy'), images['lr-b']!, { 'proxy-config': caddyfile });
    figures.push(
      `Caddyfile reload under load: ${report.failed} failed of ${report.requests} requests (${report.samples.slice(0, 2).join(', ')})`,
    );
    expect(main.status, shown(main)).toBe(0);
    expect((await fetch(`${PROXY}/health`)).headers.get('x-slipway-proxy-config')).toBe('v2');
    expect((await container('proxy')).startedAt).toBe(before.startedAt);
    expect(lastOp('infra')).toMatchObject({
      release: id('caddy'),
      result: 'succeeded',
      proxyConfig: true,
      proxyReloaded: true,
    });
  });

  it('a Caddyfile that does not validate is refused before anything changes', async () => {
    const before = await container('proxy');
    const installed = mustOnVps(`cat ${APP_DIR}/infra/caddy/Caddyfile`);
    const caddyfile = variant('docker/caddy/Caddyfile.release', 'Caddyfile.invalid', (t) =>
      t.replace('\thandle /proxy-health {', '\tno_such_directive on\n\n\thandle /proxy-health {'),
    );
    const { main, report } = await deployVariant(id('bad-caddy'), images['lr-b']!, {
      'proxy-config': caddyfile,
    });
    expect(main.status).toBe(1);
    expect(shown(main)).toMatch(/its Caddyfile does not validate; nothing was changed/);
    expect(shown(main)).toMatch(/no_such_directive/);
    expect(report.failed).toBe(0);
    expect(mustOnVps(`cat ${APP_DIR}/infra/caddy/Caddyfile`)).toBe(installed);
    expect((await container('proxy')).startedAt).toBe(before.startedAt);
    expect(listing().current).toBe(id('caddy'));
  });

  it('a PostgreSQL minor upgrade backs up the database, replaces it, gates on health and keeps the data', async () => {
    const image = infraImage(
      'postgres:15.99-chaos',
      'FROM postgres:15-bookworm\nLABEL org.slipway.test=minor-upgrade\n',
    );
    const compose = variant('docker/compose.release.yaml', 'compose.pg-minor.yaml', (t) =>
      t.replace('image: postgres:15-bookworm', `image: ${image}`),
    );
    const before = await container('postgres');
    const { main, report } = await deployVariant(id('pg-minor'), images['lr-b']!, {
      'compose-file': compose,
    });
    figures.push(
      `PostgreSQL minor upgrade under load: ${report.failed} failed of ${report.requests} requests (${report.samples.slice(0, 3).join(', ')}); infra op ${String(lastOp('infra').seconds)} s`,
    );
    expect(main.status, shown(main)).toBe(0);
    const after = await container('postgres');
    expect(after.name).toBe(before.name);
    expect(after.startedAt).not.toBe(before.startedAt);
    expect(onVps(`docker inspect -f '{{.Config.Image}}' ${after.name}`).stdout.trim()).toBe(image);
    const op = lastOp('infra');
    expect(op).toMatchObject({ release: id('pg-minor'), result: 'succeeded', services: ['postgres'] });
    expect(String(op.backup)).toMatch(
      new RegExp(`^${APP_DIR}/backups/.*-before-${id('pg-minor')}-postgres\\.dump$`),
    );
    expect(Number(mustOnVps(`stat -c %s ${String(op.backup)}`))).toBeGreaterThan(10_000);
    const search = JSON.parse((await get(`${PROXY}/search?q=blue+green+deploy&k=3`)).body) as {
      results: unknown[];
    };
    expect(search.results.length).toBeGreaterThan(0);
  });

  it('a PostgreSQL major upgrade is refused: nothing changes, the live release keeps serving', async () => {
    const image = infraImage('postgres:16-chaos', 'FROM postgres:15-bookworm\nENV PG_MAJOR=16\n');
    const compose = variant('docker/compose.release.yaml', 'compose.pg-major.yaml', (t) =>
      t.replace('image: postgres:15-bookworm', `image: ${image}`),
    );
    const before = await container('postgres');
    const installed = mustOnVps(`cat ${APP_DIR}/infra/compose.yaml`);
    const { main, report } = await deployVariant(id('pg-major'), images['lr-b']!, {
      'compose-file': compose,
    });
    expect(main.status).toBe(1);
    expect(shown(main)).toMatch(
      /changes PostgreSQL 15 to 16: a major upgrade is not a container swap.*Nothing was changed/,
    );
    expect(report.failed).toBe(0);
    expect((await container('postgres')).startedAt).toBe(before.startedAt);
    expect(mustOnVps(`cat ${APP_DIR}/infra/compose.yaml`)).toBe(installed);
    expect(listing().current).toBe(id('pg-minor'));
  });

  it('an upgrade whose new service never gets healthy is undone: the previous definition runs again', async () => {
    const image = infraImage('postgres:15.98-broken', 'FROM postgres:15-bookworm\nENTRYPOINT ["false"]\n');
    const compose = variant('docker/compose.release.yaml', 'compose.pg-broken.yaml', (t) =>
      t.replace('image: postgres:15-bookworm', `image: ${image}`),
    );
    const { main } = await deployVariant(id('pg-broken'), images['lr-b']!, {
      'compose-file': compose,
      'health-timeout-seconds': '20',
    });
    expect(main.status).toBe(1);
    expect(shown(main)).toMatch(/the infra upgrade for .* failed; the previous infra was restored/);
    expect(lastOp('infra')).toMatchObject({ release: id('pg-broken'), result: 'failed' });
    const pg = await container('postgres');
    expect(onVps(`docker inspect -f '{{.Config.Image}}' ${pg.name}`).stdout.trim()).toBe(
      'postgres:15.99-chaos',
    );
    await until('the release to be healthy again', 60_000, () => {
      const s = JSON.parse(mustOnVps(`${APP_DIR}/bin/slipway status --json`)) as {
        health: { status: string };
      };
      return s.health.status === 'ok';
    });
    expect(listing().current).toBe(id('pg-minor'));
    expect((await get(`${PROXY}/search?q=caddy`)).status).toBe(200);
  });
});
