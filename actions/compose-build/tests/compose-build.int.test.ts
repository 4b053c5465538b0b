/**
 * compose-build for real: the committed bundle builds a two-service fixture on the sandbox's Docker engine,
 * rebuilds it from cache, refuses an invalid compose file before building, and pushes to the sandbox registry
 * with digest-pinned references. With a cache-exporting builder (SLIPWAY_BUILDX_BUILDER, a buildx builder
 * whose driver is not `docker`) it also round-trips the local cache directory; without one that part is skipped:
 * such a builder runs BuildKit from the moby/buildkit image, which cannot be pulled on the sandbox machines (no
 * registry of upstream images is reachable), so `make test` there runs with the engine's docker-driver builder,
 * which cannot export a cache (the first describe block checks that compose-build says so).
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot, run } from '../../../tests/sandbox/sandbox-env.js';
import { type ActionRun, runMain } from '../../../tests/support/action-runner.js';

const fixture = 'actions/compose-build/tests/fixtures/two-services/compose.yaml';
const invalid = 'actions/compose-build/tests/fixtures/invalid/compose.yaml';
const nonce = randomBytes(4).toString('hex');
const prefix = `slipway-test/compose-build-${nonce}`;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'compose-build-int-'));
const figures: string[] = [];

let runs = 0;
/** The bundle through the one runner harness; stdout carries stderr too, for the failure messages. */
async function runAction(inputs: Record<string, string>, env: NodeJS.ProcessEnv = {}): Promise<ActionRun> {
  runs += 1;
  const dir = path.join(tmp, `step-${runs}`);
  fs.mkdirSync(dir);
  const r = await runMain('compose-build', inputs, { runnerTemp: dir, timeoutMs: 600_000, env });
  return { ...r, stdout: r.stdout + r.stderr };
}

/** `cached/total` per service from the summary table. */
function cachedSteps(summary: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of summary.matchAll(/^\| ([\w.-]+) \| `[^`]+` \| [^|]+ \| (\d+\/\d+|no steps seen) \|/gm))
    out[m[1]!] = m[2]!;
  return out;
}

const allCached = (steps: Record<string, string>) =>
  Object.values(steps).every((s) => /^(\d+)\/\1$/.test(s) && s !== '0/0');

function expectOk(r: ActionRun): void {
  expect(r.status, r.stdout.slice(-3000)).toBe(0);
  expect(r.stdout).not.toContain('::error::');
}

const defaultBuilder = { BUILDX_BUILDER: 'default' };

describe('compose-build on the engine (docker driver)', () => {
  const inputs = {
    'compose-file': fixture,
    'image-prefix': prefix,
    tag: 'engine',
    cache: 'local',
    'build-args': `NONCE=${nonce}\nGREETING=hi, there`,
  };

  it('builds both services, then rebuilds them entirely from the engine cache', async () => {
    const cold = await runAction(inputs, defaultBuilder);
    expectOk(cold);
    expect(JSON.parse(cold.outputs.images!)).toEqual({
      api: `${prefix}/api:engine`,
      worker: `${prefix}/worker:engine`,
    });
    for (const image of [`${prefix}/api:engine`, `${prefix}/worker:engine`]) {
      expect(run('docker', ['image', 'inspect', image]).status, image).toBe(0);
    }
    expect(run('docker', ['run', '--rm', `${prefix}/api:engine`]).stdout).toContain(
      `${nonce} hi, there from api`,
    );
    expect(cold.stdout).toMatch(/::notice::cache: local: builder 'default' uses the docker driver/);
    expect(cold.summary).toContain("the engine's own build cache only");
    expect(allCached(cachedSteps(cold.summary))).toBe(false);

    const warm = await runAction(inputs, defaultBuilder);
    expectOk(warm);
    const steps = cachedSteps(warm.summary);
    expect(steps).toEqual({ api: '3/3', worker: '2/2' });
    figures.push(
      `fixture, docker driver: cold ${cold.outputs['build-seconds']} s, warm ${warm.outputs['build-seconds']} s`,
    );
  });

  it('fails cache: gha on the docker driver before building, naming docker/setup-buildx-action', async () => {
    const r = await runAction({ ...inputs, cache: 'gha' }, defaultBuilder);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(
      /::error::Input 'cache': 'gha' needs a builder that can export cache.*docker\/setup-buildx-action/,
    );
    expect(r.stdout).not.toContain('buildx bake');
  });

  it('fails an invalid compose file before building, with compose’s own message naming the file', async () => {
    const r = await runAction({ ...inputs, 'compose-file': invalid }, defaultBuilder);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(
      /::error::Compose file actions\/compose-build\/tests\/fixtures\/invalid\/compose\.yaml does not validate: validating \S*invalid\/compose\.yaml: services\.api Additional property bogus is not allowed/,
    );
    expect(r.stdout).not.toContain('buildx bake');
    expect(r.outputs).toEqual({});
  });
});

describe('compose-build pushing to the sandbox registry', () => {
  const registry = () => process.env.SLIPWAY_REGISTRY ?? '127.0.0.1:5000';

  beforeAll(() => {
    const login = run(
      'docker',
      ['login', '--username', process.env.SLIPWAY_REGISTRY_USER ?? '', '--password-stdin', registry()],
      { input: fs.readFileSync(process.env.SLIPWAY_REGISTRY_PASSWORD_FILE ?? '', 'utf8') },
    );
    expect(login.status, login.stderr).toBe(0);
  });

  it('pushes and returns references pinned by digest that pull by digest', async () => {
    const repo = `${registry()}/compose-build-test-${nonce}`;
    const r = await runAction(
      {
        'compose-file': fixture,
        'image-prefix': repo,
        tag: 'pushed',
        push: 'true',
        'build-args': `NONCE=${nonce}`,
      },
      defaultBuilder,
    );
    expectOk(r);
    const images = JSON.parse(r.outputs.images!) as Record<string, string>;
    expect(Object.keys(images).sort()).toEqual(['api', 'worker']);
    for (const [service, ref] of Object.entries(images)) {
      expect(ref).toMatch(new RegExp(`^${repo.replace(/\./g, '\\.')}/${service}@sha256:[0-9a-f]{64}$`));
      const pull = run('docker', ['pull', ref]);
      expect(pull.status, pull.stderr).toBe(0);
    }
    expect(r.summary).toContain('pushed; references are pinned by digest');
  });
});

const exportingBuilder = process.env.SLIPWAY_BUILDX_BUILDER ?? '';

describe.skipIf(!exportingBuilder)(
  `compose-build with a cache-exporting builder (${exportingBuilder})`,
  () => {
    const cacheDir = `.cache/compose-build-test-${nonce}`;
    afterAll(() => fs.rmSync(path.join(repoRoot, cacheDir), { recursive: true, force: true }));

    it('exports one local cache per service and rebuilds from it after the builder forgets everything', async () => {
      const inputs = {
        'compose-file': fixture,
        'image-prefix': prefix,
        tag: 'remote',
        cache: 'local',
        'cache-dir': cacheDir,
        'build-args': `NONCE=${nonce}-remote`,
      };
      const env = { BUILDX_BUILDER: exportingBuilder };
      const cold = await runAction(inputs, env);
      expectOk(cold);
      expect(cold.stdout).not.toContain('::notice::');
      for (const s of ['api', 'worker']) {
        expect(fs.existsSync(path.join(repoRoot, cacheDir, s, 'index.json')), s).toBe(true);
        expect(fs.existsSync(path.join(repoRoot, cacheDir, `${s}-new`)), `${s}-new swapped in`).toBe(false);
      }
      expect(
        run('docker', ['buildx', 'prune', '--builder', exportingBuilder, '--all', '--force']).status,
      ).toBe(0);
      const warm = await runAction(inputs, env);
      expectOk(warm);
      expect(cachedSteps(warm.summary)).toEqual({ api: '3/3', worker: '2/2' });
      expect(run('docker', ['image', 'inspect', `${prefix}/api:remote`]).status).toBe(0);
      figures.push(
        `fixture, ${exportingBuilder} builder, local cache dir (builder pruned between runs): cold ${cold.outputs['build-seconds']} s, warm ${warm.outputs['build-seconds']} s`,
      );
    });
  },
);

// The reference service's image runs `npm ci` with the build on the host network (compose's
// `build.network: host`); the sandbox's node look-alike trusts the host's CAs, so this works offline of Docker Hub.
describe('compose-build on the reference service', () => {
  it('builds docker/compose.yaml cold, then warm from cache', async () => {
    const inputs = {
      'compose-file': 'docker/compose.yaml',
      'image-prefix': `${prefix}/reference`,
      tag: 'ci',
      'build-args': `GIT_SHA=${nonce}`,
    };
    const cold = await runAction(inputs, defaultBuilder);
    expectOk(cold);
    const images = JSON.parse(cold.outputs.images!) as Record<string, string>;
    expect(images.api).toBe(`${prefix}/reference/api:ci`);
    const warm = await runAction(inputs, defaultBuilder);
    expectOk(warm);
    expect(allCached(cachedSteps(warm.summary)), warm.summary).toBe(true);
    figures.push(
      `reference service (docker/compose.yaml, docker driver): cold ${cold.outputs['build-seconds']} s, warm ${warm.outputs['build-seconds']} s`,
    );
  });
});

afterAll(() => {
  // Build times are figures to read, not assertions: they depend on the machine.
  for (const f of figures) console.log(`compose-build timing: ${f}`);
  const images = run('docker', ['images', '--format', '{{.Repository}}:{{.Tag}}'])
    .stdout.split('\n')
    .filter((i) => i.includes(`compose-build-${nonce}`) || i.includes(`compose-build-test-${nonce}`));
  if (images.length > 0) run('docker', ['image', 'rm', '--force', ...images]);
  fs.rmSync(tmp, { recursive: true, force: true });
});
