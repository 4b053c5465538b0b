import { describe, expect, it } from 'vitest';
import { command } from '../../toolkit/src/index.js';
import { pinnedReferences } from '../src/execute.js';
import type { BuildPlan } from '../src/plan.js';
import { formatSize, renderReport } from '../src/report.js';

const plan = (over: Partial<BuildPlan> = {}): BuildPlan => ({
  services: [
    { service: 'api', image: '127.0.0.1:5000/t/api:ci', cacheFrom: [], cacheTo: [] },
    { service: 'worker', image: '127.0.0.1:5000/t/worker:ci', cacheFrom: [], cacheTo: [] },
  ],
  cacheMode: 'engine',
  builder: { name: 'default', driver: 'docker' },
  push: false,
  bake: command(['docker', 'buildx', 'bake']),
  cacheDir: '',
  swaps: [],
  metadataFile: '/tmp/m.json',
  notices: [],
  ...over,
});

describe('renderReport', () => {
  it('shows size, cache hits and step time per service, and says which cache was really used', () => {
    const md = renderReport(plan(), {
      seconds: 12.34,
      services: [
        {
          service: 'api',
          image: '127.0.0.1:5000/t/api:ci',
          sizeBytes: 73_812_345,
          steps: { cached: 3, total: 3, seconds: 0 },
        },
        {
          service: 'worker',
          image: '127.0.0.1:5000/t/worker:ci',
          steps: { cached: 0, total: 0, seconds: 0 },
        },
      ],
    });
    expect(md).toBe(
      [
        '### Compose build',
        '',
        'Built 2 services in 12.3 s on builder `default` (docker driver).',
        '',
        "Cache: the engine's own build cache only: builder `default` uses the docker driver, which cannot export cache, so `cache-dir` was not written.",
        '',
        '| Service | Image | Size | Cached steps | Step time |',
        '|---|---|---|---|---|',
        '| api | `127.0.0.1:5000/t/api:ci` | 73.8 MB | 3/3 | 0.0 s |',
        '| worker | `127.0.0.1:5000/t/worker:ci` | n/a | no steps seen | 0.0 s |',
        '',
        'Cached steps counts the Dockerfile instructions after FROM that BuildKit served from cache. Step time is the sum of the durations of the steps that ran; services build in parallel, so it can add up to more than the total.',
        '',
      ].join('\n'),
    );
  });

  it.each([
    ['gha', /GitHub Actions cache, one scope per service/],
    ['local', /local cache directory, one per service/],
    ['none', /Cache: none/],
  ] as const)('names the %s cache', (cacheMode, text) => {
    expect(renderReport(plan({ cacheMode, push: true }), { seconds: 1, services: [] })).toMatch(text);
  });

  it.each([
    [undefined, 'n/a'],
    [512, '512 B'],
    [1_500, '1.5 kB'],
    [213_000_000, '213.0 MB'],
    [2_100_000_000, '2.1 GB'],
  ])('formatSize(%s) = %s', (bytes, text) => {
    expect(formatSize(bytes)).toBe(text);
  });
});

describe('pinnedReferences', () => {
  const digest = (c: string) => `sha256:${c.repeat(64)}`;

  it('pins each pushed image by the digest in bake’s metadata', () => {
    const meta = JSON.stringify({
      api: { 'containerimage.digest': digest('a'), 'containerimage.config.digest': digest('c') },
      worker: { 'containerimage.digest': digest('b') },
    });
    expect(pinnedReferences(plan({ push: true }), meta)).toEqual({
      api: `127.0.0.1:5000/t/api@${digest('a')}`,
      worker: `127.0.0.1:5000/t/worker@${digest('b')}`,
    });
  });

  it('fails when a digest is missing', () => {
    expect(() => pinnedReferences(plan({ push: true }), '{"api":{}}')).toThrow(
      "pushed 127.0.0.1:5000/t/api:ci but bake's metadata has no image digest for target 'api'",
    );
  });
});
