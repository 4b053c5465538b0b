import fs from 'node:fs';
import * as core from '@actions/core';

/** Escapes a value for a markdown table cell. */
export function cell(value: unknown): string {
  return String(value ?? '')
    .replace(/\|/g, '\\|')
    .replace(/\r?\n/g, '<br>');
}

/**
 * An inline code span that shows `text` literally (markdown, HTML and all), whatever backticks it holds:
 * for names that come from files or inputs. One line.
 */
export function code(text: string): string {
  const flat = text.replace(/\r?\n/g, ' ');
  const longest = Math.max(0, ...(flat.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  const pad = /^[` ]|[` ]$/.test(flat) && flat.trim() !== '' ? ' ' : '';
  return `${fence}${pad}${flat}${pad}${fence}`;
}

const ENTITY: Record<string, string> = { '<': '&lt;', '>': '&gt;', '&': '&amp;' };

/**
 * Text that markdown shows as written, on one line: inline syntax (emphasis, code, links, HTML, tables) is
 * escaped everywhere, and what would start a block (a heading, list or quote) is escaped at the start.
 */
export function escapeText(text: string, opts: { lineStart?: boolean } = {}): string {
  const inline = text.replace(/\r?\n/g, ' ').replace(/[\\`*_[\]<>&|~]/g, (c) => ENTITY[c] ?? `\\${c}`);
  if (opts.lineStart === false) return inline;
  return inline.replace(/^([#+=-])/, '\\$1').replace(/^(\d+)([.)])/, '$1\\$2');
}

/** A GitHub-flavoured markdown table. Pure: returns text. */
export function table(headers: readonly string[], rows: readonly (readonly unknown[])[]): string {
  const head = `| ${headers.map(cell).join(' | ')} |`;
  const rule = `|${headers.map(() => '---').join('|')}|`;
  const body = rows.map((r) => `| ${headers.map((_, i) => cell(r[i])).join(' | ')} |`);
  return [head, rule, ...body].join('\n') + '\n';
}

/** A collapsed section. */
export function details(summary: string, body: string): string {
  return `<details><summary>${summary}</summary>\n\n${body.trimEnd()}\n\n</details>\n`;
}

export function heading(text: string, level = 3): string {
  return `${'#'.repeat(level)} ${text}\n`;
}

/**
 * Appends markdown to the job summary. Summaries never fail a job: a write error is a warning. Outside a
 * runner (no GITHUB_STEP_SUMMARY) the markdown is printed instead, so operators see the same report.
 */
export function writeSummary(markdown: string, env: NodeJS.ProcessEnv = process.env): void {
  const file = env.GITHUB_STEP_SUMMARY;
  try {
    if (file) fs.appendFileSync(file, markdown.endsWith('\n') ? markdown : `${markdown}\n`);
    else core.info(markdown);
  } catch (err) {
    core.warning(`Could not write the job summary: ${(err as Error).message}`);
  }
}
