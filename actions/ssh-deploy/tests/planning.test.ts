import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { InputError, mapInputSource, toShellLine } from '../../toolkit/src/index.js';
import {
  deployCommand,
  failureMessage,
  installCommand,
  listCommand,
  parseListing,
  parseResult,
  rollbackCommand,
} from '../../toolkit/src/deploy/engine.js';
import { engineFiles } from '../src/engine-files.js';
import { getInputs } from '../src/inputs.js';
import {
  defaultReleaseId,
  engineDigest,
  packTar,
  releaseFiles,
  runFacts,
} from '../../toolkit/src/deploy/release.js';
import { deploySummary, ledgerSummary } from '../../toolkit/src/deploy/summary.js';

const digest = 'sha256:' + 'a'.repeat(64);
const examples = JSON.parse(
  fs.readFileSync(path.join(import.meta.dirname, 'example-inputs.json'), 'utf8'),
) as { valid: Record<string, string> };
const root = path.resolve(import.meta.dirname, '../../..');
const inputs = (over: Record<string, string>) => {
  const cwd = process.cwd();
  process.chdir(root);
  try {
    return getInputs(mapInputSource({ ...examples.valid, ...over }), new Date('2026-11-27T08:00:00Z'));
  } finally {
    process.chdir(cwd);
  }
};

describe('getInputs: the files it uploads', () => {
  const saved = process.env.GITHUB_WORKSPACE;
  afterEach(() => {
    if (saved === undefined) delete process.env.GITHUB_WORKSPACE;
    else process.env.GITHUB_WORKSPACE = saved;
  });
  const inWorkspace = (setup: (ws: string) => void, over: Record<string, string> = {}) => {
    const ws = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'ssh-deploy-ws-')));
    fs.mkdirSync(path.join(ws, 'docker', 'caddy'), { recursive: true });
    fs.writeFileSync(path.join(ws, 'docker', 'compose.release.yaml'), 'services: {}\n');
    fs.writeFileSync(path.join(ws, 'docker', 'caddy', 'Caddyfile.release'), ':8080\n');
    setup(ws);
    process.env.GITHUB_WORKSPACE = ws;
    try {
      return getInputs(mapInputSource({ ...examples.valid, ...over }));
    } finally {
      fs.rmSync(ws, { recursive: true, force: true });
    }
  };

  it('reads them inside the workspace', () => {
    const s = inWorkspace(() => undefined);
    expect(s.composeFile.name).toBe('docker/compose.release.yaml');
    expect(s.proxyConfig.name).toBe('docker/caddy/Caddyfile.release');
  });

  it.each([
    [
      'a compose file symlinked to /etc/passwd',
      (ws: string) => {
        fs.rmSync(path.join(ws, 'docker', 'compose.release.yaml'));
        fs.symlinkSync('/etc/passwd', path.join(ws, 'docker', 'compose.release.yaml'));
      },
      {},
      "Input 'compose-file': 'docker/compose.release.yaml' leads to '/etc/passwd' through a symlink, outside the workspace.",
    ],
    [
      'a proxy config in a folder symlinked out',
      (ws: string) => fs.symlinkSync('/etc', path.join(ws, 'etc')),
      { 'proxy-config': 'etc/passwd' },
      "Input 'proxy-config': 'etc/passwd' leads to '/etc/passwd' through a symlink, outside the workspace.",
    ],
    [
      'a missing compose file',
      () => undefined,
      { 'compose-file': 'docker/nope.yaml' },
      "Input 'compose-file': 'docker/nope.yaml' does not exist. Check the path, relative to the repository root.",
    ],
    [
      'a folder given as the proxy config',
      () => undefined,
      { 'proxy-config': 'docker/caddy' },
      "Input 'proxy-config': 'docker/caddy' is a directory; expected a file.",
    ],
  ])('refuses %s before connecting', (_label, setup, over, message) => {
    expect(() => inWorkspace(setup, over)).toThrow(message);
  });
});

describe('getInputs: images and release-id', () => {
  it.each([
    [{ images: `{"api":"10.200.0.1:5000/acme/api:v1.2.3@${digest}"}`, 'release-id': '' }, 'v1.2.3'],
    [{ images: `{"api":"ghcr.io/acme/api@${digest}"}`, 'release-id': '' }, '20261127080000'],
    [{ images: `{"api":"ghcr.io/acme/api:latest@${digest}"}`, 'release-id': 'r-7' }, 'r-7'],
  ])('%j -> release %s', (over, id) => {
    expect(inputs(over).releaseId).toBe(id);
  });

  it.each([
    [`{"api":"ghcr.io/acme/api:v1"}`, "image for 'api' must be pinned by digest"],
    [`{"web":"ghcr.io/acme/api@${digest}"}`, "must contain the 'api' service"],
    [
      `{"API;x":"ghcr.io/acme/api@${digest}"}`,
      "expected a service name (1-32 lower-case letters, digits and -, starting with a letter) as keys, got 'API;x'.",
    ],
    [`{"api":"ghcr.io/acme/api@${digest}","api_v2":"ghcr.io/acme/api@${digest}"}`, "got 'api_v2'"],
    [`{"api":"ghcr.io/acme/api@${digest} ; reboot"}`, 'must be pinned by digest'],
  ])('refuses images %s', (images, message) => {
    expect(() => inputs({ images })).toThrow(InputError);
    expect(() => inputs({ images })).toThrow(message);
  });
});

describe('defaultReleaseId', () => {
  it.each([
    [{ api: `r.example/a/api:2026.11.27-abc@${digest}` }, '2026.11.27-abc'],
    [{ api: `localhost:5000/api@${digest}` }, '20260102030405'],
    [{ api: `r.example/api:${'x'.repeat(80)}@${digest}` }, '20260102030405'],
  ])('%j -> %s', (images, id) => {
    expect(defaultReleaseId(images, new Date('2026-01-02T03:04:05.678Z'))).toBe(id);
  });
});

describe('runFacts', () => {
  it.each([
    [
      {
        GITHUB_SHA: 'f'.repeat(40),
        GITHUB_ACTOR: 'octo-cat',
        GITHUB_REPOSITORY: 'acme/shop',
        GITHUB_RUN_ID: '42',
        GITHUB_SERVER_URL: 'https://github.com',
      },
      { gitSha: 'f'.repeat(40), actor: 'octo-cat', runUrl: 'https://github.com/acme/shop/actions/runs/42' },
    ],
    [{}, { gitSha: 'unknown', actor: 'unknown', runUrl: '' }],
    [{ GITHUB_ACTOR: 'dependabot[bot]' }, { gitSha: 'unknown', actor: 'dependabot[bot]', runUrl: '' }],
    [
      { GITHUB_SHA: '$(reboot)', GITHUB_ACTOR: 'a;b' },
      { gitSha: 'unknown', actor: 'unknown', runUrl: '' },
    ],
  ])('%j', (env, expected) => {
    expect(runFacts(env, new Date('2026-01-02T03:04:05.678Z'))).toEqual({
      ...expected,
      created: '2026-01-02T03:04:05Z',
    });
  });
});

describe('engine commands', () => {
  it.each([
    [
      deployCommand('/srv/slipway', 'v1', {
        healthTimeoutSeconds: 60,
        keepReleases: 3,
        lockTimeoutSeconds: 9,
      }),
      '/srv/slipway/bin/slipway --app-dir /srv/slipway deploy v1 --health-timeout 60 --keep 3 --lock-wait 9 --stop-on-disconnect',
    ],
    [
      rollbackCommand('/srv/slipway', 'previous', {
        lockTimeoutSeconds: 5,
        actor: 'octo cat',
        runUrl: 'https://github.com/a/b/actions/runs/1',
      }),
      "/srv/slipway/bin/slipway --app-dir /srv/slipway rollback --to previous --lock-wait 5 --actor 'octo cat' --run-url https://github.com/a/b/actions/runs/1 --stop-on-disconnect",
    ],
    [
      rollbackCommand('/opt/app', 'v0', { lockTimeoutSeconds: 0, actor: 'me', runUrl: '' }),
      '/opt/app/bin/slipway --app-dir /opt/app rollback --to v0 --lock-wait 0 --actor me --stop-on-disconnect',
    ],
    [listCommand('/srv/slipway'), '/srv/slipway/bin/slipway --app-dir /srv/slipway list --json'],
  ])('%#: %s', (cmd, line) => {
    expect(toShellLine(cmd)).toBe(line);
  });

  it('install: the script gets its values as positional arguments, never inside its text', () => {
    const cmd = installCommand('/srv/slipway', '1-ab', '0123456789abcdef', 'v1');
    expect(cmd.argv.slice(3)).toEqual(['slipway-install', '/srv/slipway', '1-ab', '0123456789abcdef', 'v1']);
    expect(cmd.argv[2]).not.toContain('/srv/slipway');
  });
});

describe('parseResult', () => {
  it.each([
    ['', undefined],
    ['no result here\n', undefined],
    ['SLIPWAY_RESULT {not json}\n', undefined],
    [
      'x\nSLIPWAY_RESULT {"ok":true,"command":"deploy","release":"v2","previous":"v1","slot":"green","seconds":12}\n',
      { ok: true, command: 'deploy', release: 'v2', previous: 'v1', slot: 'green', seconds: 12 },
    ],
    [
      'SLIPWAY_RESULT {"ok":true,"command":"receive","release":"v2"}\nSLIPWAY_RESULT {"ok":false,"command":"deploy","release":"v2","previous":"v1","error":"never healthy","detail":"health log:\\n1: boom"}',
      {
        ok: false,
        command: 'deploy',
        release: 'v2',
        previous: 'v1',
        error: 'never healthy',
        detail: 'health log:\n1: boom',
      },
    ],
  ])('%j', (stdout, expected) => {
    expect(parseResult(stdout)).toEqual(expected);
  });
});

describe('failureMessage', () => {
  const res = (exitCode: number, stderr: string) => ({ exitCode, stdout: '', stderr });
  it.each([
    [
      res(1, ''),
      {
        ok: false,
        command: 'deploy',
        release: 'v2',
        previous: 'v1',
        error: 'never healthy',
        detail: 'exit=3',
      },
      'Deploy failed: never healthy\nexit=3',
    ],
    [res(143, 'a\nkilled\n'), undefined, 'Deploy failed (exit 143) without a result line: killed.'],
    [res(127, 'slipway: not found'), undefined, /not installed on the host: run ssh-deploy once/],
  ])('%#', (r, result, message) => {
    expect(failureMessage('Deploy', r, result as never)).toMatch(message);
  });
});

describe('parseListing and summaries', () => {
  const listing = {
    current: 'v2',
    releases: [
      { id: 'v2', live: true, gitSha: 'b'.repeat(40), created: '2026-11-27T09:00:00Z' },
      { id: 'v1', live: false, gitSha: 'a'.repeat(40), created: '2026-11-26T09:00:00Z' },
    ],
    ledger: [
      {
        op: '1',
        kind: 'deploy',
        release: 'v1',
        previous: '',
        result: 'succeeded',
        startedAt: 't1',
        actor: 'a',
      },
      {
        op: '2',
        kind: 'deploy',
        release: 'v2',
        previous: 'v1',
        result: 'succeeded',
        startedAt: 't2',
        actor: 'b',
      },
    ],
  };

  it('parses list --json and refuses anything else', () => {
    expect(parseListing(`${JSON.stringify(listing)}\n`)).toEqual(listing);
    expect(() => parseListing('Live release: v2')).toThrow(/did not answer with a listing/);
  });

  it('shows which releases can be chosen and the ledger newest first', () => {
    const md = ledgerSummary(listing as never);
    expect(md).toContain('#### Live release: v2');
    expect(md).toContain('| live | v2 | bbbbbbbbbbbb | 2026-11-27T09:00:00Z |');
    expect(md).toContain('|  | v1 | aaaaaaaaaaaa |');
    expect(md.indexOf('| t2 |')).toBeLessThan(md.indexOf('| t1 |'));
  });

  it('a failed deploy summary carries the health output and says the old release keeps serving', () => {
    const md = deploySummary(
      'Deploy',
      'vps',
      'v3',
      { api: `r/api@${digest}` },
      {
        ok: false,
        command: 'deploy',
        release: 'v3',
        previous: 'v2',
        error: 'never healthy',
        detail: 'exit=3',
      },
    );
    expect(md).toContain('### Deploy failed: v3 on vps');
    expect(md).toContain('keeps serving');
    expect(md).toContain('<summary>Health output</summary>');
    expect(md).toContain('exit=3');
  });
});

describe('packTar and the engine files', () => {
  it('packs a ustar archive that tar reads back byte for byte', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'slipway-tar-'));
    const files = [
      ...engineFiles(),
      ...releaseFiles('v1', { api: `r/api@${digest}` }, Buffer.from('services: {}\n'), Buffer.from(':80\n'), {
        gitSha: 'unknown',
        actor: 'me',
        runUrl: '',
        created: 't',
      }),
    ];
    fs.writeFileSync(path.join(dir, 'a.tar'), packTar(files));
    execFileSync('tar', ['-xf', 'a.tar'], { cwd: dir });
    for (const f of files) expect(fs.readFileSync(path.join(dir, f.path))).toEqual(f.content);
    expect(fs.statSync(path.join(dir, 'engine/bin/slipway')).mode & 0o777).toBe(0o755);
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'release/images.json'), 'utf8'))).toEqual({
      api: `r/api@${digest}`,
    });
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('is deterministic, and the engine digest follows the content', () => {
    const files = engineFiles();
    expect(packTar(files)).toEqual(packTar(files));
    const changed = files.map((f, i) =>
      i === 0 ? { ...f, content: Buffer.concat([f.content, Buffer.from('#')]) } : f,
    );
    expect(engineDigest(changed)).not.toBe(engineDigest(files));
    expect(engineDigest(files)).toMatch(/^[0-9a-f]{16}$/);
  });

  it('refuses paths that could escape the extraction directory', () => {
    expect(() => packTar([{ path: '../x', mode: 0o644, content: Buffer.from('') }])).toThrow(
      /unsupported path/,
    );
    expect(() => packTar([{ path: '/etc/x', mode: 0o644, content: Buffer.from('') }])).toThrow(
      /unsupported path/,
    );
  });
});
