import { describe, expect, it } from 'vitest';
import {
  deployCommand,
  installCommand,
  rollbackCommand,
} from '../../../actions/toolkit/src/deploy/engine.js';
import { engineDigest } from '../../../actions/toolkit/src/deploy/release.js';
import { engineFiles } from '../../../actions/ssh-deploy/src/engine-files.js';
import { main, parseFlags, planDeploy, planRollback } from '../engine-plan.js';

const image = `10.201.0.1:5000/acme/api@sha256:${'a'.repeat(64)}`;
const now = new Date(Date.UTC(2026, 10, 29, 12, 0, 0));
const deployFlags = { images: JSON.stringify({ api: image }), 'release-id': 'r1' };

/** Names of the entries of a ustar archive. */
const entries = (tar: Buffer) => {
  const names: string[] = [];
  for (let off = 0; off + 512 <= tar.length;) {
    const name = tar
      .subarray(off, off + 100)
      .toString('utf8')
      .replace(/\0.*$/s, '');
    if (!name) break;
    const size = parseInt(tar.subarray(off + 124, off + 136).toString('utf8'), 8);
    names.push(name);
    off += 512 + Math.ceil(size / 512) * 512;
  }
  return names;
};

describe('planDeploy', () => {
  it('builds the exact install and deploy commands of the ssh-deploy action, and its archive', () => {
    const plan = planDeploy({ ...deployFlags, 'keep-releases': '3' }, now, 'cafe0001');
    const id = `${now.getTime()}-cafe0001`;
    const digest = engineDigest(engineFiles());
    expect(plan.upload).toBe(`/srv/slipway/.incoming/${id}.tar`);
    expect(plan.install).toEqual(installCommand('/srv/slipway', id, digest, 'r1').argv);
    expect(plan.deploy).toEqual(
      deployCommand('/srv/slipway', 'r1', {
        healthTimeoutSeconds: 120,
        keepReleases: 3,
        lockTimeoutSeconds: 120,
      }).argv,
    );
    expect(entries(plan.archive)).toEqual([
      ...engineFiles().map((f) => f.path),
      'release/compose.yaml',
      'release/Caddyfile',
      'release/images.json',
      'release/release.json',
    ]);
    expect(plan.archive.toString('utf8')).toContain('"actor": "ansible"');
  });

  it('takes the release id from the image tag when none is given, as the action does', () => {
    const tagged = `10.201.0.1:5000/acme/api:20261129-abc1234@sha256:${'b'.repeat(64)}`;
    expect(planDeploy({ images: JSON.stringify({ api: tagged }) }, now).releaseId).toBe('20261129-abc1234');
  });

  it.each([
    [{ images: '{"api":"acme/api:latest"}' }, "image for 'api' must be pinned by digest"],
    [{ images: '{}' }, "must contain the 'api' service"],
    [{ ...deployFlags, 'release-id': '../etc' }, "'release-id': expected a release id"],
    [{ ...deployFlags, 'keep-releases': '0' }, "'keep-releases'"],
    [{ ...deployFlags, 'app-dir': 'relative' }, "'app-dir': expected an absolute path"],
    [{ ...deployFlags, actor: 'x;rm' }, "'actor'"],
    [
      { ...deployFlags, 'compose-file': '../../etc/passwd' },
      "'compose-file': expected a path inside the workspace",
    ],
  ])('refuses %j', (flags, message) => expect(() => planDeploy(flags, now)).toThrow(message));
});

describe('planRollback', () => {
  it('is the rollback action argv', () => {
    expect(planRollback({ to: 'r1', 'lock-timeout-seconds': '30' }).rollback).toEqual(
      rollbackCommand('/srv/slipway', 'r1', { lockTimeoutSeconds: 30, actor: 'ansible', runUrl: '' }).argv,
    );
    expect(planRollback({}).rollback).toContain('previous');
  });
  it('refuses a target that is not a release id', () =>
    expect(() => planRollback({ to: '$(reboot)' })).toThrow("'to': expected a release id"));
});

describe('the command line', () => {
  it.each([
    [['--images'], "expected --name value pairs, got '--images' without a value"],
    [['images', 'x'], "expected --name value pairs, got 'images'"],
  ])('parseFlags %j', (args, message) => expect(() => parseFlags(args)).toThrow(message));

  it('names the flag in an error and exits 2', () => {
    let stderr = '';
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string) => ((stderr += chunk), true)) as typeof process.stderr.write;
    try {
      expect(main(['rollback', '--to', 'a b'])).toBe(2);
      expect(main(['deploy', '--images', '{}'])).toBe(2);
      expect(main(['promote'])).toBe(2);
    } finally {
      process.stderr.write = write;
    }
    expect(stderr).toContain("Flag '--to': expected a release id");
    expect(stderr).toContain('deploy needs --out FILE');
    expect(stderr).toContain("expected deploy or rollback, got 'promote'");
  });
});
