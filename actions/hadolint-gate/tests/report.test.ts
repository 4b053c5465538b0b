import { describe, expect, it } from 'vitest';
import { chooseConfig, effectiveConfig } from '../src/config.js';
import type { Finding } from '../src/findings.js';
import { mapInputSource } from '../../toolkit/src/index.js';
import { getInputs } from '../src/inputs.js';
import { CHECKSUMS, resolveRelease } from '../src/install.js';
import { lintCommand, parseVersion } from '../src/lint.js';
import { annotation, escapeMarkdown, summaryMarkdown } from '../src/report.js';
import { artifactUri, helpUri, toSarif } from '../src/sarif.js';
import { sarifProblems } from './support/sarif-check.js';

const finding = (over: Partial<Finding> = {}): Finding => ({
  file: 'docker/api.Dockerfile',
  line: 3,
  column: 1,
  code: 'DL3008',
  level: 'warning',
  message: 'Pin versions in apt get install.',
  ...over,
});

describe('annotation', () => {
  it.each<[Finding['level'], 'error' | 'warning' | 'notice']>([
    ['error', 'error'],
    ['warning', 'warning'],
    ['info', 'notice'],
    ['style', 'notice'],
  ])('%s -> core.%s, on the file and line, titled by the rule', (level, kind) => {
    expect(annotation(finding({ level }))).toEqual({
      kind,
      message: `Pin versions in apt get install. (${level})`,
      properties: { title: 'hadolint DL3008', file: 'docker/api.Dockerfile', startLine: 3, startColumn: 1 },
    });
  });
});

describe('escapeMarkdown', () => {
  it.each<[string, string]>([
    ['plain', 'plain'],
    ['use <package>=<version>', 'use &lt;package&gt;=&lt;version&gt;'],
    ['use `apt-get install <package>`', 'use `apt-get install <package>`'],
    ['a <b> `c <d>` e <f>', 'a &lt;b&gt; `c <d>` e &lt;f&gt;'],
  ])('%s', (text, expected) => {
    expect(escapeMarkdown(text)).toBe(expected);
  });
});

describe('summaryMarkdown', () => {
  it('reports a failed gate with counts per level and one row per finding, by file and rule', () => {
    const md = summaryMarkdown(
      [
        finding({ file: 'b/Dockerfile', code: 'DL3006', line: 1 }),
        finding({ code: 'DL4000', level: 'error', line: 2, message: 'MAINTAINER is deprecated' }),
        finding({ code: 'SC2086', level: 'info', line: 9, message: 'Double quote | to prevent <globbing>' }),
      ],
      { threshold: 'warning', hadolintVersion: '2.14.0', files: ['docker/api.Dockerfile', 'b/Dockerfile'] },
    );
    expect(md).toBe(
      [
        '### hadolint-gate',
        '',
        '**Failed**: 2 of 3 findings at or above `warning`. Linted 2 Dockerfiles with hadolint 2.14.0.',
        '',
        '| Level | Findings | Fails the gate |',
        '|---|---|---|',
        '| error | 1 | yes |',
        '| warning | 1 | yes |',
        '| info | 1 | no |',
        '| style | 0 | no |',
        '',
        '| File | Line | Rule | Level | Message |',
        '|---|---|---|---|---|',
        '| `b/Dockerfile` | 1 | [DL3006](https://github.com/hadolint/hadolint/wiki/DL3006) | warning | Pin versions in apt get install. |',
        '| `docker/api.Dockerfile` | 2 | [DL4000](https://github.com/hadolint/hadolint/wiki/DL4000) | error | MAINTAINER is deprecated |',
        '| `docker/api.Dockerfile` | 9 | [SC2086](https://www.shellcheck.net/wiki/SC2086) | info | Double quote \\| to prevent &lt;globbing&gt; |',
        '',
      ].join('\n'),
    );
  });

  it('reports a clean pass and notes', () => {
    const md = summaryMarkdown([], {
      threshold: 'none',
      hadolintVersion: '2.14.0',
      files: ['Dockerfile'],
      notes: ['compose.yaml: service x skipped.'],
    });
    expect(md).toContain(
      '**Passed**: 0 findings, none at or above `none`. Linted 1 Dockerfile with hadolint 2.14.0.',
    );
    expect(md).toContain('| error | 0 | no |');
    expect(md).toContain('No findings.');
    expect(md).toContain('> compose.yaml: service x skipped.');
  });
});

describe('sarif', () => {
  it.each<[string, string]>([
    ['DL3008', 'https://github.com/hadolint/hadolint/wiki/DL3008'],
    ['DL1000', 'https://github.com/hadolint/hadolint/wiki/DL1000'],
    ['SC2086', 'https://www.shellcheck.net/wiki/SC2086'],
  ])('helpUri(%s)', (code, uri) => {
    expect(helpUri(code)).toBe(uri);
  });

  it.each<[string, string]>([
    ['Dockerfile', 'Dockerfile'],
    ['docker/api.Dockerfile', 'docker/api.Dockerfile'],
    ['my app/Dockerfile', 'my%20app/Dockerfile'],
    ['a\\b\\Dockerfile', 'a/b/Dockerfile'],
  ])('artifactUri(%s)', (file, uri) => {
    expect(artifactUri(file)).toBe(uri);
  });

  it('is valid SARIF 2.1.0 with no findings, and with some', () => {
    expect(sarifProblems(toSarif([], '2.14.0'))).toEqual([]);
    expect(toSarif([], '2.14.0').runs[0]!.results).toEqual([]);
    expect(
      sarifProblems(toSarif([finding(), finding({ code: 'SC2086', level: 'info' })], 'v2.14.0')),
    ).toEqual([]);
  });

  it('maps levels, indexes rules once each and clamps regions to >= 1', () => {
    const log = toSarif(
      [
        finding({ level: 'error', code: 'DL4000' }),
        finding({ level: 'warning' }),
        finding({ level: 'info', code: 'SC2086', line: 0, column: 0 }),
        finding({ level: 'style', code: 'DL3048' }),
        finding({ level: 'warning', line: 7 }),
      ],
      'v2.14.0',
    );
    const run = log.runs[0]!;
    expect(run.tool.driver.version).toBe('2.14.0');
    expect(run.tool.driver.rules.map((r) => r.id)).toEqual(['DL3008', 'DL3048', 'DL4000', 'SC2086']);
    expect(run.results.map((r) => r.level)).toEqual(['error', 'warning', 'note', 'note', 'warning']);
    expect(run.results.map((r) => run.tool.driver.rules[r.ruleIndex]!.id)).toEqual(
      run.results.map((r) => r.ruleId),
    );
    expect(run.results[2]!.locations[0]!.physicalLocation.region).toEqual({ startLine: 1, startColumn: 1 });
  });
});

describe('config', () => {
  it.each<[string, string | undefined, string, Record<string, unknown>]>([
    ['no config', undefined, '{}\n', {}],
    ['an empty file', '', '{}\n', {}],
    [
      'output keys dropped, rules kept',
      'failure-threshold: style\nformat: tty\nno-fail: false\nignored: [DL3008]\n',
      'ignored:\n  - DL3008\n',
      { 'failure-threshold': 'style', format: 'tty', 'no-fail': false },
    ],
    ['only output keys', 'format: json\n', '{}\n', { format: 'json' }],
  ])('effectiveConfig: %s', (_name, text, expected, dropped) => {
    expect(effectiveConfig(text, '.hadolint.yaml')).toEqual({ text: expected, dropped });
  });

  it.each<[string, string]>([
    ['ignored: [DL3008', "Input 'config': '.hadolint.yaml' is not valid YAML: "],
    ['- a list\n', "Input 'config': '.hadolint.yaml' must be a YAML mapping of hadolint settings."],
  ])('effectiveConfig rejects %j', (text, message) => {
    expect(() => effectiveConfig(text, '.hadolint.yaml')).toThrow(message);
  });

  it.each<[string, string[], string]>([
    ['/ws/custom.yaml', ['/ws/.hadolint.yaml'], '/ws/custom.yaml'],
    ['', ['/ws/.hadolint.yaml', '/ws/.hadolint.yml'], '/ws/.hadolint.yaml'],
    ['', ['/ws/.hadolint.yml'], '/ws/.hadolint.yml'],
    ['', [], ''],
  ])('chooseConfig(%j) with %j', (explicit, present, expected) => {
    expect(chooseConfig(explicit, '/ws', (p) => present.includes(p))).toBe(expected);
  });
});

describe('install planning', () => {
  it.each<[string, string, string, string]>([
    [
      'v2.14.0',
      'linux',
      'x64',
      'https://github.com/hadolint/hadolint/releases/download/v2.14.0/hadolint-linux-x86_64',
    ],
    [
      'v2.14.0',
      'linux',
      'arm64',
      'https://github.com/hadolint/hadolint/releases/download/v2.14.0/hadolint-linux-arm64',
    ],
    [
      'v2.14.0',
      'darwin',
      'arm64',
      'https://github.com/hadolint/hadolint/releases/download/v2.14.0/hadolint-macos-arm64',
    ],
    [
      'v2.12.0',
      'linux',
      'x64',
      'https://github.com/hadolint/hadolint/releases/download/v2.12.0/hadolint-Linux-x86_64',
    ],
    [
      'v2.12.0',
      'linux',
      'arm64',
      'https://github.com/hadolint/hadolint/releases/download/v2.12.0/hadolint-Linux-arm64',
    ],
  ])('%s on %s-%s', (version, platform, arch, url) => {
    const release = resolveRelease(version, platform, arch);
    expect(release.url).toBe(url);
    expect(release.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('pins exactly the verified checksums', () => {
    expect(CHECKSUMS['v2.14.0']?.['linux-x64']?.sha256).toBe(
      '6bf226944684f56c84dd014e8b979d27425c0148f61b3bd99bcc6f39e9dc5a47',
    );
    expect(CHECKSUMS['v2.12.0']?.['linux-x64']?.sha256).toBe(
      '56de6d5e5ec427e17b74fa48d51271c7fc0d61244bf5c90e828aab8362d55010',
    );
  });

  it('honours a download base URL override, trailing slash or not', () => {
    expect(resolveRelease('v2.14.0', 'linux', 'x64', 'http://127.0.0.1:8080/mirror/').url).toBe(
      'http://127.0.0.1:8080/mirror/v2.14.0/hadolint-linux-x86_64',
    );
  });

  it.each<[string, string, string, string]>([
    [
      'v2.13.0',
      'linux',
      'x64',
      'no verified checksum for hadolint v2.13.0. Known versions: v2.14.0, v2.12.0, or system.',
    ],
    ['v2.12.0', 'darwin', 'arm64', 'hadolint v2.12.0 has no verified binary for darwin-arm64'],
    ['v2.14.0', 'win32', 'x64', 'hadolint v2.14.0 has no verified binary for win32-x64'],
  ])('refuses %s on %s-%s', (version, platform, arch, message) => {
    expect(() => resolveRelease(version, platform, arch)).toThrow(message);
  });
});

describe('getInputs', () => {
  const base = { 'hadolint-version': 'v2.14.0' };
  it('applies defaults', () => {
    const s = getInputs(mapInputSource({}));
    expect(s).toMatchObject({
      dockerfiles: [],
      composeFiles: [],
      failureThreshold: 'warning',
      config: '',
      hadolintVersion: 'v2.14.0',
    });
    expect(s.sarifFile.endsWith('hadolint.sarif')).toBe(true);
  });

  it.each<[Record<string, string>, string]>([
    [
      { 'hadolint-version': 'v2.13.0' },
      "Input 'hadolint-version': expected one of v2.14.0|v2.12.0|system (versions with a verified checksum), got 'v2.13.0'.",
    ],
    [{ 'hadolint-version': 'latest' }, "Input 'hadolint-version': expected one of v2.14.0|v2.12.0|system"],
    [
      { 'failure-threshold': 'warn' },
      "Input 'failure-threshold': expected one of error|warning|info|style|none, got 'warn'.",
    ],
    [{ config: 'no-such-hadolint.yaml' }, "Input 'config': 'no-such-hadolint.yaml' does not exist."],
    [
      { 'sarif-file': '../out.sarif' },
      "Input 'sarif-file': expected a path inside the workspace, got '../out.sarif'.",
    ],
  ])('rejects %j', (values, message) => {
    expect(() => getInputs(mapInputSource({ ...base, ...values }))).toThrow(message);
  });

  it('accepts system and both pinned versions', () => {
    for (const v of ['system', 'v2.14.0', 'v2.12.0']) {
      expect(getInputs(mapInputSource({ 'hadolint-version': v })).hadolintVersion).toBe(v);
    }
  });
});

describe('commands', () => {
  it('runs hadolint on one file with JSON, no-fail and the generated config', () => {
    expect(lintCommand('/bin/hadolint', 'docker/api.Dockerfile', '/tmp/c.yaml', '/ws')).toEqual({
      argv: [
        '/bin/hadolint',
        '--no-fail',
        '--no-color',
        '--format',
        'json',
        '--config',
        '/tmp/c.yaml',
        '--',
        'docker/api.Dockerfile',
      ],
      cwd: '/ws',
      timeoutMs: 120_000,
    });
  });

  it.each<[string, string | undefined]>([
    ['Haskell Dockerfile Linter 2.14.0\n', '2.14.0'],
    ['Haskell Dockerfile Linter 2.12.0-no-git', '2.12.0-no-git'],
    ['Haskell Dockerfile Linter v2.15.1', '2.15.1'],
    ['garbage', undefined],
  ])('parseVersion(%j)', (out, v) => {
    expect(parseVersion(out)).toBe(v);
  });
});
