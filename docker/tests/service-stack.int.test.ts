// The service image and the production compose stack, for real: build with docker/service.Dockerfile, assert
// the hardening of every service in the rendered prod config, bring the stack up under a unique project name,
// and watch /health/detailed (through the proxy: status only; inside the network: the full report) follow
// PostgreSQL and ChromaDB going away and coming back.
import { execFileSync, type ExecFileSyncOptions, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sandboxConstant } from '../../tests/sandbox/sandbox-env.js';

const ROOT = resolve(import.meta.dirname, '..', '..');
const id = randomBytes(4).toString('hex');
const project = `slipway-it-${id}`;
const prefix = 'slipway-it';
const tag = id;
const image = `${prefix}/api:${tag}`;
const gitSha = 'f'.repeat(40);
const buildDate = '2026-01-02T03:04:05Z';
const composeFiles = ['-f', join(ROOT, 'docker/compose.yaml'), '-f', join(ROOT, 'docker/compose.prod.yaml')];

let secretsDir: string;
let proxyPort: number;
let env: NodeJS.ProcessEnv;

function run(argv: string[], options: ExecFileSyncOptions = {}): string {
  try {
    return execFileSync(argv[0]!, argv.slice(1), { cwd: ROOT, env, stdio: 'pipe', ...options }).toString();
  } catch (err) {
    const e = err as { stderr?: Buffer; stdout?: Buffer; message: string };
    const tail = `${e.stdout?.toString() ?? ''}${e.stderr?.toString() ?? ''}`
      .trim()
      .split('\n')
      .slice(-15)
      .join('\n');
    throw new Error(`${argv.slice(0, 6).join(' ')} failed:\n${tail || e.message}`);
  }
}

const compose = (...args: string[]): string =>
  run(['docker', 'compose', '-p', project, ...composeFiles, ...args]);

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolvePort(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** The `documents` collection as ChromaDB itself reports it, asked with the curl of its own image. */
function chromaCollection(): { count: number; space: string } {
  const api = 'http://127.0.0.1:8000/api/v2/tenants/default_tenant/databases/default_database/collections';
  const curl = (url: string) => compose('exec', '-T', 'chroma', 'curl', '-fsS', url);
  const collection = JSON.parse(curl(`${api}/documents`)) as {
    id: string;
    configuration_json: { hnsw?: { space?: string } };
  };
  return {
    count: Number(curl(`${api}/${collection.id}/count`)),
    space: collection.configuration_json.hnsw?.space ?? 'l2',
  };
}

const corpusSize = (): number =>
  (JSON.parse(readFileSync(join(ROOT, 'service/corpus/documents.json'), 'utf8')) as unknown[]).length;

async function detailed(): Promise<{
  status: number;
  body: { status?: string; checks?: { name: string; status: string; [key: string]: unknown }[] };
}> {
  const response = await fetch(`http://127.0.0.1:${proxyPort}/health/detailed`, {
    signal: AbortSignal.timeout(5000),
  });
  return { status: response.status, body: (await response.json().catch(() => ({}))) as never };
}

/** The full report, from the api's internal listener (INTERNAL_PORT 9464), which nothing publishes. */
function internalDetailed(): {
  status?: string;
  checks?: { name: string; status: string; [key: string]: unknown }[];
} {
  const fetchReport =
    "fetch('http://127.0.0.1:9464/health/detailed').then((r) => r.text()).then((t) => process.stdout.write(t))";
  return JSON.parse(compose('exec', '-T', 'api', 'node', '-e', fetchReport)) as never;
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
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${what} did not happen within ${timeoutMs} ms (last error: ${String(last)})`);
}

interface RenderedService {
  user?: string;
  healthcheck?: { test?: string[]; start_period?: string; disable?: boolean };
  deploy?: {
    resources?: { limits?: { cpus?: number; memory?: string }; reservations?: { memory?: string } };
  };
  restart?: string;
  logging?: { driver?: string; options?: Record<string, string> };
  security_opt?: string[];
  cap_drop?: string[];
  cap_add?: string[];
  read_only?: boolean;
  ports?: { host_ip?: string; target: number; published?: string }[];
  environment?: Record<string, string | null>;
  pull_policy?: string;
  image?: string;
  entrypoint?: string[];
  network_mode?: string;
  volumes?: { type: string; source?: string; target: string }[];
}

/** Hands the machine's CA bundle to the build when npm's TLS goes through an intercepting proxy. */
function npmCaSecret(): string[] {
  const candidates = [process.env.SLIPWAY_NPM_CA_FILE, process.env.NODE_EXTRA_CA_CERTS];
  try {
    candidates.push(execFileSync('npm', ['config', 'get', 'cafile'], { stdio: 'pipe' }).toString().trim());
  } catch {
    // npm without a cafile setting: the public registry's certificate chain is trusted as is.
  }
  const file = candidates.find((c) => c && c !== 'null' && c !== 'undefined' && existsSync(c));
  return file ? ['--secret', `id=npm_ca,src=${file}`] : [];
}

function render(files: string[], profiles = ''): { services: Record<string, RenderedService> } {
  return JSON.parse(
    run(['docker', 'compose', '-p', project, ...files, 'config', '--format', 'json'], {
      env: { ...env, COMPOSE_PROFILES: profiles },
    }),
  ) as { services: Record<string, RenderedService> };
}

beforeAll(async () => {
  secretsDir = mkdtempSync(join(tmpdir(), 'slipway-secrets-'));
  writeFileSync(join(secretsDir, 'db_password'), randomBytes(24).toString('base64url'));
  // Compose bind-mounts file secrets with host permissions; the containers' users must be able to read it.
  chmodSync(join(secretsDir, 'db_password'), 0o644);
  proxyPort = await freePort();
  env = {
    ...process.env,
    SLIPWAY_IMAGE_PREFIX: prefix,
    SLIPWAY_TAG: tag,
    SLIPWAY_SECRETS_DIR: secretsDir,
    SLIPWAY_PROXY_PORT: String(proxyPort),
    SLIPWAY_VERSION: '9.8.7',
    SLIPWAY_GIT_SHA: gitSha,
    SLIPWAY_BUILD_DATE: buildDate,
    COMPOSE_PROFILES: '',
  };
  run(['docker', 'info', '--format', '{{.ServerVersion}}']);
  run(
    [
      'docker',
      'build',
      '--network',
      'host',
      ...npmCaSecret(),
      '-f',
      'docker/service.Dockerfile',
      '--build-arg',
      'VERSION=9.8.7',
      '--build-arg',
      `GIT_SHA=${gitSha}`,
      '--build-arg',
      `BUILD_DATE=${buildDate}`,
      '-t',
      image,
      'service',
    ],
    { env: { ...env, DOCKER_BUILDKIT: '1' } },
  );
});

afterAll(() => {
  try {
    compose('--profile', 'tools', 'down', '--volumes', '--remove-orphans', '--timeout', '5');
  } finally {
    try {
      run(['docker', 'image', 'rm', '-f', image]);
    } finally {
      rmSync(secretsDir, { recursive: true, force: true });
    }
  }
});

describe('service image', () => {
  it('runs as the non-root node user with SIGTERM and a health check that starts no second Node', () => {
    const [config] = JSON.parse(run(['docker', 'image', 'inspect', image])) as {
      Config: {
        User: string;
        StopSignal: string;
        Healthcheck?: { Test: string[] };
        Labels: Record<string, string>;
      };
    }[];
    expect(config!.Config.User).toBe('1000:1000');
    expect(config!.Config.StopSignal).toBe('SIGTERM');
    expect(config!.Config.Healthcheck?.Test).toEqual(['CMD', 'http-probe', 'http://127.0.0.1:8080/health']);
    expect(run(['docker', 'run', '--rm', '--entrypoint', 'id', image, '-u']).trim()).toBe('1000');
    // The probe fails (exit 1, not 127) when nothing answers: it is installed and runs in the image.
    const probe = spawnSync('docker', [
      'run',
      '--rm',
      '--entrypoint',
      'http-probe',
      image,
      'http://127.0.0.1:9/',
    ]);
    expect(probe.status).toBe(1);
  });

  it('fills the OCI labels from the build arguments', () => {
    const labels = JSON.parse(
      run(['docker', 'image', 'inspect', '--format', '{{json .Config.Labels}}', image]),
    ) as Record<string, string>;
    expect(labels).toMatchObject({
      'org.opencontainers.image.revision': gitSha,
      'org.opencontainers.image.created': buildDate,
      'org.opencontainers.image.version': '9.8.7',
      'org.opencontainers.image.title': 'slipway-reference-service',
    });
    expect(labels['org.opencontainers.image.source']).toMatch(/^https:\/\//);
    expect(labels['org.opencontainers.image.description']).not.toBe('');
  });

  it('reports its build on /version through the CLI image', () => {
    const env = run([
      'docker',
      'run',
      '--rm',
      '--entrypoint',
      'node',
      image,
      '-e',
      'console.log(process.env.GIT_SHA)',
    ]);
    expect(env.trim()).toBe(gitSha);
  });
});

describe('rendered production config', () => {
  const services = () => render(composeFiles).services;
  const allowedPostgresCaps = ['CHOWN', 'FOWNER', 'SETGID', 'SETUID'];

  it('has the four long-running services and the one-shot chroma-init', () => {
    expect(Object.keys(services()).sort()).toEqual(['api', 'chroma', 'chroma-init', 'postgres', 'proxy']);
  });

  it('runs the upstream ChromaDB image the sandbox provides, its state in the chroma-data volume', () => {
    const { chroma, 'chroma-init': init } = services();
    expect(chroma!.image).toBe(sandboxConstant('CHROMA_IMAGE'));
    expect(init!.image).toBe(chroma!.image);
    for (const s of [chroma!, init!]) {
      expect(s.volumes?.map((v) => [v.type, v.source, v.target])).toEqual([
        ['volume', 'chroma-data', '/data'],
      ]);
    }
    expect(chroma!.healthcheck?.test).toEqual([
      'CMD',
      'curl',
      '-fsS',
      '-o',
      '/dev/null',
      'http://127.0.0.1:8000/api/v2/heartbeat',
    ]);
  });

  it('chroma-init is a one-shot chown: root with CHOWN only, read-only, no network, never restarted', () => {
    const init = services()['chroma-init']!;
    expect(init.entrypoint).toEqual(['chown', '-R', '1000:1000', '/data']);
    expect(init.user).toBe('0:0');
    expect(init.cap_drop).toEqual(['ALL']);
    expect(init.cap_add).toEqual(['CHOWN']);
    expect(init.security_opt).toContain('no-new-privileges:true');
    expect(init.read_only).toBe(true);
    expect(init.network_mode).toBe('none');
    expect(init.restart).toBe('no');
  });

  it.each(['api', 'chroma', 'postgres', 'proxy'])(
    '%s is limited, health-checked, restarted, rotated and hardened',
    (name) => {
      const s = services()[name]!;
      expect(s.healthcheck?.test?.length, 'healthcheck').toBeGreaterThan(0);
      expect(s.healthcheck?.start_period, 'start period').toMatch(/^\d+s$/);
      expect(s.deploy?.resources?.limits?.cpus, 'cpu limit').toBeGreaterThan(0);
      expect(Number(s.deploy?.resources?.limits?.memory), 'memory limit').toBeGreaterThan(0);
      expect(Number(s.deploy?.resources?.reservations?.memory), 'memory reservation').toBeGreaterThan(0);
      expect(s.restart).toBe('unless-stopped');
      expect(s.logging?.driver).toBe('json-file');
      expect(s.logging?.options).toMatchObject({
        'max-size': expect.any(String),
        'max-file': expect.any(String),
      });
      expect(s.security_opt).toContain('no-new-privileges:true');
      expect(s.cap_drop).toEqual(['ALL']);
      expect(s.read_only).toBe(true);
      expect(['missing', 'never']).toContain(s.pull_policy);
      if (name === 'postgres') {
        // The entrypoint must start as root to own a fresh volume; it drops to uid 999 (checked on the live stack).
        expect(s.user).toBeUndefined();
        expect(allowedPostgresCaps).toEqual(expect.arrayContaining(s.cap_add ?? []));
      } else {
        expect(s.user, 'user').toMatch(/^[1-9]\d*(:\d+)?$/);
        expect(s.cap_add ?? []).toEqual([]);
      }
    },
  );

  it('publishes only the proxy, on loopback, and no debug port', () => {
    const published = Object.entries(services()).flatMap(([name, s]) =>
      (s.ports ?? []).map((p) => ({ name, ...p })),
    );
    expect(published.map((p) => [p.name, p.host_ip, p.target])).toEqual([['proxy', '127.0.0.1', 8080]]);
  });

  it('passes passwords only as secret files', () => {
    for (const [name, s] of Object.entries(services())) {
      const keys = Object.keys(s.environment ?? {});
      expect(
        keys.filter((k) => /PASSWORD$/.test(k)),
        name,
      ).toEqual([]);
      for (const key of keys.filter((k) => /PASSWORD_FILE$/.test(k))) {
        expect(s.environment![key], `${name} ${key}`).toMatch(/^\/run\/secrets\//);
      }
    }
  });

  it('dev config binds everything, the debugger included, to loopback', () => {
    const dev = render(
      ['-f', join(ROOT, 'docker/compose.yaml'), '-f', join(ROOT, 'docker/compose.dev.yaml')],
      'db',
    ).services;
    const ports = Object.values(dev).flatMap((s) => s.ports ?? []);
    expect(ports.map((p) => p.target).sort()).toEqual([5432, 8000, 8080, 9229]);
    expect(ports.every((p) => p.host_ip === '127.0.0.1')).toBe(true);
  });
});

describe('production stack', () => {
  beforeAll(() => {
    compose('up', '--detach', '--no-build', '--wait', '--wait-timeout', '180');
  }, 240_000);

  it('is healthy through the proxy', async () => {
    const { status, body } = await until('/health/detailed ok', 30_000, async () => {
      const r = await detailed();
      return r.status === 200 && r.body.status === 'ok' ? r : undefined;
    });
    expect(status).toBe(200);
    expect(body).toEqual({ status: 'ok' });
    const checks = internalDetailed().checks;
    expect(checks?.map((c) => [c.name, c.status])).toEqual([
      ['database', 'ok'],
      ['chroma', 'ok'],
      ['disk', 'ok'],
    ]);
    expect(checks?.find((c) => c.name === 'chroma')).toMatchObject({
      required: false,
      latency_ms: expect.any(Number),
      detail: { url: 'http://chroma:8000', collection: 'documents' },
    });
  });

  it('runs every process as non-root, PostgreSQL included', () => {
    for (const name of ['api', 'chroma', 'postgres', 'proxy']) {
      const container = compose('ps', '-q', name).trim();
      const pid = run(['docker', 'inspect', '--format', '{{.State.Pid}}', container]).trim();
      const uid = /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
      expect(Number(uid), name).toBeGreaterThan(0);
    }
  });

  it('migrates, ingests and searches with the on-demand jobs', async () => {
    for (const job of ['migrate', 'scrape', 'embed'])
      compose('--profile', 'tools', 'run', '--rm', '--no-deps', job);
    const response = await fetch(`http://127.0.0.1:${proxyPort}/search?q=caddy%20health%20checks&k=3`);
    const body = (await response.json()) as { results: { id: string }[] };
    expect(response.status).toBe(200);
    expect(body.results.map((r) => r.id)).toContain('caddy-active-health-checks');
    expect(chromaCollection()).toEqual({ count: corpusSize(), space: 'cosine' });
  });

  it('degrades (200, full-text only) while ChromaDB is stopped, and keeps its vectors in the volume', async () => {
    compose('stop', 'chroma');
    const degraded = await until('degraded after stopping chroma', 15_000, async () => {
      const r = await detailed();
      return r.body.status === 'degraded' ? r : undefined;
    });
    expect(degraded.status).toBe(200);
    expect(degraded.body).toEqual({ status: 'degraded' });
    expect(internalDetailed().checks?.find((c) => c.name === 'chroma')?.status).toBe('down');
    const search = await fetch(`http://127.0.0.1:${proxyPort}/search?q=caddy`);
    expect(search.status).toBe(200);
    expect(((await search.json()) as { degraded: string[] }).degraded).toEqual(['vector']);

    // A new container on the same volume (chroma-init runs again first) serves the same collection.
    compose('up', '--detach', '--no-build', '--force-recreate', '--wait', '--wait-timeout', '60', 'chroma');
    await until('ok after recreating chroma', 30_000, async () => {
      const r = await detailed();
      return r.status === 200 && r.body.status === 'ok' ? r : undefined;
    });
    expect(chromaCollection()).toEqual({ count: corpusSize(), space: 'cosine' });
  });

  it('reports down (503) within the check timeout when PostgreSQL stops, and ok again after it starts', async () => {
    compose('stop', 'postgres');
    const down = await until('503 after stopping postgres', 15_000, async () => {
      const started = Date.now();
      const r = await detailed();
      return r.status === 503 ? { ...r, ms: Date.now() - started } : undefined;
    });
    expect(down.body).toEqual({ status: 'down' });
    expect(internalDetailed().checks?.find((c) => c.name === 'database')?.status).toBe('down');
    // HEALTH_CHECK_TIMEOUT_MS defaults to 1000; allow for the proxy hop.
    expect(down.ms).toBeLessThan(2500);

    compose('start', 'postgres');
    const ok = await until('ok after starting postgres', 90_000, async () => {
      const r = await detailed();
      return r.status === 200 && r.body.status === 'ok' ? r : undefined;
    });
    expect(ok.body.status).toBe('ok');
  });
});
