import * as core from '@actions/core';
import { ActionError, LocalRunner, toStdout, writeSummary } from '../../toolkit/src/index.js';
import { planBaselineKeys, planBaselineSave } from './baseline-plan.js';
import { ActionsCacheBaselineStore } from './baseline-store.js';
import { readContext } from './context.js';
import { evalCommand, evalEnv, runEval } from './eval-command.js';
import { evaluate, failureMessage } from './evaluate.js';
import { getInputs } from './inputs.js';
import { commentOnPr, loadBaseline, readInputFile, writeReportFile } from './io.js';
import { parseMetrics } from './metrics.js';
import { renderReport } from './report.js';
import { parseThresholds } from './thresholds.js';

/** State handed from main to post: the metrics to save as the new baseline. */
const PENDING_BASELINE = 'eval-baseline';

export async function main(): Promise<void> {
  const s = getInputs();
  const ctx = readContext();
  if (s.command)
    await runEval(
      new LocalRunner(evalEnv(process.env), toStdout),
      evalCommand(s.command, ctx.workspace, [s.githubToken]),
    );
  const results = parseMetrics(readInputFile(s.results, 'results'), {
    kind: 'results',
    name: s.results.name,
  });
  const thresholds =
    s.thresholds && parseThresholds(readInputFile(s.thresholds, 'thresholds'), s.thresholds.name);
  const store = new ActionsCacheBaselineStore(planBaselineKeys(ctx), ctx.workspace);
  const baseline = await loadBaseline(s.baseline, store);
  const evaluation = evaluate(results, baseline?.metrics, thresholds, `the results file ${s.results.name}`);
  const valueLabel = ctx.pullRequest ? 'This PR' : 'This run';
  const markdown = renderReport(evaluation, {
    baselineSource: baseline?.source,
    valueLabel,
    runUrl: ctx.runUrl,
  });
  core.setOutput('passed', String(evaluation.passed));
  core.setOutput('regressions', JSON.stringify(evaluation.regressions));
  core.setOutput('report-file', writeReportFile(ctx.tempDir, markdown));
  core.setOutput('metrics', JSON.stringify({ metrics: results }));
  writeSummary(markdown);
  if (s.comment) await commentOnPr(ctx, s.githubToken, markdown);
  const save = planBaselineSave(s.saveBaseline, evaluation.passed, ctx);
  save.warnings.forEach((w) => core.warning(w));
  if (save.save) core.saveState(PENDING_BASELINE, JSON.stringify(results));
  if (!evaluation.passed) throw new ActionError(failureMessage(evaluation));
}

/** Saves the baseline main queued (only a passing run queues one). Failures are warnings. */
export async function post(): Promise<void> {
  const pending = core.getState(PENDING_BASELINE);
  if (!pending) return;
  const ctx = readContext();
  await new ActionsCacheBaselineStore(planBaselineKeys(ctx), ctx.workspace).save(JSON.parse(pending));
}
