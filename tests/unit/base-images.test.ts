// Every upstream image the stacks name has one home: BASE_IMAGES in scripts/sandbox/lib/common.sh, which the
// sandbox builds look-alikes of and copies to the VPS. A compose file or Dockerfile naming another image would
// work on a developer's machine with Docker Hub and fail offline in the sandbox; this catches it at unit level.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { repoRoot, sandboxConstant, sandboxConstants } from '../sandbox/sandbox-env.js';

const dockerDir = path.join(repoRoot, 'docker');
const composeFiles = readdirSync(dockerDir).filter((f) => /^compose.*\.yaml$/.test(f));

/**
 * `${VAR:-default}` resolves to its default. The project's own images have a build section (dev, prod) or come
 * from images.json with the sentinel default `missing-SLIPWAY_API_IMAGE` (release).
 */
function upstreamImages(file: string): string[] {
  const doc = yaml.load(readFileSync(path.join(dockerDir, file), 'utf8')) as {
    services?: Record<string, { image?: string; build?: unknown }>;
  };
  return Object.values(doc.services ?? {})
    .filter((s) => s.image && !s.build)
    .map((s) => s.image!.replace(/^\$\{[A-Z_]+:-(.*)\}$/, '$1'))
    .filter((image) => !image.startsWith('missing-'));
}

describe('base images', () => {
  const baseImages = sandboxConstants('BASE_IMAGES');

  it.each(composeFiles)('%s names only base images the sandbox provides', (file) => {
    for (const image of upstreamImages(file)) expect(baseImages, `${file}: ${image}`).toContain(image);
  });

  it('the release stack runs postgres, chroma and caddy from base images', () => {
    expect(upstreamImages('compose.release.yaml').sort()).toEqual([
      'caddy:2.6',
      sandboxConstant('CHROMA_IMAGE'),
      sandboxConstant('CHROMA_IMAGE'),
      'postgres:15-bookworm',
    ]);
  });

  it.each(['docker/service.Dockerfile'])('%s builds FROM base images only', (file) => {
    const text = readFileSync(path.join(repoRoot, file), 'utf8');
    const stages = [...text.matchAll(/^FROM\s+\S+\s+AS\s+(\S+)/gim)].map((m) => m[1]);
    for (const [, image] of text.matchAll(/^FROM\s+(\S+)/gim)) {
      if (!stages.includes(image)) expect(baseImages, `${file}: FROM ${image}`).toContain(image);
    }
  });

  it('the chroma look-alike installs the wheel of the version its tag names', () => {
    const tag = sandboxConstant('CHROMA_IMAGE').split(':')[1];
    const requirements = readFileSync(
      path.join(repoRoot, 'scripts/sandbox/images/chroma/requirements.txt'),
      'utf8',
    );
    expect(requirements).toMatch(new RegExp(`^chromadb==${tag?.replace(/\./g, '\\.')} \\\\$`, 'm'));
    expect(requirements).toMatch(/--hash=sha256:[0-9a-f]{64}/);
  });
});
