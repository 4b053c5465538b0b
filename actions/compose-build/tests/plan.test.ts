import { describe, expect, it } from 'vitest';
import type { ComposeFacts } from '../src/compose.js';
import type { Settings } from '../src/inputs.js';
import { type Facts, effectiveBuildArgs, imageRef, planBuild, repositoryOf } from '../src/plan.js';

const compose: ComposeFacts = {
  project: 'shop',
  services: {
    api: { context: '/ws/service', dockerfile: 'docker/service.Dockerfile', image: 'shop/api:local' },
    worker: { context: '/ws/worker' },
    db: { image: 'postgres:15-bookworm' },
  },
};

const settings = (over: Partial<Settings> = {}): Settings => ({
  composeFiles: ['docker/compose.yaml'],
  services: [],
  imagePrefix: '',
  tag: '',
  push: false,
  cache: 'local',
  cacheDir: '/ws/.cache/buildx',
  buildArgs: [],
  buildMetadata: true,
  noCache: false,
  ...over,
});

const facts = (over: Partial<Facts> = {}): Facts => ({
  compose,
  builder: { name: 'builder', driver: 'docker-container' },
  ghaCache: true,
  localCaches: ['api', 'worker'],
  metadataFile: '/tmp/m.json',
  ...over,
});

const HEAD = [
  'docker',
  'buildx',
  'bake',
  '-f',
  'docker/compose.yaml',
  '--progress=plain',
  '--metadata-file',
  '/tmp/m.json',
];
const api = ['--set', 'api.context=/ws/service', '--set', 'api.dockerfile=docker/service.Dockerfile'];
const worker = ['--set', 'worker.context=/ws/worker'];

describe('planBuild: settings + facts -> exact bake argv', () => {
  it.each<[string, Partial<Settings>, Partial<Facts>, string[]]>([
    [
      'defaults, docker-container builder, local cache with existing caches: every buildable service',
      {},
      {},
      [
        ...HEAD,
        ...api,
        '--set',
        'api.tags=shop/api:local',
        '--set',
        'api.output=type=docker',
        '--set',
        'api.cache-from=type=local,src=/ws/.cache/buildx/api',
        '--set',
        'api.cache-to=type=local,dest=/ws/.cache/buildx/api-new,mode=max',
        ...worker,
        '--set',
        'worker.tags=shop-worker',
        '--set',
        'worker.output=type=docker',
        '--set',
        'worker.cache-from=type=local,src=/ws/.cache/buildx/worker',
        '--set',
        'worker.cache-to=type=local,dest=/ws/.cache/buildx/worker-new,mode=max',
        'api',
        'worker',
      ],
    ],
    [
      'local cache, first run (no cache yet): export only',
      { services: ['worker'] },
      { localCaches: [] },
      [
        ...HEAD,
        ...worker,
        '--set',
        'worker.tags=shop-worker',
        '--set',
        'worker.output=type=docker',
        '--set',
        'worker.cache-to=type=local,dest=/ws/.cache/buildx/worker-new,mode=max',
        'worker',
      ],
    ],
    [
      'local cache on the docker driver: the engine cache, no cache flags',
      { services: ['api'] },
      { builder: { name: 'default', driver: 'docker' } },
      [...HEAD, ...api, '--set', 'api.tags=shop/api:local', '--set', 'api.output=type=docker', 'api'],
    ],
    [
      'gha cache with a prefix, tag and push',
      {
        services: ['api', 'worker'],
        cache: 'gha',
        imagePrefix: 'ghcr.io/acme/shop',
        tag: 'sha-1234',
        push: true,
      },
      {},
      [
        ...HEAD,
        ...api,
        '--set',
        'api.tags=ghcr.io/acme/shop/api:sha-1234',
        '--set',
        'api.output=type=registry',
        '--set',
        'api.cache-from=type=gha,scope=api',
        '--set',
        'api.cache-to=type=gha,scope=api,mode=max',
        ...worker,
        '--set',
        'worker.tags=ghcr.io/acme/shop/worker:sha-1234',
        '--set',
        'worker.output=type=registry',
        '--set',
        'worker.cache-from=type=gha,scope=worker',
        '--set',
        'worker.cache-to=type=gha,scope=worker,mode=max',
        'api',
        'worker',
      ],
    ],
    [
      'no-cache: --no-cache, no cache-from, still exports for the next run',
      { services: ['worker'], cache: 'gha', noCache: true },
      {},
      [
        ...HEAD,
        '--no-cache',
        ...worker,
        '--set',
        'worker.tags=shop-worker',
        '--set',
        'worker.output=type=docker',
        '--set',
        'worker.cache-to=type=gha,scope=worker,mode=max',
        'worker',
      ],
    ],
    [
      'cache none, several compose files, build args (values keep commas and =) in order',
      {
        composeFiles: ['docker/compose.yaml', 'docker/compose.ci.yaml'],
        services: ['api'],
        cache: 'none',
        buildArgs: [
          ['NODE_ENV', 'production'],
          ['LIST', 'a,b=c'],
        ],
      },
      {},
      [
        'docker',
        'buildx',
        'bake',
        '-f',
        'docker/compose.yaml',
        '-f',
        'docker/compose.ci.yaml',
        '--progress=plain',
        '--metadata-file',
        '/tmp/m.json',
        ...api,
        '--set',
        'api.tags=shop/api:local',
        '--set',
        'api.output=type=docker',
        '--set',
        'api.args.NODE_ENV=production',
        '--set',
        'api.args.LIST=a,b=c',
        'api',
      ],
    ],
    [
      'duplicate service names are built once',
      { services: ['web', 'web'], cache: 'none', imagePrefix: '127.0.0.1:5000/t' },
      { compose: { project: 'p', services: { web: { context: '/ws' } } } },
      [
        ...HEAD,
        '--set',
        'web.context=/ws',
        '--set',
        'web.tags=127.0.0.1:5000/t/web:ci',
        '--set',
        'web.output=type=docker',
        'web',
      ],
    ],
  ])('%s', (_name, s, f, argv) => {
    expect(planBuild(settings(s), facts(f)).bake.argv).toEqual(argv);
  });
});

describe('planBuild: cache mode, swaps and notices', () => {
  it('local cache on a docker-container builder swaps each fresh export in', () => {
    const plan = planBuild(settings(), facts());
    expect(plan.cacheMode).toBe('local');
    expect(plan.swaps).toEqual([
      { fresh: '/ws/.cache/buildx/api-new', current: '/ws/.cache/buildx/api' },
      { fresh: '/ws/.cache/buildx/worker-new', current: '/ws/.cache/buildx/worker' },
    ]);
    expect(plan.notices).toEqual([]);
  });

  it('local cache on the docker driver says honestly that only the engine cache is used', () => {
    const plan = planBuild(settings(), facts({ builder: { name: 'default', driver: 'docker' } }));
    expect(plan.cacheMode).toBe('engine');
    expect(plan.swaps).toEqual([]);
    expect(plan.notices[0]).toMatch(/docker driver, which cannot export cache.*engine's own build cache/);
  });

  it.each<[string, Partial<Settings>, Partial<Facts>, RegExp]>([
    [
      'gha on the docker driver',
      { cache: 'gha' },
      { builder: { name: 'default', driver: 'docker' } },
      /^Input 'cache': 'gha' needs a builder that can export cache, but builder 'default' uses the docker driver.*docker\/setup-buildx-action/,
    ],
    [
      'gha off GitHub',
      { cache: 'gha' },
      { ghaCache: false },
      /^Input 'cache': 'gha' needs the GitHub Actions cache service/,
    ],
    [
      'an unknown service',
      { services: ['nope'] },
      {},
      /^Input 'services': service 'nope' is not in the compose file\. Services with a build section: api, worker\./,
    ],
    [
      'a service without build',
      { services: ['db'] },
      {},
      /^Input 'services': service 'db' has no build section \(it runs the image 'postgres:15-bookworm'\)/,
    ],
    [
      'push without prefix or image',
      { services: ['worker'], push: true },
      {},
      /^Input 'image-prefix': required to push service 'worker'/,
    ],
    [
      'nothing to build',
      {},
      { compose: { project: 'p', services: { db: { image: 'x' } } } },
      /no service in the compose file has a build section \(services: db\)/,
    ],
  ])('fails clearly: %s', (_name, s, f, message) => {
    expect(() => planBuild(settings(s), facts(f))).toThrow(message);
  });
});

describe('build arguments: the commit metadata, then build-args', () => {
  const SHA = '0123456789abcdef0123456789abcdef01234567';
  const commit = { sha: SHA, commitDate: '2024-03-01T12:00:00Z', sourceUrl: 'https://github.com/a/b' };
  it.each<[string, Partial<Settings>, Partial<Facts>, [string, string][]]>([
    ['no commit known', { buildArgs: [['X', '1']] }, {}, [['X', '1']]],
    [
      'metadata of the commit',
      {},
      { commit },
      [
        ['SOURCE_URL', 'https://github.com/a/b'],
        ['GIT_SHA', SHA],
        ['BUILD_DATE', '2024-03-01T12:00:00Z'],
        ['VERSION', '20240301120000-0123456'],
      ],
    ],
    [
      'an explicit argument wins, once',
      {
        buildArgs: [
          ['VERSION', '1.2.3'],
          ['NPM_TAG', 'next'],
        ],
      },
      { commit: { ...commit, sourceUrl: undefined } },
      [
        ['GIT_SHA', SHA],
        ['BUILD_DATE', '2024-03-01T12:00:00Z'],
        ['VERSION', '1.2.3'],
        ['NPM_TAG', 'next'],
      ],
    ],
  ])('%s', (_name, s, f, want) => {
    expect(effectiveBuildArgs(settings(s), facts(f))).toEqual(want);
  });
});

describe('image references', () => {
  it.each<[Partial<Settings>, string, string]>([
    [{ imagePrefix: 'ghcr.io/acme/shop', tag: 'v1' }, 'api', 'ghcr.io/acme/shop/api:v1'],
    [{ imagePrefix: 'ghcr.io/acme/shop', tag: '' }, 'api', 'ghcr.io/acme/shop/api:ci'],
    [{ tag: '' }, 'api', 'shop/api:local'],
    [{ tag: '' }, 'worker', 'shop-worker'],
    [{ tag: 'pr-7' }, 'api', 'shop/api:pr-7'],
    [{ tag: 'pr-7' }, 'worker', 'shop-worker:pr-7'],
  ])('%j %s -> %s', (s, service, ref) => {
    expect(imageRef(settings(s), compose, service)).toBe(ref);
  });

  it.each([
    ['ghcr.io/acme/shop/api:v1', 'ghcr.io/acme/shop/api'],
    ['127.0.0.1:5000/t/api:ci', '127.0.0.1:5000/t/api'],
    ['127.0.0.1:5000/t/api', '127.0.0.1:5000/t/api'],
    ['shop-worker', 'shop-worker'],
    ['ghcr.io/a/b@sha256:abc', 'ghcr.io/a/b'],
  ])('repository of %s is %s', (ref, repo) => {
    expect(repositoryOf(ref)).toBe(repo);
  });
});
