// cache-dir: compose-build replaces the folders in it after each build, so it must never be a source folder.
// `cache-dir: .` once deleted the source folders named like the services.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalRunner, mapInputSource } from '../../toolkit/src/index.js';
import { CACHE_MARKER, markCacheDir } from '../src/cache-dir.js';
import { execute } from '../src/execute.js';
import { getInputs } from '../src/inputs.js';
import type { BuildPlan } from '../src/plan.js';

let ws: string;
const saved = process.env.GITHUB_WORKSPACE;
const put = (rel: string, text = 'x') => {
  fs.mkdirSync(path.dirname(path.join(ws, rel)), { recursive: true });
  fs.writeFileSync(path.join(ws, rel), text);
};
const read = (values: Record<string, string>) =>
  getInputs(mapInputSource({ 'compose-file': 'compose.yaml', ...values }));

beforeEach(() => {
  ws = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'cache-dir-')));
  process.env.GITHUB_WORKSPACE = ws;
  put('compose.yaml', 'services:\n  api:\n    build: ./api\n');
  put('api/Dockerfile', 'FROM scratch\n');
  put('api/main.ts', 'export {};\n');
});
afterEach(() => {
  if (saved === undefined) delete process.env.GITHUB_WORKSPACE;
  else process.env.GITHUB_WORKSPACE = saved;
  fs.rmSync(ws, { recursive: true, force: true });
});

describe('the cache-dir input with cache: local', () => {
  it.each([
    ['.', "Input 'cache-dir': '.' is the workspace root."],
    ['./', "Input 'cache-dir': './' is the workspace root."],
    ['api/..', "Input 'cache-dir': 'api/..' is the workspace root."],
    [
      'api',
      "Input 'cache-dir': 'api' is not a cache folder: it holds 'Dockerfile', 'main.ts', which are not build caches.",
    ],
    ['compose.yaml', "Input 'cache-dir': 'compose.yaml' exists and is not a directory."],
    ['../elsewhere', "Input 'cache-dir': expected a path inside the workspace, got '../elsewhere'."],
  ])('refuses %j', (cacheDir, message) => {
    expect(() => read({ 'cache-dir': cacheDir })).toThrow(message);
    expect(fs.existsSync(path.join(ws, 'api', 'main.ts'))).toBe(true);
  });

  it('refuses a symlink that leads to a source folder', () => {
    fs.symlinkSync('api', path.join(ws, 'cache-link'));
    expect(() => read({ 'cache-dir': 'cache-link' })).toThrow("'cache-link' is not a cache folder");
  });

  it.each([
    ['a folder that does not exist yet', () => undefined],
    ['an empty folder', () => fs.mkdirSync(path.join(ws, '.cache/buildx'), { recursive: true })],
    [
      'a folder with the marker, whatever else it holds',
      () => {
        put(`.cache/buildx/${CACHE_MARKER}`);
        put('.cache/buildx/api/index.json', '{}');
        put('.cache/buildx/stray.txt');
      },
    ],
    [
      'a cache from before the marker: only folders holding an OCI index.json',
      () => {
        put('.cache/buildx/api/index.json', '{}');
        put('.cache/buildx/worker-new/index.json', '{}');
      },
    ],
  ])('accepts %s', (_label, setup) => {
    setup();
    expect(read({ 'cache-dir': '.cache/buildx' }).cacheDir).toBe(path.join(ws, '.cache/buildx'));
  });

  it('does not check cache-dir when another cache is used (it is not written then)', () => {
    expect(read({ cache: 'gha', 'cache-dir': '.' }).cacheDir).toBe(ws);
    expect(read({ cache: 'none', 'cache-dir': 'api' }).cacheDir).toBe(path.join(ws, 'api'));
  });
});

describe('the compose-file input', () => {
  it.each([
    [
      'nope.yaml',
      "Input 'compose-file': 'nope.yaml' does not exist. Check the path, relative to the repository root.",
    ],
    ['api', "Input 'compose-file': 'api' is a directory; expected a file."],
    [
      'linked.yaml',
      "Input 'compose-file': 'linked.yaml' leads to '/etc/passwd' through a symlink, outside the workspace.",
    ],
    ['compose.yaml\nlinked.yaml', "Input 'compose-file': 'linked.yaml' leads to '/etc/passwd'"],
  ])('refuses %j', (composeFile, message) => {
    fs.symlinkSync('/etc/passwd', path.join(ws, 'linked.yaml'));
    expect(() => read({ 'compose-file': composeFile })).toThrow(message);
  });

  it('keeps the files as given, in order', () => {
    put('compose.override.yaml', 'services: {}\n');
    expect(read({ 'compose-file': 'compose.yaml\ncompose.override.yaml' }).composeFiles).toEqual([
      'compose.yaml',
      'compose.override.yaml',
    ]);
  });
});

describe('a local cache build', () => {
  it('marks the cache folder and swaps each fresh export in, only inside it', async () => {
    const cacheDir = path.join(ws, '.cache/buildx');
    put('.cache/buildx/api/index.json', '{"old": true}');
    const plan: BuildPlan = {
      services: [{ service: 'api', image: 'cache-dir-test/api:ci', cacheFrom: [], cacheTo: [] }],
      cacheMode: 'local',
      builder: { name: 'b', driver: 'docker-container' },
      push: false,
      // Stands in for bake: writes the fresh export where bake's cache-to would.
      bake: {
        argv: [
          'sh',
          '-c',
          'mkdir -p "$1" && echo "{\\"new\\": true}" > "$1/index.json"',
          'bake',
          `${cacheDir}/api-new`,
        ],
      },
      cacheDir,
      swaps: [{ fresh: `${cacheDir}/api-new`, current: `${cacheDir}/api` }],
      metadataFile: path.join(ws, 'meta.json'),
      notices: [],
    };
    // Bake runs for real (sh); the image inspect afterwards finds no image, as on a push-only builder.
    const noImage = { exec: async () => ({ exitCode: 1, stdout: '', stderr: 'No such image' }) };
    await execute(noImage, plan, new LocalRunner());
    expect(fs.readFileSync(path.join(cacheDir, CACHE_MARKER), 'utf8')).toContain('compose-build');
    expect(JSON.parse(fs.readFileSync(path.join(cacheDir, 'api', 'index.json'), 'utf8'))).toEqual({
      new: true,
    });
    expect(fs.existsSync(path.join(cacheDir, 'api-new'))).toBe(false);
    expect(fs.existsSync(path.join(ws, 'api', 'main.ts'))).toBe(true);
    expect(read({ 'cache-dir': '.cache/buildx' }).cacheDir).toBe(cacheDir);
  });

  it('markCacheDir keeps an existing marker', () => {
    put(`.cache/x/${CACHE_MARKER}`, 'mine');
    markCacheDir(path.join(ws, '.cache/x'));
    expect(fs.readFileSync(path.join(ws, `.cache/x/${CACHE_MARKER}`), 'utf8')).toBe('mine');
  });
});
