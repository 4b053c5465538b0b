import { code, escapeText, heading, table } from '../../toolkit/src/index.js';
import { type Evaluation, formatNumber, type MetricRow } from './evaluate.js';
import type { MetricThreshold } from './thresholds.js';

export interface ReportContext {
  /** Where the baseline came from, e.g. "eval/baseline.json" or a cache key; undefined: no baseline. */
  baselineSource?: string;
  /** Column heading of this run's values: "This PR" on pull requests, "This run" elsewhere. */
  valueLabel: string;
  /** Link to the workflow run, when known. */
  runUrl?: string;
}

const STATUS: Record<MetricRow['status'], string> = { pass: '✅ pass', fail: '❌ fail', info: 'info' };

function signed(n: number): string {
  return n > 0 ? `+${formatNumber(n)}` : formatNumber(n);
}

export function formatDelta(row: MetricRow): string {
  if (row.delta === undefined) return '';
  const pct =
    row.deltaPct === undefined ? 'n/a' : `${row.deltaPct > 0 ? '+' : ''}${Number(row.deltaPct.toFixed(2))}%`;
  return `${signed(row.delta)} (${pct})`;
}

/** The bounds in the thresholds file's own words, so a reader can find them there. */
export function formatBound(t: MetricThreshold | undefined): string {
  if (!t) return 'not gated';
  const parts: string[] = [t.direction === 'higher' ? 'higher is better' : 'lower is better'];
  if (t.min !== undefined) parts.push(`min ${formatNumber(t.min)}`);
  if (t.max !== undefined) parts.push(`max ${formatNumber(t.max)}`);
  if (t.tolerance !== undefined) parts.push(`tolerance ${formatNumber(t.tolerance)}`);
  if (t.tolerancePct !== undefined) parts.push(`tolerance-pct ${formatNumber(t.tolerancePct)}%`);
  return parts.join(', ');
}

function verdict(e: Evaluation): string {
  const gated = e.rows.filter((r) => r.status !== 'info').length;
  if (gated === 0) return 'ℹ️ no metric is gated (no thresholds file)';
  if (e.passed) return `✅ passed (${gated} gated metric${gated === 1 ? '' : 's'})`;
  return `❌ failed: ${e.regressions.length} of ${gated} gated metric${gated === 1 ? '' : 's'}`;
}

/**
 * One failure or note. Metric names come from the results and thresholds files, so they are shown, never
 * rendered: the name as a code span, the rest as escaped text (a name like `x](https://evil)` stays text).
 */
function listItem(name: string, text: string): string {
  if (text.startsWith(`${name} `))
    return `- ${code(name)} ${escapeText(text.slice(name.length + 1), { lineStart: false })}`;
  return `- ${escapeText(text)}`;
}

/** The markdown report: the same text goes to the job summary, the PR comment and the report file. */
export function renderReport(e: Evaluation, ctx: ReportContext): string {
  const out: string[] = [heading(`Eval check: ${verdict(e)}`)];
  out.push(
    ctx.baselineSource
      ? `Baseline: ${ctx.baselineSource}.\n`
      : 'No baseline: only absolute bounds (min, max) were checked; tolerances need a baseline.\n',
  );
  out.push(
    table(
      ['Metric', 'Baseline', ctx.valueLabel, 'Delta', 'Bound', 'Status'],
      e.rows.map((r) => [
        code(r.name),
        r.baseline === undefined ? '' : formatNumber(r.baseline),
        r.value === undefined ? 'missing' : formatNumber(r.value),
        formatDelta(r),
        formatBound(r.threshold),
        STATUS[r.status],
      ]),
    ),
  );
  const failures = e.rows.flatMap((r) => r.failures.map((f) => listItem(r.name, f)));
  if (failures.length > 0) out.push(`**Failures**\n\n${failures.join('\n')}\n`);
  const notes = e.rows.flatMap((r) => r.notes.map((n) => listItem(r.name, n)));
  if (notes.length > 0) out.push(`**Notes**\n\n${notes.join('\n')}\n`);
  if (ctx.runUrl) out.push(`[Workflow run](${ctx.runUrl})\n`);
  return out.join('\n');
}
