import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { details, table, writeSummary, code, escapeText } from '../src/summary.js';

describe('summary builders', () => {
  it('renders a table and escapes pipes and newlines in cells', () => {
    expect(
      table(
        ['file', 'rule'],
        [
          ['a|b', 'x\ny'],
          ['c', 3],
        ],
      ),
    ).toBe('| file | rule |\n|---|---|\n| a\\|b | x<br>y |\n| c | 3 |\n');
  });

  it('renders an empty table with headers only', () => {
    expect(table(['a'], [])).toBe('| a |\n|---|\n');
  });

  it('renders a details block', () => {
    expect(details('More', 'body\n')).toBe('<details><summary>More</summary>\n\nbody\n\n</details>\n');
  });

  it('appends to GITHUB_STEP_SUMMARY', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sum-')), 'summary.md');
    writeSummary('one', { GITHUB_STEP_SUMMARY: file });
    writeSummary('two\n', { GITHUB_STEP_SUMMARY: file });
    expect(fs.readFileSync(file, 'utf8')).toBe('one\ntwo\n');
  });

  it('warns instead of failing when the summary cannot be written', () => {
    expect(() => writeSummary('x', { GITHUB_STEP_SUMMARY: '/nonexistent-dir/summary.md' })).not.toThrow();
  });
});

describe('code and escapeText: names from files shown, never rendered', () => {
  it.each([
    ['recall_at_5', '`recall_at_5`'],
    ['a`b', '``a`b``'],
    ['``x``', '``` ``x`` ```'],
    ['`', '`` ` ``'],
    [' padded ', '`  padded  `'],
    ['two\nlines', '`two lines`'],
  ])('code(%j) -> %s', (text, expected) => {
    expect(code(text)).toBe(expected);
  });

  it.each([
    ['recall_at_5 < min', 'recall\\_at\\_5 &lt; min'],
    ['[x](https://evil) *b* ~s~ a|b', '\\[x\\](https://evil) \\*b\\* \\~s\\~ a\\|b'],
    ['<img src=x>', '&lt;img src=x&gt;'],
    ['# heading', '\\# heading'],
    ['- item', '\\- item'],
    ['1. item', '1\\. item'],
    ['a\nb', 'a b'],
  ])('escapeText(%j) -> %s', (text, expected) => {
    expect(escapeText(text)).toBe(expected);
  });

  it('leaves block syntax alone where a line does not start', () => {
    expect(escapeText('1. x', { lineStart: false })).toBe('1. x');
  });
});
