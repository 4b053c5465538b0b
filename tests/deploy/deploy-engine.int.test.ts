// The deploy engine and its two front doors (ssh-deploy, rollback) against the sandbox VPS (host vps1, set up
// from bare by infra/scripts/setup-vps.sh), over real SSH, with images built from docker/service.Dockerfile and
// pulled by digest from the sandbox registry.
// One ordered story: each test starts from the state the previous one left, as a real host would.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sandboxConstant, sandboxStateDir, sandboxVar } from '../sandbox/sandbox-env.js';
import { type FakeGitHub, startFakeGitHub } from '../support/fake-github-api.js';
import {
  APP_DIR,
  buildImages,
  connectionInputs,
  engine,
  get,
  listing,
  loginVps,
  mustOnVps,
  onVps,
  resetVps,
  resultOf,
  runAction,
  sshChildren,
  startAction,
  startLoad,
  status,
  until,
  vps,
} from './harness.js';

const PROXY = `http://${vps().host}`;
/** Requests the VPS made to the registry listener it pulls from, per that registry's access log. */
const registryRequestsFromVps = () =>
  fs
    .readFileSync(
      path.join(sandboxStateDir(), 'log', `registry-${sandboxVar('SLIPWAY_VPS_REGISTRY').split(':')[0]}.log`),
      'utf8',
    )
    .split('\n')
    .filter((l) => l.startsWith(`${vps().host} - - [`)).length;
let images: Record<string, string>;
let github: FakeGitHub;
const figures: string[] = [];

const githubEnv = () => ({
  GITHUB_API_URL: github.url,
  GITHUB_REPOSITORY: 'acme/shop',
  GITHUB_SHA: 'c0ffee0000000000000000000000000000000000',
  GITHUB_RUN_ID: '4242',
  GITHUB_ACTOR: 'octo-cat',
  GITHUB_SERVER_URL: 'https://github.example',
});
const deployInputs = (id: string, image: string, over: Record<string, string> = {}) => ({
  ...connectionInputs(),
  images: JSON.stringify({ api: image }),
  'compose-file': 'docker/compose.release.yaml',
  'proxy-config': 'docker/caddy/Caddyfile.release',
  'release-id': id,
  'health-timeout-seconds': '60',
  'keep-releases': '5',
  'lock-timeout-seconds': '120',
  'github-token': 'ghs_test_token_not_secret',
  environment: 'production',
  'environment-url': PROXY,
  ...over,
});
const liveDigest = async () =>
  (JSON.parse((await get(`${PROXY}/version`)).body) as { image_digest: string }).image_digest;

beforeAll(async () => {
  images = buildImages(['v1', 'v2', 'v3', 'v4', 'broken']);
  resetVps();
  github = await startFakeGitHub();
}, 600_000);

afterAll(async () => {
  await github?.close();
  if (figures.length) console.log(`deploy figures:\n  ${figures.join('\n  ')}`);
});

describe('ssh-deploy', () => {
  it('refuses a server whose host key differs from known-hosts before anything runs', async () => {
    const wrong = `${vps().host} ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBnotTheRealKeyOfThisHostAtAll000000000000`;
    const { main } = await runAction('ssh-deploy', deployInputs('v1', images.v1!, { 'known-hosts': wrong }));
    expect(main.status).toBe(1);
    expect(main.stdout).toContain(
      `::error::SSH to deploy@${vps().host}:22 refused: the server's host key does not match input 'known-hosts'. Nothing was run`,
    );
    expect(mustOnVps(`ls -A ${APP_DIR}`).trim()).toBe('');
  });

  it('deploys the first release by digest, installs infra and records a GitHub Deployment; the key never leaks and the post step removes it', async () => {
    const started = Date.now();
    const { main, post } = await runAction('ssh-deploy', deployInputs('v1', images.v1!), githubEnv());
    figures.push(`first deploy (infra created): ${((Date.now() - started) / 1000).toFixed(1)} s`);
    expect(main.status, main.stdout + main.stderr).toBe(0);
    expect(main.outputs).toEqual({ 'release-id': 'v1', 'previous-release-id': '' });
    expect(main.summary).toContain(`### Deploy succeeded: v1 on ${vps().host}`);
    expect(await liveDigest()).toBe(images.v1);
    expect(mustOnVps(`cat ${APP_DIR}/state/current`).trim()).toBe('v1');
    expect(mustOnVps(`cat ${APP_DIR}/releases/v1/images.json`)).toContain(images.v1!);

    expect(github.deployments).toHaveLength(1);
    expect(github.deployments[0]).toMatchObject({ environment: 'production', ref: githubEnv().GITHUB_SHA });
    expect(github.statuses.map((s) => s.state)).toEqual(['in_progress', 'success']);

    const key = connectionInputs()['private-key']!;
    const body = key.split('\n').find((l) => l.length > 40)!;
    const visible = [
      main.stdout
        .split('\n')
        .filter((l) => !l.startsWith('::add-mask::'))
        .join('\n'),
      main.stderr,
      main.summary,
      JSON.stringify(main.outputs),
      JSON.stringify(main.state),
      post.stdout,
      post.stderr,
    ];
    for (const text of visible) expect(text).not.toContain(body);
    const keyDir = main.state['slipway-ssh-dir']!;
    expect(keyDir.startsWith(main.runnerTemp)).toBe(true);
    expect(post.status).toBe(0);
    expect(fs.existsSync(keyDir)).toBe(false);
    expect(fs.readdirSync(main.runnerTemp).filter((f) => f.startsWith('slipway-ssh-'))).toEqual([]);
  });

  it('the infra project runs ChromaDB from its upstream image as uid 1000, and the api reports it ok', async () => {
    const chroma = mustOnVps(
      'docker ps --filter label=com.docker.compose.project=slipway-infra ' +
        "--filter label=com.docker.compose.service=chroma --format '{{.ID}} {{.Image}}'",
    )
      .trim()
      .split(' ');
    expect(chroma[1]).toBe(sandboxConstant('CHROMA_IMAGE'));
    expect(
      mustOnVps(`docker inspect -f '{{.Config.User}} {{.State.Health.Status}}' ${chroma[0]}`).trim(),
    ).toBe('1000:1000 healthy');
    expect(mustOnVps('docker volume ls -q --filter name=slipway-infra_chroma-data').trim()).toBe(
      'slipway-infra_chroma-data',
    );
    // The checks are on the internal listener only (the public /health/detailed shows the status alone).
    const api = mustOnVps(
      "docker ps --filter label=com.docker.compose.service=api --filter status=running --format '{{.ID}}'",
    )
      .trim()
      .split('\n')[0];
    const detailed = JSON.parse(
      mustOnVps(
        `docker exec ${api} node -e 'fetch("http://127.0.0.1:9464/health/detailed").then((r) => r.text()).then((t) => process.stdout.write(t))'`,
      ),
    ) as { checks: { name: string; status: string }[] };
    expect(detailed.checks.find((c) => c.name === 'chroma')?.status).toBe('ok');
    expect(Object.keys(JSON.parse((await get(`${PROXY}/health/detailed`)).body) as object)).toEqual([
      'status',
    ]);
  });

  it('switches blue/green under load with zero failed requests', async () => {
    const load = startLoad(PROXY, 4, 90);
    await new Promise((r) => setTimeout(r, 1500));
    const started = Date.now();
    const { main } = await runAction('ssh-deploy', deployInputs('v2', images.v2!), githubEnv());
    const deploySeconds = (Date.now() - started) / 1000;
    await new Promise((r) => setTimeout(r, 1500));
    const report = await load.stop();
    figures.push(
      `switch v1->v2: deploy ${deploySeconds.toFixed(1)} s; ${report.requests} requests in ${report.seconds.toFixed(1)} s, ${report.non2xx} non-2xx, ${report.errors} socket errors`,
    );
    expect(main.status, main.stdout).toBe(0);
    expect(main.outputs).toEqual({ 'release-id': 'v2', 'previous-release-id': 'v1' });
    expect(report.samples).toEqual([]);
    expect(report.non2xx + report.errors).toBe(0);
    expect(report.requests).toBeGreaterThan(100);
    expect(await liveDigest()).toBe(images.v2);
    const s = status();
    // v1 stays up in blue, out of rotation: the standby a rollback switches back to without a start.
    expect(s.slots.map((slot) => [slot.state, slot.release, slot.rotation])).toEqual([
      ['running', 'v1', 'out'],
      ['running', 'v2', 'in'],
    ]);
    expect(s.standby).toEqual({ slot: 'blue', release: 'v1' });
  });

  it('refuses a release that never becomes healthy: the old one keeps serving, the action fails with the health output', async () => {
    const load = startLoad(PROXY, 4, 90);
    const { main } = await runAction(
      'ssh-deploy',
      deployInputs('broken-1', images.broken!, { 'health-timeout-seconds': '40' }),
      githubEnv(),
    );
    const report = await load.stop();
    figures.push(
      `refused unhealthy release: ${report.requests} requests, ${report.non2xx} non-2xx, ${report.errors} socket errors`,
    );
    expect(main.status).toBe(1);
    expect(main.stdout).toContain(
      `::error::Deploy of broken-1 to ${vps().host} failed: release broken-1 never became healthy in slot blue`,
    );
    expect(main.stdout).toContain('boot failed: configuration broken on purpose');
    expect(main.summary).toContain('### Deploy failed: broken-1');
    expect(main.summary).toContain('boot failed');
    expect(github.statuses.at(-1)).toMatchObject({ state: 'failure' });
    expect(report.non2xx + report.errors).toBe(0);
    expect(await liveDigest()).toBe(images.v2);
    expect(listing().ledger.at(-1)).toMatchObject({ release: 'broken-1', result: 'failed', previous: 'v2' });
    expect(status().slots.find((s) => s.slot === 'blue')?.state).toBe('empty');
  });
});

describe('the deploy lock', () => {
  it('makes a second deploy fail naming the holder; killing the first ssh client releases the lock', async () => {
    const first = startAction('ssh-deploy', deployInputs('v3', images.v3!));
    await until('the first deploy to hold the lock', 60_000, () => status().lock.held);
    const { main: second } = await runAction(
      'ssh-deploy',
      deployInputs('v3', images.v3!, { 'lock-timeout-seconds': '1' }),
    );
    expect(second.status).toBe(1);
    expect(second.stdout).toMatch(
      /::error::Deploy of v3 .* failed: deploy lock held by \{"command":"deploy","release":"v3","actor":"[^"]+","pid":\d+/,
    );
    const killedAt = Date.now();
    for (const pid of sshChildren(first.child.pid!)) process.kill(pid, 'SIGKILL');
    await first.done;
    await until('the lock to be released', 20_000, () => !status().lock.held);
    figures.push(
      `lock released ${((Date.now() - killedAt) / 1000).toFixed(1)} s after the ssh client was killed`,
    );
    expect((await get(`${PROXY}/health`)).status).toBe(200);
  });

  it('the next deploy recovers without manual cleanup and the ledger says what happened', async () => {
    const { main } = await runAction('ssh-deploy', deployInputs('v3', images.v3!));
    expect(main.status, main.stdout).toBe(0);
    expect(await liveDigest()).toBe(images.v3);
    const v3 = listing()
      .ledger.filter((e) => e.release === 'v3')
      .map((e) => e.result);
    expect(v3).toEqual(['interrupted', 'succeeded']);
  });
});

describe('interruptions', () => {
  const current = () => mustOnVps(`cat ${APP_DIR}/state/current`).trim();
  const points: [string, (release: string) => boolean][] = [
    [
      'before the new slot starts',
      (release) =>
        listing().ledger.some((e) => e.release === release && e.result === 'started') &&
        !status().slots.some((s) => s.release === release),
    ],
    [
      // A cheap probe: the window (health check, then a 1 s settle) is a few seconds.
      'while the new slot starts',
      (release) =>
        mustOnVps(`docker ps -q --filter label=org.slipway.release=${release}`).trim() !== '' &&
        current() !== release,
    ],
    // The old slot is parked as the standby, not stopped: after state/current only two small writes and the
    // ledger line remain, so the kill may land before or after the deploy recorded its result.
    ['after the switch', (release) => current() === release],
  ];
  const outcomes: Record<string, string[][]> = {
    'after the switch': [
      ['interrupted', 'succeeded'],
      ['succeeded', 'succeeded'],
    ],
  };
  it.each(points.map(([name], n) => [name, n] as const))(
    'killing the ssh client %s leaves a release serving, and the next deploy succeeds',
    async (point, n) => {
      const release = `v4-${n}`;
      const load = startLoad(PROXY, 2, 120);
      const action = startAction('ssh-deploy', deployInputs(release, images.v4!));
      await until(`the point "${point}"`, 90_000, () => {
        try {
          return points[n]![1](release);
        } catch {
          return false;
        }
      });
      for (const pid of sshChildren(action.child.pid!)) process.kill(pid, 'SIGKILL');
      const killed = await action.done;
      expect(killed.status).toBe(1);
      await until('the lock to be released', 20_000, () => !status().lock.held);
      expect((await get(`${PROXY}/health`)).status).toBe(200);
      const { main } = await runAction('ssh-deploy', deployInputs(release, images.v4!));
      const report = await load.stop();
      figures.push(
        `killed ${point}: ${report.requests} requests, ${report.non2xx} non-2xx, ${report.errors} socket errors`,
      );
      expect(main.status, main.stdout).toBe(0);
      expect(report.samples).toEqual([]);
      expect(report.non2xx + report.errors).toBe(0);
      expect(status().slots.filter((s) => s.rotation === 'in')).toMatchObject([{ release }]);
      const results = listing()
        .ledger.filter((e) => e.release === release)
        .map((e) => e.result);
      expect(outcomes[point] ?? [['interrupted', 'succeeded']]).toContainEqual(results);
    },
  );

  it('killing the engine process itself (not the client) also releases the lock', async () => {
    const action = startAction('ssh-deploy', deployInputs('v4-engine', images.v4!));
    await until('the lock', 60_000, () => status().lock.held);
    const pid = Number(status().lock.holder?.pid);
    expect(pid).toBeGreaterThan(1);
    mustOnVps(`kill -9 ${pid}`);
    await until('the lock to be released', 20_000, () => !status().lock.held);
    expect((await action.done).status).toBe(1);
    expect((await get(`${PROXY}/health`)).status).toBe(200);
  });
});

describe('rollback', () => {
  it('re-activates a retained release with the image ref unreachable (the VPS logged out of the registry)', async () => {
    const before = listing();
    for (const r of before.releases) {
      expect(onVps(`docker image inspect ${r.images.api} >/dev/null`).status, r.id).toBe(0);
    }
    mustOnVps(`docker logout ${images.v1!.split('/')[0]}`);
    try {
      const pullsBefore = registryRequestsFromVps();
      const started = Date.now();
      const { main, post } = await runAction(
        'rollback',
        { ...connectionInputs(), to: 'v3', list: 'false', 'github-token': 'ghs_test_token_not_secret' },
        githubEnv(),
      );
      figures.push(
        `rollback to a retained release, no registry access: ${((Date.now() - started) / 1000).toFixed(1)} s`,
      );
      expect(main.status, main.stdout).toBe(0);
      expect(main.outputs).toEqual({ 'release-id': 'v3', 'rolled-back-from': before.current });
      expect(registryRequestsFromVps()).toBe(pullsBefore);
      expect(await liveDigest()).toBe(images.v3);
      expect(main.summary).toContain('### Rollback succeeded: v3');
      expect(main.summary).toContain('any can be chosen as `to`');
      expect(main.summary).toMatch(/\| live \| v3 \|/);
      expect(github.deployments.at(-1)).toMatchObject({ payload: { rollback: true, to: 'v3' } });
      expect(post.status).toBe(0);
      expect(fs.existsSync(main.state['slipway-ssh-dir']!)).toBe(false);
    } finally {
      loginVps();
    }
  });

  it('from the VPS shell (GitHub down): slipway rollback --to, list and unlock-info', async () => {
    const target = listing()
      .ledger.filter((e) => e.kind === 'deploy' && e.result === 'succeeded')
      .at(-1)!.release;
    // A ledger line cut short (a full disk, a crash mid-write) must not break rollback --to previous, the
    // recovery it runs, or list; the next entries start on a line of their own.
    mustOnVps(`printf '{"op":"cut-short","kind":"depl' >> ${APP_DIR}/ledger.jsonl`);
    const cutAt = mustOnVps(`wc -l < ${APP_DIR}/ledger.jsonl`).trim();
    const r = engine('rollback');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain(`ledger.jsonl: skipped line(s) ${Number(cutAt) + 1}: not a ledger entry`);
    const lines = mustOnVps(`cat ${APP_DIR}/ledger.jsonl`).trimEnd().split('\n');
    expect(lines.filter((l) => l.startsWith('{"op":"cut-short"'))).toEqual([
      '{"op":"cut-short","kind":"depl',
    ]);
    expect(lines.filter((l) => !l.startsWith('{"op":"cut-short"')).every((l) => JSON.parse(l))).toBe(true);
    expect(resultOf(r.stdout)).toMatchObject({
      ok: true,
      command: 'rollback',
      release: target,
      previous: 'v3',
    });
    const text = mustOnVps(`${APP_DIR}/bin/slipway list`);
    expect(text).toMatch(new RegExp(`Live release: ${target}`));
    expect(text).toMatch(/STARTED\s+KIND\s+RELEASE\s+RESULT/);
    expect(text).toMatch(/rollback\s+v3\s+succeeded/);
    expect(mustOnVps(`${APP_DIR}/bin/slipway unlock-info`)).toContain('The deploy lock is free.');
  });

  it('lists the ledger and the releases that can be chosen without changing anything', async () => {
    const live = listing().current;
    const { main } = await runAction('rollback', { ...connectionInputs(), to: 'previous', list: 'true' });
    expect(main.status, main.stdout).toBe(0);
    expect(main.outputs['release-id']).toBe(live);
    expect(main.summary).toContain(`#### Live release: ${live}`);
    expect(listing().current).toBe(live);
  });
});

describe('validation', () => {
  it.each([
    ["deploy 'v1;touch /tmp/slipway-pwned'", /release id 'v1;touch \/tmp\/slipway-pwned' is invalid/],
    [
      "rollback --to '$(touch /tmp/slipway-pwned)'",
      /release id '\$\(touch \/tmp\/slipway-pwned\)' is invalid/,
    ],
    ["deploy v1 --keep '1;touch /tmp/slipway-pwned'", /--keep: expected an integer from 1 to 50/],
    ["--app-dir '/srv/slipway/../../tmp' list", /app dir .* is invalid/],
    ["rollback --actor 'x`touch /tmp/slipway-pwned`'", /--actor: .* is not allowed/],
    ['deploy ../../etc', /release id '..\/..\/etc' is invalid/],
    ['rollback --keep 080', /--keep: expected an integer from 1 to 50, got '080'/],
    ['rollback --to', /--to needs a value/],
    ['--app-dir', /--app-dir needs a value/],
  ])('the engine refuses %s', (args, message) => {
    const r = onVps(`${APP_DIR}/bin/slipway ${args}; echo "exit=$?"; ls /tmp/slipway-pwned 2>&1 || true`);
    expect(r.stdout).toContain('exit=1');
    expect(r.stderr).toMatch(message);
    expect(resultOf(r.stdout)).toMatchObject({ ok: false });
    expect(r.stdout).toContain('No such file');
  });

  it('receive refuses an images.json with anything but name@sha256 refs', () => {
    const dir = `${APP_DIR}/.incoming/evil`;
    const evil = JSON.stringify({ api: `${images.v1};touch /tmp/slipway-pwned` });
    const r = onVps(
      `mkdir -p ${dir} && cp "$(ls -d ${APP_DIR}/releases/*/ | head -n1)compose.yaml" ${dir}/ && cat > ${dir}/images.json && ${APP_DIR}/bin/slipway receive ${dir} evil`,
      evil,
    );
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/is not an image pinned by digest/);
    expect(onVps(`test -e ${APP_DIR}/releases/evil`).status).toBe(1);
  });

  it('ssh-deploy refuses an image that is not pinned by digest before connecting', async () => {
    const { main } = await runAction('ssh-deploy', deployInputs('v9', 'ghcr.io/acme/api:latest'));
    expect(main.status).toBe(1);
    expect(main.stdout).toContain("::error::Input 'images': image for 'api' must be pinned by digest");
  });
});

describe('retention', () => {
  it('keeps --keep releases and the images they use, and removes the rest with their images', async () => {
    const { main } = await runAction(
      'ssh-deploy',
      deployInputs('v2-again', images.v2!, { 'keep-releases': '2' }),
    );
    expect(main.status, main.stdout).toBe(0);
    const after = listing();
    const standby = status().standby?.release;
    // The newest two, and the standby (the release that was live before) for a fast rollback.
    expect(after.releases.map((r) => r.id).filter((id) => id !== standby)).toHaveLength(2);
    expect(after.releases[0]).toMatchObject({ id: 'v2-again', live: true });
    const kept = new Set(after.releases.map((r) => r.images.api));
    for (const [name, ref] of Object.entries(images)) {
      const present = onVps(`docker image inspect ${ref} >/dev/null 2>&1`).status === 0;
      // No infra service runs a release image (chroma is an upstream image), so v1 goes like the others.
      expect(present, `${name} ${ref}`).toBe(kept.has(ref!));
    }
  });
});
