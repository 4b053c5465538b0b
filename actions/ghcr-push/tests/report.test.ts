import { describe, expect, it } from 'vitest';
import { parsePushDigest, repoDigestsContain } from '../src/digests.js';
import { digestsOutput, summaryMarkdown } from '../src/report.js';

const D1 = `sha256:${'1'.repeat(64)}`;
const D2 = `sha256:${'2'.repeat(64)}`;
const results = [
  {
    service: 'api',
    name: 'ghcr.io/acme/shop/api',
    tags: ['20240301100000-0123456', 'sha-0123456'],
    digest: D1,
    built: true,
  },
  {
    service: 'worker',
    name: 'ghcr.io/acme/shop/worker',
    tags: ['20240301100000-0123456'],
    digest: D2,
    built: false,
  },
];

describe('digests', () => {
  it.each([
    [`The push refers to repository [x]\n4c3e: Pushed\nsha-0123456: digest: ${D1} size: 529\n`, D1],
    ['4c3e: Layer already exists\n', undefined],
    ['digest: sha256:short size: 1', undefined],
  ])('parsePushDigest(%j)', (out, want) => {
    expect(parsePushDigest(out)).toBe(want);
  });

  it.each([
    [`["ghcr.io/acme/shop/api@${D1}"]\n`, true],
    [`["other/api@${D1}","ghcr.io/acme/shop/api@${D1}"]`, true],
    [`["ghcr.io/acme/shop/api@${D2}"]`, false],
    ['[]', false],
    ['null', false],
    ['', false],
    ['not json', false],
  ])('repoDigestsContain(%j)', (json, want) => {
    expect(repoDigestsContain(json, 'ghcr.io/acme/shop/api', D1)).toBe(want);
  });
});

describe('report', () => {
  it('digests output maps service to name@digest', () => {
    expect(JSON.parse(digestsOutput(results))).toEqual({
      api: `ghcr.io/acme/shop/api@${D1}`,
      worker: `ghcr.io/acme/shop/worker@${D2}`,
    });
  });

  it('summary: one row per service with tags and digest, then the labels', () => {
    expect(
      summaryMarkdown('20240301100000-0123456', results, { 'org.opencontainers.image.revision': 'abc' }),
    ).toBe(
      [
        '### ghcr-push: 2 images pushed as `20240301100000-0123456`',
        '',
        '| service | tags | digest |',
        '|---|---|---|',
        `| api | \`20240301100000-0123456\` \`sha-0123456\` | \`ghcr.io/acme/shop/api@${D1}\` |`,
        `| worker | \`20240301100000-0123456\` | \`ghcr.io/acme/shop/worker@${D2}\` |`,
        '',
        '| label | value |',
        '|---|---|',
        '| `org.opencontainers.image.revision` | abc |',
        '',
      ].join('\n'),
    );
  });
});
