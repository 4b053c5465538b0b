// The registry standing in for ghcr.io: TLS from the sandbox CA and htpasswd auth, exercised from the VPS's
// engine (host vps1, through its console) at 10.201.0.1:5000: not loopback, so dockerd really verifies the
// certificate there. And the mirror standing in for Docker Hub: anonymous, read-only, upstream names.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { run, sandboxVar, vpsDocker } from './sandbox-env.js';

const registry = sandboxVar('SLIPWAY_REGISTRY');
const vpsRegistry = sandboxVar('SLIPWAY_VPS_REGISTRY');
const user = sandboxVar('SLIPWAY_REGISTRY_USER');
const passwordFile = sandboxVar('SLIPWAY_REGISTRY_PASSWORD_FILE');
const ca = sandboxVar('SLIPWAY_REGISTRY_CA');
const mirror = sandboxVar('SLIPWAY_REGISTRY_MIRROR');

const repo = `sandbox-test/probe-${randomBytes(4).toString('hex')}`;
const dirs: string[] = [];

/** A docker client with its own (initially empty) credential store. */
function dockerClient() {
  const config = mkdtempSync(path.join(tmpdir(), 'slipway-docker-config-'));
  dirs.push(config);
  const env = { ...process.env, DOCKER_CONFIG: config };
  return (args: string[], input?: string) => run('docker', args, { env, input });
}

/** Builds a tiny unique image (a label on the base image) so every run pushes a new manifest. */
function buildProbe(tag: string): void {
  const dockerfile = `FROM debian:bookworm-slim\nLABEL org.slipway.probe=${randomBytes(8).toString('hex')}\n`;
  const built = run('docker', ['build', '-q', '-t', tag, '-'], { input: dockerfile });
  expect(built.status, built.stderr).toBe(0);
}

afterAll(() => {
  run('docker', ['rmi', '-f', `${registry}/${repo}:v1`]);
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('sandbox registry', () => {
  it('serves TLS with the sandbox CA on both addresses and asks for credentials', () => {
    for (const address of [registry, vpsRegistry]) {
      const withCa = run('curl', [
        '-s',
        '-o',
        '/dev/null',
        '-w',
        '%{http_code}',
        '--cacert',
        ca,
        `https://${address}/v2/`,
      ]);
      expect(withCa.stdout).toBe('401');
      const withoutCa = run('curl', ['-s', '-o', '/dev/null', `https://${address}/v2/`]);
      expect(withoutCa.status, 'a client that does not trust the sandbox CA must fail').not.toBe(0);
    }
    const wrongPassword = run('curl', [
      '-s',
      '-o',
      '/dev/null',
      '-w',
      '%{http_code}',
      '--cacert',
      ca,
      '-u',
      `${user}:wrong`,
      `https://${vpsRegistry}/v2/_catalog`,
    ]);
    expect(wrongPassword.stdout).toBe('401');
  });

  it('refuses an unauthenticated push', () => {
    const tag = `${registry}/${repo}:v1`;
    buildProbe(tag);
    const push = dockerClient()(['push', tag]);
    expect(push.status).not.toBe(0);
    expect(push.stderr).toMatch(/no basic auth credentials|unauthorized/i);
  });

  it('accepts login + push on the host and an authenticated pull by digest on the VPS, and only then', () => {
    const password = readFileSync(passwordFile, 'utf8').trim();
    const tag = `${registry}/${repo}:v1`;
    const host = dockerClient();
    expect(host(['login', registry, '-u', user, '--password-stdin'], password).status).toBe(0);
    const push = host(['push', tag]);
    expect(push.status, push.stderr).toBe(0);
    const digest = /digest: (sha256:[0-9a-f]{64})/.exec(push.stdout)?.[1];
    expect(digest, push.stdout).toBeDefined();
    const ref = `${vpsRegistry}/${repo}@${digest}`;

    const anonymous = vpsDocker()(['pull', ref]);
    expect(anonymous.status, 'an anonymous pull must be refused').not.toBe(0);
    expect(anonymous.stderr).toMatch(/no basic auth credentials|unauthorized/i);

    const vps = vpsDocker();
    const login = vps(['login', vpsRegistry, '-u', user, '--password-stdin'], password);
    expect(login.status, login.stderr).toBe(0);
    const pull = vps(['pull', ref]);
    expect(pull.status, pull.stderr).toBe(0);
    const inspected = vps(['image', 'inspect', '--format', '{{join .RepoDigests " "}}', ref]);
    expect(inspected.stdout).toContain(digest);
    vps(['rmi', ref]);
  });

  it('mirrors the look-alike base images under their Docker Hub names, anonymously and read-only', () => {
    const vps = vpsDocker();
    const info = vps(['info', '--format', '{{json .RegistryConfig.Mirrors}}']);
    expect(JSON.parse(info.stdout) as string[]).toEqual([`${mirror}/`]);
    vps(['rmi', 'debian:bookworm-slim']);
    const pull = vps(['pull', 'debian:bookworm-slim']);
    expect(pull.status, pull.stderr).toBe(0);
    const local = run('docker', ['image', 'inspect', '-f', '{{.Id}}', 'debian:bookworm-slim']).stdout.trim();
    expect(vps(['image', 'inspect', '-f', '{{.Id}}', 'debian:bookworm-slim']).stdout.trim()).toBe(local);
    const readOnly = run('curl', [
      '-s',
      '-o',
      '/dev/null',
      '-w',
      '%{http_code}',
      '--cacert',
      ca,
      '-X',
      'POST',
      `${mirror}/v2/library/debian/blobs/uploads/`,
    ]);
    expect(readOnly.stdout, 'the mirror the hosts use must refuse uploads').toBe('405');
  });
});
