import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUILD_ARG, OCI_LABEL, buildArgs, ociLabels, releaseTag } from '../src/index.js';

const SHA = '0123456789abcdef0123456789abcdef01234567';
const facts = {
  sha: SHA,
  commitDate: '2024-03-01T01:30:05+02:00',
  sourceUrl: 'https://github.com/acme/shop',
};

describe('build metadata of a commit', () => {
  it('tags a release by the commit date in UTC and the short sha', () => {
    expect(releaseTag(facts)).toBe('20240229233005-0123456');
  });

  it.each([
    [
      'on GitHub',
      facts,
      [
        ['SOURCE_URL', 'https://github.com/acme/shop'],
        ['GIT_SHA', SHA],
        ['BUILD_DATE', '2024-02-29T23:30:05Z'],
        ['VERSION', '20240229233005-0123456'],
      ],
    ],
    [
      'without a repository',
      { ...facts, sourceUrl: undefined },
      [
        ['GIT_SHA', SHA],
        ['BUILD_DATE', '2024-02-29T23:30:05Z'],
        ['VERSION', '20240229233005-0123456'],
      ],
    ],
  ])('build arguments %s', (_name, f, want) => {
    expect(buildArgs(f)).toEqual(want);
  });

  it('gives the labels ghcr-push checks, one per build argument', () => {
    expect(ociLabels(facts)).toEqual({
      [OCI_LABEL.source]: 'https://github.com/acme/shop',
      [OCI_LABEL.revision]: SHA,
      [OCI_LABEL.created]: '2024-02-29T23:30:05Z',
      [OCI_LABEL.version]: '20240229233005-0123456',
    });
  });

  it('refuses a short or upper-case sha and a date without an offset', () => {
    expect(() => releaseTag({ ...facts, sha: 'abc1234' })).toThrow(/full lower-case commit SHA/);
    expect(() => releaseTag({ ...facts, commitDate: '2024-03-01T12:00:00' })).toThrow(/ISO 8601/);
  });

  it('docker/service.Dockerfile turns each build argument into its label', () => {
    const dockerfile = fs.readFileSync(
      path.resolve(import.meta.dirname, '../../../docker/service.Dockerfile'),
      'utf8',
    );
    for (const key of Object.keys(OCI_LABEL) as (keyof typeof OCI_LABEL)[]) {
      expect(dockerfile).toMatch(new RegExp(`^ARG ${BUILD_ARG[key]}=`, 'm'));
      expect(dockerfile).toContain(`${OCI_LABEL[key]}="\${${BUILD_ARG[key]}}"`);
    }
  });
});
