// ghcr-push end to end: the committed bundle against the sandbox registry on the hosts' address (10.201.0.1:5000),
// where the engine really verifies TLS (CA in /etc/docker/certs.d) and the registry really checks the password.
// The pushed image is pulled by digest on the VPS's engine (host vps1, through its console), as a deploy would.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run, sandboxVar, vpsDocker } from '../../../tests/sandbox/sandbox-env.js';
import { type ActionRun, startAction } from '../../../tests/support/action-runner.js';

const registry = sandboxVar('SLIPWAY_VPS_REGISTRY');
const user = sandboxVar('SLIPWAY_REGISTRY_USER');
const password = fs.readFileSync(sandboxVar('SLIPWAY_REGISTRY_PASSWORD_FILE'), 'utf8').trim();

const id = randomBytes(4).toString('hex');
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'ghcr-push-int-'));
const localImage = `ghcr-push-test/api:${id}`;
const repository = `ghcr-push-test/run-${id}`;
const COMMIT_DATE = '2024-03-01T01:30:05+02:00'; // 2024-02-29 23:30:05 UTC
let workspace = '';
let sha = '';

type BundleRun = ActionRun & { home: string };

/**
 * The bundle through the one runner harness (asynchronously, so a registry stand-in served from this process
 * can answer), each step with its own HOME; `state` set means the post step.
 */
async function runBundle(inputs: Record<string, string>, state?: Record<string, string>): Promise<BundleRun> {
  const dir = fs.mkdtempSync(path.join(scratch, 'step-'));
  const home = path.join(dir, 'home');
  fs.mkdirSync(home);
  const run = await startAction('ghcr-push', inputs, {
    workspace,
    runnerTemp: dir,
    timeoutMs: 240_000,
    ...(state ? { state } : {}),
    env: {
      HOME: home,
      GITHUB_SHA: sha,
      GITHUB_REPOSITORY: 'Slipway-Test/Shop',
      GITHUB_SERVER_URL: 'https://github.com',
    },
  }).done;
  return { ...run, home };
}

const inputs = (over: Record<string, string> = {}) => ({
  registry,
  repository,
  images: JSON.stringify({ api: localImage }),
  username: user,
  password,
  'extra-tags': 'it-latest',
  ...over,
});

/** Everything the action printed or wrote, except the runner's own `::add-mask::` command (which must carry it). */
function visible(r: BundleRun): string {
  const stdout = r.stdout
    .split('\n')
    .filter((l) => !l.startsWith('::add-mask::'))
    .join('\n');
  return [stdout, r.stderr, JSON.stringify(r.outputs), r.summary].join('\n');
}

beforeAll(() => {
  const built = run('docker', ['build', '-q', '-t', localImage, '-'], {
    input: `FROM debian:bookworm-slim\nLABEL org.slipway.probe=${id}\n`,
  });
  expect(built.status, built.stderr).toBe(0);
  workspace = path.join(scratch, 'repo');
  fs.mkdirSync(workspace);
  const git = (...args: string[]) =>
    run('git', ['-C', workspace, '-c', 'user.name=t', '-c', 'user.email=t@example.invalid', ...args], {
      env: { ...process.env, GIT_COMMITTER_DATE: COMMIT_DATE, GIT_AUTHOR_DATE: '2020-01-01T00:00:00Z' },
    });
  expect(git('init', '-q').status).toBe(0);
  expect(git('commit', '-q', '--allow-empty', '-m', 'known date').status).toBe(0);
  sha = git('rev-parse', 'HEAD').stdout.trim();
});

afterAll(() => {
  const refs = run('docker', ['image', 'ls', '--format', '{{.Repository}}:{{.Tag}}']).stdout.split('\n');
  const ours = refs.filter((r) => r.includes(repository) || r === localImage);
  if (ours.length) run('docker', ['rmi', '-f', ...ours]);
  fs.rmSync(scratch, { recursive: true, force: true });
});

describe('ghcr-push bundle against the sandbox registry (TLS + auth)', () => {
  let first: BundleRun;
  const tag = () => `20240229233005-${sha.slice(0, 7)}`;

  it('pushes every tag, outputs the commit-date tag and verified digests, writes the summary', async () => {
    first = await runBundle(inputs());
    expect(first.status, first.stdout + first.stderr).toBe(0);
    expect(first.outputs.tag).toBe(tag());
    const digests = JSON.parse(first.outputs.digests!) as Record<string, string>;
    expect(Object.keys(digests)).toEqual(['api']);
    expect(digests.api).toMatch(new RegExp(`^${registry}/${repository}/api@sha256:[0-9a-f]{64}$`));
    expect(first.summary).toContain(
      `| api | \`${tag()}\` \`sha-${sha.slice(0, 7)}\` \`it-latest\` | \`${digests.api}\` |`,
    );
  });

  it('never shows the password (only the runner mask command carries it)', async () => {
    expect(first.stdout).toContain(`::add-mask::${password}`);
    expect(visible(first)).not.toContain(password);
  });

  it('keeps credentials in a private DOCKER_CONFIG, not in ~/.docker', async () => {
    const dir = first.state['docker-config']!;
    expect(path.basename(dir)).toMatch(/^slipway-ghcr-push-/);
    const config = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')) as { auths: object };
    expect(Object.keys(config.auths)).toEqual([registry]);
    expect((fs.statSync(dir).mode & 0o777).toString(8)).toBe('700');
    expect(fs.existsSync(path.join(first.home, '.docker', 'config.json'))).toBe(false);
  });

  it('the VPS pulls the image by digest, every tag resolves to it, and it carries the OCI labels', async () => {
    const digestRef = (JSON.parse(first.outputs.digests!) as Record<string, string>).api!;
    const vps = vpsDocker();
    expect(vps(['login', registry, '-u', user, '--password-stdin'], password).status).toBe(0);
    const pulled = vps(['pull', digestRef]);
    expect(pulled.status, pulled.stderr).toBe(0);
    const labels = JSON.parse(
      vps(['image', 'inspect', '--format', '{{json .Config.Labels}}', digestRef]).stdout,
    ) as Record<string, string>;
    expect(labels).toMatchObject({
      'org.opencontainers.image.source': 'https://github.com/Slipway-Test/Shop',
      'org.opencontainers.image.revision': sha,
      'org.opencontainers.image.created': '2024-02-29T23:30:05Z',
      'org.opencontainers.image.version': tag(),
      'org.slipway.probe': id,
    });
    const digest = digestRef.split('@')[1]!;
    for (const t of [tag(), `sha-${sha.slice(0, 7)}`, 'it-latest']) {
      const byTag = vps(['pull', `${registry}/${repository}/api:${t}`]);
      expect(byTag.stdout, t).toContain(`Digest: ${digest}`);
    }
    vps([
      'rmi',
      '-f',
      digestRef,
      ...[tag(), 'it-latest', `sha-${sha.slice(0, 7)}`].map((t) => `${registry}/${repository}/api:${t}`),
    ]);
  });

  it('the post step logs out and deletes the private config directory', async () => {
    const dir = first.state['docker-config']!;
    const post = await runBundle(inputs(), first.state);
    expect(post.status, post.stdout + post.stderr).toBe(0);
    expect(post.stdout).toContain(`Logged out of ${registry}.`);
    expect(post.stdout).not.toContain('::warning::');
    expect(fs.existsSync(dir)).toBe(false);
  });

  it('a re-run of the same commit gives the same tag', async () => {
    const again = await runBundle(inputs());
    expect(again.status, again.stdout + again.stderr).toBe(0);
    expect(again.outputs.tag).toBe(first.outputs.tag);
    expect((await runBundle(inputs(), again.state)).status).toBe(0);
  });

  it('a wrong password fails with exit 1 and the credentials message, and post still cleans up', async () => {
    const wrong = `wrong-${randomBytes(6).toString('hex')}`;
    const r = await runBundle(inputs({ password: wrong }));
    expect(r.status).toBe(1);
    expect(r.stdout).toContain(
      `::error::ghcr-push: the registry ${registry} rejected the credentials (401 unauthorized). Check the \`username\` and \`password\` inputs`,
    );
    expect(visible(r)).not.toContain(wrong);
    const dir = r.state['docker-config']!;
    expect(fs.existsSync(dir)).toBe(true);
    expect((await runBundle(inputs(), r.state)).status).toBe(0);
    expect(fs.existsSync(dir)).toBe(false);
  });

  it('an unknown local image names the service and the image, before any login', async () => {
    const r = await runBundle(inputs({ images: JSON.stringify({ web: `ghcr-push-test/missing:${id}` }) }));
    expect(r.status).toBe(1);
    expect(r.stdout).toContain(
      `::error::ghcr-push: service 'web': the local image 'ghcr-push-test/missing:${id}' does not exist on this runner.`,
    );
    expect(r.state['docker-config']).toBeUndefined();
  });
});

// htpasswd auth is all-or-nothing, so the sandbox registry cannot hold a read-only user. A stand-in on
// loopback answers the upload with the 403 body ghcr.io sends a token without write access; the real docker
// engine then prints ghcr.io's own stderr line, and the bundle must classify it.
describe('ghcr-push against a registry that denies the push', () => {
  let server: http.Server;
  let port = 0;
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const headers = {
        'Content-Type': 'application/json',
        'Docker-Distribution-Api-Version': 'registry/2.0',
      };
      if (!req.headers.authorization) {
        res.writeHead(401, { ...headers, 'WWW-Authenticate': 'Basic realm="stand-in"' });
        res.end('{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}');
      } else if (req.url === '/v2/') {
        res.writeHead(200, headers);
        res.end('{}');
      } else {
        res.writeHead(403, headers);
        res.end('{"errors":[{"code":"DENIED","message":"permission_denied: write_package"}]}');
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('fails with exit 1 and the denied message, keeping the registry line', async () => {
    const r = await runBundle(inputs({ registry: `127.0.0.1:${port}`, password: 'stand-in-token' }));
    expect(r.status).toBe(1);
    expect(r.stdout).toContain(
      `::error::ghcr-push: the registry 127.0.0.1:${port} refused the push (denied). The user in \`username\` needs push (write) rights to 127.0.0.1:${port}/${repository}. (denied: permission_denied: write_package)`,
    );
    expect((await runBundle(inputs(), r.state)).status).toBe(0);
  });
});
