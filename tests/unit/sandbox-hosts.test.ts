// The sandbox's naming rules for bare hosts and the mirror, from the bash libraries themselves.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const lib = path.resolve(import.meta.dirname, '../../scripts/sandbox/lib');
const bash = (script: string) =>
  spawnSync(
    'bash',
    [
      '-c',
      `set -euo pipefail; STATE=/nonexistent; for f in common registry aptproxy images hosts; do . ${lib}/$f.sh; done; ${script}`,
    ],
    {
      encoding: 'utf8',
    },
  );

describe('bare host names', () => {
  it.each([
    ['vps1', '10.201.0.11 slipway-vps1 slipway-vps1-docker'],
    ['vps2', '10.201.0.12 slipway-vps2 slipway-vps2-docker'],
    ['vps99', '10.201.0.109 slipway-vps99 slipway-vps99-docker'],
  ])('%s', (name, expected) => {
    const r = bash(
      `valid_host_name ${name}; echo "$(host_addr ${name}) $(host_container ${name}) $(host_volume ${name})"`,
    );
    expect(r.stdout.trim()).toBe(expected);
  });

  it.each(['vps0', 'vps100', 'web1', 'vps1;rm', ''])('refuses %j', (name) => {
    const r = bash(`valid_host_name '${name}'`);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`host name '${name}' is invalid: use vps1 … vps99.`);
  });

  it('refuses a release it has no bare image for', () => {
    const r = bash('valid_release bullseye');
    expect(r.stderr).toContain("release 'bullseye' is not one of: bookworm trixie.");
    expect(bash('host_image; echo; host_image trixie').stdout).toBe(
      'slipway/bare-vps:bookworm\nslipway/bare-vps:trixie',
    );
  });
});

describe('the mirror', () => {
  it.each([
    ['postgres:15-bookworm', 'hub 127.0.0.1:5001/library/postgres:15-bookworm'],
    ['chromadb/chroma:1.5.9', 'hub 127.0.0.1:5001/chromadb/chroma:1.5.9'],
    ['quay.io/prometheuscommunity/postgres-exporter:v0.11.1', 'not Docker Hub'],
    ['10.201.0.1:5000/acme/api:v1', 'not Docker Hub'],
  ])('%s', (tag, expected) => {
    expect(
      bash(
        `if docker_hub_name ${tag}; then echo "hub $(mirror_ref ${tag})"; else echo 'not Docker Hub'; fi`,
      ).stdout.trim(),
    ).toBe(expected);
  });
});
