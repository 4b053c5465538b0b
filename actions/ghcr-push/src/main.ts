import * as core from '@actions/core';
import { LocalRunner, writeSummary } from '../../toolkit/src/index.js';
import { STATE, createDockerConfig } from './docker-config.js';
import { gatherFacts, login, pushAll } from './execute.js';
import { getInputs } from './inputs.js';
import { planPush } from './plan.js';
import { digestsOutput, summaryMarkdown } from './report.js';

export async function main(): Promise<void> {
  const settings = getInputs();
  const runner = new LocalRunner();
  const facts = await gatherFacts(runner, settings, process.env);
  const dockerConfig = createDockerConfig();
  core.saveState(STATE.dockerConfig, dockerConfig);
  core.saveState(STATE.registry, settings.registry);
  const plan = planPush(settings, { ...facts, dockerConfig });

  await login(runner, plan, settings);
  const results = await pushAll(runner, plan, settings);

  core.setOutput('tag', plan.tag);
  core.setOutput('digests', digestsOutput(results));
  writeSummary(summaryMarkdown(plan.tag, results, plan.labels));
}
