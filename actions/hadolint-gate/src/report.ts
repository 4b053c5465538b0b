import { heading, table } from '../../toolkit/src/index.js';
import { byCodePoint } from './discover.js';
import { type Finding, LEVELS, atOrAbove, countByLevel } from './findings.js';
import type { Threshold } from './inputs.js';
import { helpUri } from './sarif.js';

/** Job summaries are capped at 1 MiB; past this many rows the SARIF report has the rest. */
export const MAX_ROWS = 500;

export interface Annotation {
  readonly kind: 'error' | 'warning' | 'notice';
  readonly message: string;
  readonly properties: { title: string; file: string; startLine: number; startColumn: number };
}

const KIND = { error: 'error', warning: 'warning', info: 'notice', style: 'notice' } as const;

/** One annotation per finding, on its file and line, as loud as its level. Pure. */
export function annotation(f: Finding): Annotation {
  return {
    kind: KIND[f.level],
    message: `${f.message} (${f.level})`,
    properties: { title: `hadolint ${f.code}`, file: f.file, startLine: f.line, startColumn: f.column },
  };
}

/**
 * hadolint messages hold `<package>`-style placeholders that markdown would swallow as HTML; escape them
 * outside code spans (inside, GitHub shows entities literally).
 */
export function escapeMarkdown(text: string): string {
  return text
    .split(/(`[^`]*`)/)
    .map((part) =>
      part.startsWith('`') && part.endsWith('`') && part.length > 1
        ? part
        : part.replace(/</g, '&lt;').replace(/>/g, '&gt;'),
    )
    .join('');
}

export interface ReportFacts {
  readonly threshold: Threshold;
  readonly hadolintVersion: string;
  readonly files: readonly string[];
  readonly notes?: readonly string[];
}

const byFileRuleLine = (a: Finding, b: Finding) =>
  byCodePoint(a.file, b.file) || byCodePoint(a.code, b.code) || a.line - b.line || a.column - b.column;

/** The job summary: what was linted, counts per level against the threshold, then every finding. Pure. */
export function summaryMarkdown(findings: readonly Finding[], facts: ReportFacts): string {
  const counts = countByLevel(findings);
  const failed = findings.filter((f) => atOrAbove(f.level, facts.threshold)).length;
  const verdict =
    failed > 0
      ? `**Failed**: ${failed} of ${findings.length} findings at or above \`${facts.threshold}\`.`
      : `**Passed**: ${findings.length} findings, none at or above \`${facts.threshold}\`.`;
  const noun = facts.files.length === 1 ? 'Dockerfile' : 'Dockerfiles';
  const parts = [
    heading('hadolint-gate'),
    `${verdict} Linted ${facts.files.length} ${noun} with hadolint ${facts.hadolintVersion}.\n`,
    table(
      ['Level', 'Findings', 'Fails the gate'],
      LEVELS.map((l) => [l, counts[l], atOrAbove(l, facts.threshold) ? 'yes' : 'no']),
    ),
  ];
  if (findings.length > 0) {
    const sorted = [...findings].sort(byFileRuleLine);
    parts.push(
      table(
        ['File', 'Line', 'Rule', 'Level', 'Message'],
        sorted
          .slice(0, MAX_ROWS)
          .map((f) => [
            `\`${f.file}\``,
            f.line,
            `[${f.code}](${helpUri(f.code)})`,
            f.level,
            escapeMarkdown(f.message),
          ]),
      ),
    );
    if (sorted.length > MAX_ROWS) {
      parts.push(`${sorted.length - MAX_ROWS} more findings are in the SARIF report.\n`);
    }
  } else {
    parts.push('No findings.\n');
  }
  for (const note of facts.notes ?? []) parts.push(`> ${escapeMarkdown(note)}\n`);
  return parts.join('\n');
}
