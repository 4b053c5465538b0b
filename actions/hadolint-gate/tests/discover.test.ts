import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  composeTargets,
  interpolate,
  isDockerfileName,
  listFiles,
  resolveTargets,
  selectDockerfiles,
} from '../src/discover.js';

describe('isDockerfileName', () => {
  it.each<[string, boolean]>([
    ['Dockerfile', true],
    ['api.Dockerfile', true],
    ['Dockerfile.prod', true],
    ['Dockerfile.dev.arm64', true],
    ['dockerfile', false],
    ['Dockerfile.dockerignore', false],
    ['api.Dockerfile.dockerignore', false],
    ['Dockerfile.', false],
    ['.Dockerfile', false],
    ['MyDockerfile', false],
    ['Dockerfiles', false],
    ['problems.dockerfile', false],
    ['compose.yaml', false],
  ])('%s -> %s', (name, expected) => {
    expect(isDockerfileName(name)).toBe(expected);
  });
});

describe('selectDockerfiles', () => {
  it('keeps hidden folders, skips node_modules, dist and .git at any depth, and sorts', () => {
    expect(
      selectDockerfiles([
        'service/Dockerfile',
        'Dockerfile',
        '.devcontainer/Dockerfile',
        'docker/api.Dockerfile',
        'docker/Dockerfile.prod',
        'node_modules/pkg/Dockerfile',
        'web/node_modules/pkg/Dockerfile',
        'actions/x/dist/Dockerfile',
        '.git/Dockerfile',
        'distribution/Dockerfile',
        'README.md',
      ]),
    ).toEqual([
      '.devcontainer/Dockerfile',
      'Dockerfile',
      'distribution/Dockerfile',
      'docker/Dockerfile.prod',
      'docker/api.Dockerfile',
      'service/Dockerfile',
    ]);
  });
});

describe('interpolate', () => {
  const env = { APP: 'api', EMPTY: '' };
  it.each<[string, string]>([
    ['plain', 'plain'],
    ['${APP}/ctx', 'api/ctx'],
    ['$APP/ctx', 'api/ctx'],
    ['${MISSING:-fallback}', 'fallback'],
    ['${EMPTY:-fallback}', 'fallback'],
    ['${EMPTY-fallback}', ''],
    ['${MISSING-fallback}', 'fallback'],
    ['${MISSING}', ''],
    ['$$APP', '$APP'],
  ])('%s -> %s', (value, expected) => {
    expect(interpolate(value, env)).toBe(expected);
  });
});

describe('composeTargets', () => {
  it.each<[string, string, string, { service: string; dockerfile: string }[]]>([
    [
      'build as a string context',
      'compose.yaml',
      'services:\n  api:\n    build: ./api\n',
      [{ service: 'api', dockerfile: 'api/Dockerfile' }],
    ],
    [
      'context and dockerfile, the dockerfile relative to the context',
      'docker/compose.yaml',
      'services:\n  api:\n    build:\n      context: ../service\n      dockerfile: ../docker/service.Dockerfile\n',
      [{ service: 'api', dockerfile: 'docker/service.Dockerfile' }],
    ],
    [
      'dockerfile without context uses the compose folder',
      'deploy/compose.yml',
      'services:\n  web:\n    build:\n      dockerfile: web.Dockerfile\n',
      [{ service: 'web', dockerfile: 'deploy/web.Dockerfile' }],
    ],
    [
      'services without build are ignored, anchors and merge keys resolve',
      'compose.yaml',
      'x-b: &b\n  build:\n    context: svc\nservices:\n  db:\n    image: postgres:16\n  one:\n    <<: *b\n  two:\n    <<: *b\n',
      [
        { service: 'one', dockerfile: 'svc/Dockerfile' },
        { service: 'two', dockerfile: 'svc/Dockerfile' },
      ],
    ],
    [
      'variables in build paths are interpolated',
      'compose.yaml',
      'services:\n  api:\n    build:\n      context: ${CTX:-./api}\n      dockerfile: ${DF}\n',
      [{ service: 'api', dockerfile: 'api/Prod.Dockerfile' }],
    ],
    [
      'compose 2.24 !reset tags load',
      'compose.yaml',
      'services:\n  api:\n    build: .\n    ports: !reset []\n',
      [{ service: 'api', dockerfile: 'Dockerfile' }],
    ],
    ['no services at all', 'compose.yaml', 'name: x\n', []],
  ])('%s', (_name, file, text, expected) => {
    expect(composeTargets(text, file, { DF: 'Prod.Dockerfile' }).targets).toEqual(expected);
  });

  it('skips inline Dockerfiles and remote contexts, saying why', () => {
    const scan = composeTargets(
      'services:\n  a:\n    build:\n      dockerfile_inline: "FROM alpine"\n  b:\n    build: https://github.com/o/r.git#main\n',
      'compose.yaml',
    );
    expect(scan.targets).toEqual([]);
    expect(scan.skipped).toEqual([
      { service: 'a', reason: 'dockerfile_inline has no file to lint' },
      { service: 'b', reason: "remote build context 'https://github.com/o/r.git#main'" },
    ]);
  });

  it('names the input when the YAML is broken', () => {
    expect(() => composeTargets('services: [', 'compose.yaml')).toThrow(
      /^Input 'compose-file': 'compose\.yaml' is not valid YAML: /,
    );
  });
});

describe('discovery and resolution over a real tree', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'hadolint-discover-'));
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
  const write = (rel: string, text = 'FROM alpine:3.19\n') => {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), text);
  };
  write('Dockerfile');
  write('.devcontainer/Dockerfile');
  write('.github/ci/tools.Dockerfile');
  write('docker/Dockerfile.prod');
  write('docker/Dockerfile.dockerignore', 'node_modules\n');
  write('node_modules/pkg/Dockerfile');
  write('web/node_modules/pkg/Dockerfile');
  write('dist/Dockerfile');
  write('.git/Dockerfile');
  write('docs/Dockerfile/README.md', 'a directory named Dockerfile\n');
  write('svc/Dockerfile');
  write('compose.yaml', 'services:\n  api:\n    build: svc\n  db:\n    image: postgres:16\n');
  write('deploy/compose.yaml', 'services:\n  api:\n    build:\n      context: ../missing\n');
  write('images.yaml', 'services:\n  db:\n    image: postgres:16\n');
  fs.symlinkSync(path.join(root, 'svc', 'Dockerfile'), path.join(root, 'linked.Dockerfile'));

  it('lists files only, skipping node_modules, dist and .git', () => {
    const files = listFiles(root);
    expect(files).toContain('.devcontainer/Dockerfile');
    expect(files).toContain('docs/Dockerfile/README.md');
    expect(files).toContain('linked.Dockerfile');
    expect(files.some((f) => /(^|\/)(node_modules|dist|\.git)\//.test(f))).toBe(false);
  });

  it('discovers Dockerfiles across the repo with neither input set, never a directory named Dockerfile', async () => {
    const { files } = await resolveTargets({ dockerfiles: [], composeFiles: [] }, root);
    expect(files).toEqual([
      '.devcontainer/Dockerfile',
      '.github/ci/tools.Dockerfile',
      'Dockerfile',
      'docker/Dockerfile.prod',
      'linked.Dockerfile',
      'svc/Dockerfile',
    ]);
  });

  it('expands globs (hidden folders included, node_modules not) and literal paths', async () => {
    const { files } = await resolveTargets(
      { dockerfiles: ['**/Dockerfile', 'docker/Dockerfile.prod'], composeFiles: [] },
      root,
    );
    expect(files).toEqual([
      '.devcontainer/Dockerfile',
      'Dockerfile',
      'svc/Dockerfile',
      'docker/Dockerfile.prod',
    ]);
  });

  it.each<[string[], string[], string]>([
    [
      ['nope/Dockerfile'],
      [],
      "Input 'dockerfiles': 'nope/Dockerfile' matches no file. Check the path or glob relative to the repository root.",
    ],
    [
      ['docs/Dockerfile'],
      [],
      "Input 'dockerfiles': 'docs/Dockerfile' matches no file. Check the path or glob relative to the repository root.",
    ],
    [
      ['**/*.Containerfile'],
      [],
      "Input 'dockerfiles': '**/*.Containerfile' matches no file. Check the path or glob relative to the repository root.",
    ],
    [
      [],
      ['nope.yaml'],
      "Input 'compose-file': 'nope.yaml' does not exist. Check the path, relative to the repository root.",
    ],
    [
      [],
      ['deploy/compose.yaml'],
      "Input 'compose-file': service 'api' in 'deploy/compose.yaml' builds from 'missing/Dockerfile', which is not a file. Fix its build context or dockerfile.",
    ],
    [
      [],
      ['images.yaml'],
      "Input 'compose-file': no service in 'images.yaml' has a build section with a Dockerfile to lint.",
    ],
  ])('dockerfiles %j, compose-file %j fail clearly', async (dockerfiles, composeFiles, message) => {
    await expect(resolveTargets({ dockerfiles, composeFiles }, root)).rejects.toThrow(message);
  });

  it('resolves compose build contexts against the compose folder and de-duplicates', async () => {
    const { files } = await resolveTargets(
      { dockerfiles: ['svc/Dockerfile'], composeFiles: ['compose.yaml'] },
      root,
    );
    expect(files).toEqual(['svc/Dockerfile']);
  });

  it('fails discovery in a tree without Dockerfiles, naming the input', async () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'hadolint-empty-'));
    fs.mkdirSync(path.join(empty, 'Dockerfile'));
    try {
      await expect(resolveTargets({ dockerfiles: [], composeFiles: [] }, empty)).rejects.toThrow(
        /^Input 'dockerfiles': empty, and no Dockerfile/,
      );
    } finally {
      fs.rmSync(empty, { recursive: true, force: true });
    }
  });
});
