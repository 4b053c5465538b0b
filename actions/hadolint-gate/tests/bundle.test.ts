/**
 * The whole action end to end: the committed bundle, run the way the runner runs it (INPUT_* variables,
 * GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files), with the venv's hadolint as `hadolint-version: system`.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ActionRun, runMain } from '../../../tests/support/action-runner.js';
import { sarifProblems } from './support/sarif-check.js';

const repo = path.resolve(import.meta.dirname, '../../..');
const venvBin = path.join(repo, '.venv', 'bin');
const fixtures = path.join(import.meta.dirname, 'fixtures');
const RANK = { error: 4, warning: 3, info: 2, style: 1 } as const;
type Level = keyof typeof RANK;

let root: string;
let workspace: string;

beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'hadolint-bundle-'));
  workspace = path.join(root, 'ws');
  const put = (rel: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(workspace, rel)), { recursive: true });
    fs.writeFileSync(path.join(workspace, rel), text);
  };
  const fixture = (name: string) => fs.readFileSync(path.join(fixtures, name), 'utf8');
  put('docker/problems.Dockerfile', fixture('problems.dockerfile'));
  put('.devcontainer/broken.Dockerfile', fixture('broken.dockerfile'));
  put('app/Dockerfile', fixture('clean.dockerfile'));
  put('node_modules/pkg/Dockerfile', fixture('broken.dockerfile'));
  put('compose.yaml', 'services:\n  app:\n    build: ./app\n  db:\n    image: postgres:16\n');
  // The repository's own config style: format and threshold that must not change what the gate does.
  put('.hadolint.yaml', 'failure-threshold: style\nformat: tty\n');
});

afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

/** The bundle, run by the one runner harness, with its own HOME, temp and tool cache per run. */
function runAction(inputs: Record<string, string>, name: string): Promise<ActionRun> {
  const dir = path.join(root, name);
  fs.mkdirSync(dir);
  return runMain(
    'hadolint-gate',
    { 'hadolint-version': 'system', ...inputs },
    {
      workspace,
      runnerTemp: dir,
      timeoutMs: 60_000,
      env: {
        PATH: `${venvBin}${path.delimiter}${process.env.PATH ?? ''}`,
        HOME: dir,
        RUNNER_TOOL_CACHE: path.join(dir, 'tool-cache'),
      },
    },
  );
}

/**
 * What hadolint itself finds in `files`, counted at `threshold`. Run from outside the workspace: hadolint would
 * pick up its .hadolint.yaml, whose `format: tty` beats `--format json`.
 */
function hadolintCounts(files: string[], threshold: Level): { all: number; failed: number } {
  const args = ['--format', 'json', '--no-fail', ...files.map((f) => path.join(workspace, f))];
  const res = spawnSync(path.join(venvBin, 'hadolint'), args, { cwd: root, encoding: 'utf8' });
  const findings = JSON.parse(res.stdout) as { level: Level }[];
  return { all: findings.length, failed: findings.filter((f) => RANK[f.level] >= RANK[threshold]).length };
}

describe('the bundle, end to end', () => {
  it('discovers, lints, annotates, writes SARIF and the summary, and fails at the threshold', async () => {
    const run = await runAction({ 'failure-threshold': 'warning' }, 'discover');
    const expected = hadolintCounts(
      ['.devcontainer/broken.Dockerfile', 'app/Dockerfile', 'docker/problems.Dockerfile'],
      'warning',
    );
    expect(run.status).toBe(1);
    expect(run.outputs.findings).toBe(String(expected.all));
    expect(run.outputs['failed-findings']).toBe(String(expected.failed));
    expect(run.outputs['sarif-file']).toBe(path.join(workspace, 'hadolint.sarif'));
    expect(run.stdout).toContain(
      `::error::hadolint-gate: ${expected.failed} findings at or above 'warning' (2 error, 3 warning). See the annotations and the job summary.`,
    );

    expect(run.stdout).toContain(
      '::warning title=hadolint DL3006,file=docker/problems.Dockerfile,line=3,col=1::Always tag the version of an image explicitly (warning)',
    );
    expect(run.stdout).toContain(
      '::error title=hadolint DL4000,file=docker/problems.Dockerfile,line=4,col=1::',
    );
    expect(run.stdout).toContain(
      '::notice title=hadolint SC2086,file=docker/problems.Dockerfile,line=7,col=1::',
    );
    expect(run.stdout).toContain(
      '::notice title=hadolint DL3048,file=docker/problems.Dockerfile,line=5,col=1::',
    );
    expect(run.stdout).toMatch(
      /::error title=hadolint DL1000,file=\.devcontainer\/broken\.Dockerfile,line=3,col=1::Dockerfile does not parse: unexpected 'F'/,
    );
    expect(run.stdout).not.toContain('node_modules');
    const annotations = run.stdout
      .split('\n')
      .filter((l) => /^::(error|warning|notice) title=hadolint /.test(l));
    expect(annotations).toHaveLength(expected.all);
    expect(run.stdout).toContain('.hadolint.yaml sets format: "tty", which is ignored');

    expect(run.summary).toContain('### hadolint-gate');
    expect(run.summary).toContain(
      `**Failed**: ${expected.failed} of ${expected.all} findings at or above \`warning\`.`,
    );
    expect(run.summary).toContain('Linted 3 Dockerfiles with hadolint 2.');
    expect(run.summary).toContain('| error | 2 | yes |');
    expect(run.summary).toContain('| style | 1 | no |');
    expect(run.summary).toContain(
      '| `docker/problems.Dockerfile` | 3 | [DL3006](https://github.com/hadolint/hadolint/wiki/DL3006) | warning | Always tag the version of an image explicitly |',
    );

    const sarif = JSON.parse(fs.readFileSync(path.join(workspace, 'hadolint.sarif'), 'utf8')) as {
      runs: { results: { locations: { physicalLocation: { artifactLocation: { uri: string } } }[] }[] }[];
    };
    expect(sarifProblems(sarif)).toEqual([]);
    expect(sarif.runs[0]!.results).toHaveLength(expected.all);
    expect(
      new Set(sarif.runs[0]!.results.map((r) => r.locations[0]!.physicalLocation.artifactLocation.uri)),
    ).toEqual(new Set(['.devcontainer/broken.Dockerfile', 'docker/problems.Dockerfile']));
  });

  it('passes a clean compose service and still writes a valid, empty SARIF report', async () => {
    const run = await runAction(
      { 'compose-file': 'compose.yaml', 'sarif-file': 'reports/clean.sarif' },
      'compose',
    );
    expect(run.status).toBe(0);
    expect(run.outputs).toMatchObject({ findings: '0', 'failed-findings': '0' });
    expect(run.stdout).not.toMatch(/^::error/m);
    expect(run.summary).toContain('**Passed**: 0 findings, none at or above `warning`. Linted 1 Dockerfile');
    const sarif = JSON.parse(fs.readFileSync(path.join(workspace, 'reports', 'clean.sarif'), 'utf8')) as {
      runs: { results: unknown[] }[];
    };
    expect(sarif.runs[0]!.results).toEqual([]);
    expect(sarifProblems(sarif)).toEqual([]);
  });

  it.each<[Level | 'none', number]>([
    ['error', 1],
    ['none', 0],
  ])('at %s, exit code follows failed-findings', async (threshold, exitCode) => {
    const run = await runAction(
      { dockerfiles: 'docker/*.Dockerfile', 'failure-threshold': threshold },
      `threshold-${threshold}`,
    );
    expect(run.status).toBe(exitCode);
    const expected =
      threshold === 'none' ? 0 : hadolintCounts(['docker/problems.Dockerfile'], threshold).failed;
    expect(run.outputs['failed-findings']).toBe(String(expected));
  });

  it('lints a file named like an option (-v): it is passed after --, not read as --version', async () => {
    fs.writeFileSync(path.join(workspace, '-v'), fs.readFileSync(path.join(fixtures, 'problems.dockerfile')));
    try {
      const run = await runAction({ dockerfiles: '-v', 'failure-threshold': 'none' }, 'option-like-name');
      expect(run.status, run.stdout).toBe(0);
      expect(Number(run.outputs.findings)).toBe(hadolintCounts(['-v'], 'style').all);
      expect(Number(run.outputs.findings)).toBeGreaterThan(0);
      expect(run.summary).toContain('`-v`');
    } finally {
      fs.rmSync(path.join(workspace, '-v'));
    }
  });

  it.each<[string, string]>([
    ['package.json', '{"name": "app"}\n'],
    ['notes.txt', 'keep me\n'],
    ['other.sarif', '{"version": "1.0"}\n'],
  ])('refuses to overwrite %s, an existing file that is not a SARIF report', async (file, content) => {
    fs.writeFileSync(path.join(workspace, file), content);
    try {
      const run = await runAction({ dockerfiles: 'app/Dockerfile', 'sarif-file': file }, `sarif-${file}`);
      expect(run.status).toBe(1);
      expect(run.stdout).toContain(
        `::error::Input 'sarif-file': '${file}' exists and is not a SARIF 2.1.0 report; refusing to overwrite it.`,
      );
      expect(fs.readFileSync(path.join(workspace, file), 'utf8')).toBe(content);
    } finally {
      fs.rmSync(path.join(workspace, file));
    }
  });

  it('replaces its own earlier SARIF report', async () => {
    const first = await runAction(
      { dockerfiles: 'app/Dockerfile', 'sarif-file': 'reports/h.sarif' },
      'sarif-1',
    );
    expect(first.status, first.stdout).toBe(0);
    const second = await runAction(
      { dockerfiles: 'app/Dockerfile', 'sarif-file': 'reports/h.sarif' },
      'sarif-2',
    );
    expect(second.status, second.stdout).toBe(0);
  });

  it.each<[string, Record<string, string>, string]>([
    [
      'a Dockerfile symlinked to a file outside the workspace',
      { dockerfiles: 'linked/Dockerfile' },
      "::error::Input 'dockerfiles': 'linked/Dockerfile' leads to '/etc/passwd' through a symlink, outside the workspace.",
    ],
    [
      'a config symlinked out',
      { dockerfiles: 'app/Dockerfile', config: 'linked/hadolint.yaml' },
      "::error::Input 'config': 'linked/hadolint.yaml' leads to '/etc/passwd' through a symlink",
    ],
    [
      'a sarif-file whose folder is a symlink out',
      { dockerfiles: 'app/Dockerfile', 'sarif-file': 'linked-out/h.sarif' },
      "::error::Input 'sarif-file': 'linked-out/h.sarif' leads to",
    ],
    [
      'a sarif-file that is a folder',
      { dockerfiles: 'app/Dockerfile', 'sarif-file': 'app' },
      "::error::Input 'sarif-file': 'app' is a directory; expected the path of a file to write.",
    ],
  ])('refuses %s', async (_label, inputs, message) => {
    fs.mkdirSync(path.join(workspace, 'linked'), { recursive: true });
    for (const name of ['Dockerfile', 'hadolint.yaml']) {
      fs.rmSync(path.join(workspace, 'linked', name), { force: true });
      fs.symlinkSync('/etc/passwd', path.join(workspace, 'linked', name));
    }
    fs.rmSync(path.join(workspace, 'linked-out'), { force: true });
    fs.symlinkSync(root, path.join(workspace, 'linked-out'));
    try {
      const run = await runAction(
        inputs,
        `refuse-${Object.keys(inputs).join('-')}-${Object.values(inputs).length}-${_label.length}`,
      );
      expect(run.status).toBe(1);
      expect(run.stdout).toContain(message);
      expect(run.stdout).not.toContain('root:x:0:0');
      expect(fs.existsSync(path.join(root, 'h.sarif'))).toBe(false);
    } finally {
      fs.rmSync(path.join(workspace, 'linked'), { recursive: true });
      fs.rmSync(path.join(workspace, 'linked-out'));
    }
  });

  it.each<[Record<string, string>, string]>([
    [
      { dockerfiles: 'nope/*.Dockerfile' },
      "::error::Input 'dockerfiles': 'nope/*.Dockerfile' matches no file.",
    ],
    [
      { 'hadolint-version': 'v2.13.0' },
      "::error::Input 'hadolint-version': expected one of v2.14.0|v2.12.0|system",
    ],
  ])('fails %j with a clear input error', async (inputs, message) => {
    const run = await runAction(inputs, `bad-${Object.keys(inputs)[0]}`);
    expect(run.status).toBe(1);
    expect(run.stdout).toContain(message);
  });
});
