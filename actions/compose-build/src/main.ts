import * as core from '@actions/core';
import { LocalRunner, type Runner, toStdout, writeSummary } from '../../toolkit/src/index.js';
import { execute } from './execute.js';
import { gatherFacts } from './facts.js';
import { getInputs } from './inputs.js';
import { planBuild } from './plan.js';
import { renderReport } from './report.js';

/** `runner` runs the quiet commands (compose config, inspect); `live` runs the build, showing its output. */
export async function main(
  runner: Runner = new LocalRunner(),
  live: Runner = new LocalRunner(process.env, toStdout),
): Promise<void> {
  const settings = getInputs();
  const facts = await gatherFacts(runner, settings);
  const plan = planBuild(settings, facts);
  for (const notice of plan.notices) core.notice(notice);
  const result = await execute(runner, plan, live);
  core.setOutput(
    'images',
    JSON.stringify(Object.fromEntries(result.services.map((s) => [s.service, s.image]))),
  );
  core.setOutput('build-seconds', String(result.seconds));
  writeSummary(renderReport(plan, result));
}
