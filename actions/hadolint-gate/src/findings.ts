import { ActionError, type ExecResult, lastLine } from '../../toolkit/src/index.js';
import type { Threshold } from './inputs.js';

export const LEVELS = ['error', 'warning', 'info', 'style'] as const;
export type Level = (typeof LEVELS)[number];

export interface Finding {
  /** Workspace-relative, `/`-separated. */
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly code: string;
  readonly level: Level;
  readonly message: string;
}

const RANK: Record<Level, number> = { error: 4, warning: 3, info: 2, style: 1 };

/** Whether a finding of `level` fails the gate at `threshold`; `none` never fails. */
export function atOrAbove(level: Level, threshold: Threshold): boolean {
  return threshold !== 'none' && RANK[level] >= RANK[threshold];
}

export function failedFindings(findings: readonly Finding[], threshold: Threshold): Finding[] {
  return findings.filter((f) => atOrAbove(f.level, threshold));
}

export function countByLevel(findings: readonly Finding[]): Record<Level, number> {
  const counts: Record<Level, number> = { error: 0, warning: 0, info: 0, style: 0 };
  for (const f of findings) counts[f.level] += 1;
  return counts;
}

const oneLine = (text: string) => text.replace(/\s*\n\s*/g, '; ').trim();

export function parseErrorFinding(file: string, detail: string, line = 1, column = 1): Finding {
  return {
    file,
    line: Math.max(1, line),
    column: Math.max(1, column),
    code: 'DL1000',
    level: 'error',
    message: `Dockerfile does not parse: ${oneLine(detail)}`,
  };
}

function isLevel(value: unknown): value is Level {
  return typeof value === 'string' && (LEVELS as readonly string[]).includes(value);
}

/** hadolint's `--format json` output, attributed to `file`. Returns undefined when stdout is not that. Pure. */
export function parseHadolintJson(stdout: string, file: string): Finding[] | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(stdout);
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed)) return undefined;
  const findings: Finding[] = [];
  for (const raw of parsed as Record<string, unknown>[]) {
    const code = typeof raw.code === 'string' ? raw.code : 'unknown';
    const line = typeof raw.line === 'number' ? raw.line : 1;
    const column = typeof raw.column === 'number' ? raw.column : 1;
    const message = typeof raw.message === 'string' ? raw.message : '';
    if (code === 'DL1000') {
      findings.push(parseErrorFinding(file, message, line, column));
      continue;
    }
    findings.push({
      file,
      line: Math.max(1, line),
      column: Math.max(1, column),
      code,
      level: isLevel(raw.level) ? raw.level : 'error',
      message: oneLine(message),
    });
  }
  return findings;
}

const CONFIG_ERROR = /Error parsing your config file/;

/**
 * The findings of one `hadolint --format json <file>` run. hadolint reports a config it cannot read on stderr
 * and lints with defaults; that is an error here, not a silent downgrade. Output that is not JSON, from a run
 * that failed on the file itself, is a parse error of that file. Anything else is a broken hadolint. Pure.
 */
export function interpretRun(result: ExecResult, file: string, configPath: string): Finding[] {
  if (CONFIG_ERROR.test(result.stderr) || CONFIG_ERROR.test(result.stdout)) {
    const why = lastLine(result.stderr.replace(/\\n/g, '\n').replace(/"/g, ''));
    throw new ActionError(
      `hadolint-gate: hadolint could not read the config ${configPath || '(generated)'}: ${why}. Fix the file named by the config input.`,
    );
  }
  const parsed = parseHadolintJson(result.stdout.trim(), file);
  if (parsed) return parsed;
  const why = lastLine(result.stderr) || lastLine(result.stdout) || `exit ${result.exitCode}`;
  if (/parse|unexpected|expecting/i.test(result.stderr)) return [parseErrorFinding(file, why)];
  throw new ActionError(
    `hadolint-gate: hadolint failed on ${file} (exit ${result.exitCode}): ${why}. Run it locally with --format json to see why.`,
  );
}

/** "hadolint-gate: 3 findings at or above 'warning' (1 error, 2 warning). ..." */
export function failureMessage(failed: readonly Finding[], threshold: Threshold): string {
  const counts = countByLevel(failed);
  const parts = LEVELS.filter((l) => counts[l] > 0).map((l) => `${counts[l]} ${l}`);
  const noun = failed.length === 1 ? 'finding' : 'findings';
  return (
    `hadolint-gate: ${failed.length} ${noun} at or above '${threshold}' (${parts.join(', ')}). ` +
    'See the annotations and the job summary.'
  );
}
