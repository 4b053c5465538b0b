import { describe, expect, it } from 'vitest';
import {
  type Finding,
  type Level,
  atOrAbove,
  countByLevel,
  failedFindings,
  failureMessage,
  interpretRun,
  parseHadolintJson,
} from '../src/findings.js';
import type { Threshold } from '../src/inputs.js';

const f = (level: Level, code = 'DL3006', file = 'Dockerfile', line = 1): Finding => ({
  file,
  line,
  column: 1,
  code,
  level,
  message: 'm',
});

describe('atOrAbove', () => {
  it.each<[Level, Threshold, boolean]>([
    ['error', 'error', true],
    ['warning', 'error', false],
    ['info', 'error', false],
    ['style', 'error', false],
    ['error', 'warning', true],
    ['warning', 'warning', true],
    ['info', 'warning', false],
    ['style', 'warning', false],
    ['error', 'info', true],
    ['warning', 'info', true],
    ['info', 'info', true],
    ['style', 'info', false],
    ['error', 'style', true],
    ['warning', 'style', true],
    ['info', 'style', true],
    ['style', 'style', true],
    ['error', 'none', false],
    ['warning', 'none', false],
    ['info', 'none', false],
    ['style', 'none', false],
  ])('%s at threshold %s fails: %s', (level, threshold, expected) => {
    expect(atOrAbove(level, threshold)).toBe(expected);
  });
});

describe('failedFindings and countByLevel', () => {
  const all = [f('error'), f('warning'), f('warning'), f('info'), f('style')];
  it.each<[Threshold, number]>([
    ['error', 1],
    ['warning', 3],
    ['info', 4],
    ['style', 5],
    ['none', 0],
  ])('threshold %s keeps %i', (threshold, n) => {
    expect(failedFindings(all, threshold)).toHaveLength(n);
  });
  it('counts every level, zero included', () => {
    expect(countByLevel(all)).toEqual({ error: 1, warning: 2, info: 1, style: 1 });
    expect(countByLevel([])).toEqual({ error: 0, warning: 0, info: 0, style: 0 });
  });
});

describe('parseHadolintJson', () => {
  it.each<[string, string, Finding[] | undefined]>([
    ['empty array', '[]', []],
    ['not JSON', 'Dockerfile:1 DL3006 warning: Always tag', undefined],
    ['a JSON object, not an array', '{"a":1}', undefined],
    [
      'one finding, attributed to the file we asked about',
      '[{"code":"DL3006","column":1,"file":"/abs/Dockerfile","level":"warning","line":3,"message":"Always tag"}]',
      [{ file: 'a/Dockerfile', line: 3, column: 1, code: 'DL3006', level: 'warning', message: 'Always tag' }],
    ],
    [
      'DL1000 becomes a parse error, on one line',
      '[{"code":"DL1000","column":2,"file":"x","level":"error","line":4,"message":"unexpected \'F\'\\nexpecting FROM"}]',
      [
        {
          file: 'a/Dockerfile',
          line: 4,
          column: 2,
          code: 'DL1000',
          level: 'error',
          message: "Dockerfile does not parse: unexpected 'F'; expecting FROM",
        },
      ],
    ],
    [
      'line 0 and an unknown level are clamped to something reportable',
      '[{"code":"DL3000","column":0,"file":"x","level":"fatal","line":0,"message":"m"}]',
      [{ file: 'a/Dockerfile', line: 1, column: 1, code: 'DL3000', level: 'error', message: 'm' }],
    ],
  ])('%s', (_name, stdout, expected) => {
    expect(parseHadolintJson(stdout, 'a/Dockerfile')).toEqual(expected);
  });
});

describe('interpretRun', () => {
  const ok = (stdout: string, stderr = '', exitCode = 0) => ({ stdout, stderr, exitCode });

  it('returns the findings of a JSON run', () => {
    expect(interpretRun(ok('[]'), 'Dockerfile', '')).toEqual([]);
  });

  it('turns a run that fails on the file with a parse message into a parse-error finding', () => {
    const findings = interpretRun(
      ok('', 'hadolint: Dockerfile:3:1: unexpected end of input', 1),
      'Dockerfile',
      '',
    );
    expect(findings).toEqual([
      {
        file: 'Dockerfile',
        line: 1,
        column: 1,
        code: 'DL1000',
        level: 'error',
        message: 'Dockerfile does not parse: hadolint: Dockerfile:3:1: unexpected end of input',
      },
    ]);
  });

  it('fails clearly when hadolint cannot read the config, though it exits 0 and lints with defaults', () => {
    const stderr =
      '"Error parsing your config file in  \'cfg.yaml\':\\nIt should contain one of the keys\\n\\nexpected severity instead of !!str\\n"\n';
    expect(() => interpretRun(ok('[]', stderr), 'Dockerfile', '.hadolint.yaml')).toThrow(
      'hadolint-gate: hadolint could not read the config .hadolint.yaml: expected severity instead of !!str. Fix the file named by the config input.',
    );
  });

  it('treats any other failure as a broken hadolint, with its last stderr line', () => {
    expect(() => interpretRun(ok('', 'line one\nSegmentation fault', 139), 'Dockerfile', '')).toThrow(
      'hadolint-gate: hadolint failed on Dockerfile (exit 139): Segmentation fault.',
    );
  });
});

describe('failureMessage', () => {
  it.each<[Finding[], Threshold, string]>([
    [
      [f('warning'), f('error'), f('warning')],
      'warning',
      "hadolint-gate: 3 findings at or above 'warning' (1 error, 2 warning). See the annotations and the job summary.",
    ],
    [
      [f('style')],
      'style',
      "hadolint-gate: 1 finding at or above 'style' (1 style). See the annotations and the job summary.",
    ],
  ])('%#', (failed, threshold, message) => {
    expect(failureMessage(failed, threshold)).toBe(message);
  });
});
