import fs from 'node:fs';
import path from 'node:path';
import * as core from '@actions/core';
import { ActionError, LocalRunner, type Runner, writeSummary } from '../../toolkit/src/index.js';
import { prepareConfig } from './config.js';
import { resolveTargets } from './discover.js';
import { failedFindings, failureMessage } from './findings.js';
import { getInputs } from './inputs.js';
import { installHadolint } from './install.js';
import { hadolintVersion, lintFiles } from './lint.js';
import { annotation, summaryMarkdown } from './report.js';
import { toSarif } from './sarif.js';

export async function main(
  runner: Runner = new LocalRunner(),
  env: NodeJS.ProcessEnv = process.env,
): Promise<void> {
  const settings = getInputs();
  const workspace = path.resolve(env.GITHUB_WORKSPACE || process.cwd());
  const targets = await resolveTargets(settings, workspace, env);
  const hadolint = await installHadolint(settings.hadolintVersion, { env });
  const version = await hadolintVersion(runner, hadolint, settings.hadolintVersion);
  const config = prepareConfig(settings.config, workspace, env);
  const findings = await lintFiles(
    runner,
    hadolint,
    targets.files,
    config.path,
    workspace,
    config.shown,
  ).finally(() => config.cleanup());
  const failed = failedFindings(findings, settings.failureThreshold);

  fs.mkdirSync(path.dirname(settings.sarifFile), { recursive: true });
  fs.writeFileSync(settings.sarifFile, `${JSON.stringify(toSarif(findings, version), null, 2)}\n`);
  for (const a of findings.map(annotation)) core[a.kind](a.message, a.properties);
  core.setOutput('findings', findings.length);
  core.setOutput('failed-findings', failed.length);
  core.setOutput('sarif-file', settings.sarifFile);
  const notes = [...targets.notes, ...config.notes];
  notes.forEach((n) => core.info(n));
  writeSummary(
    summaryMarkdown(findings, {
      threshold: settings.failureThreshold,
      hadolintVersion: version,
      files: targets.files,
      notes,
    }),
  );
  if (failed.length > 0) throw new ActionError(failureMessage(failed, settings.failureThreshold));
}
