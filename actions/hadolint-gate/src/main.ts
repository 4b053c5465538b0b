import fs from 'node:fs';
import path from 'node:path';
import * as core from '@actions/core';
import {
  ActionError,
  LocalRunner,
  type Runner,
  workspaceRoot,
  writeSummary,
} from '../../toolkit/src/index.js';
import { resolveTargets } from './discover.js';
import { failedFindings, failureMessage } from './findings.js';
import { getInputs } from './inputs.js';
import { runHadolint } from './lint.js';
import { annotation, summaryMarkdown } from './report.js';
import { toSarif } from './sarif.js';

export async function main(runner: Runner = new LocalRunner(), env = process.env): Promise<void> {
  const settings = getInputs();
  const workspace = workspaceRoot(env);
  const targets = await resolveTargets(settings, workspace, env);
  const { version, findings, notes } = await runHadolint(runner, settings, targets.files, workspace, env);
  const failed = failedFindings(findings, settings.failureThreshold);

  fs.mkdirSync(path.dirname(settings.sarifFile), { recursive: true });
  fs.writeFileSync(settings.sarifFile, `${JSON.stringify(toSarif(findings, version), null, 2)}\n`);
  for (const a of findings.map(annotation)) core[a.kind](a.message, a.properties);
  core.setOutput('findings', findings.length);
  core.setOutput('failed-findings', failed.length);
  core.setOutput('sarif-file', settings.sarifFile);
  const allNotes = [...targets.notes, ...notes];
  allNotes.forEach((n) => core.info(n));
  const facts = { threshold: settings.failureThreshold, hadolintVersion: version, files: targets.files };
  writeSummary(summaryMarkdown(findings, { ...facts, notes: allNotes }));
  if (failed.length > 0) throw new ActionError(failureMessage(failed, settings.failureThreshold));
}
