import * as core from '@actions/core';
import { ActionError, check, writeSummary } from '../../toolkit/src/index.js';
import { SSH_STATE, SshRunner, removeSshFiles, writeSshFiles } from '../../toolkit/src/ssh.js';
import {
  type EngineResult,
  failureMessage,
  listCommand,
  parseListing,
  parseResult,
  rollbackCommand,
} from '../../toolkit/src/deploy/engine.js';
import { DeploymentRecorder } from '../../toolkit/src/deploy/deployment.js';
import { runFacts } from '../../toolkit/src/deploy/release.js';
import { deploySummary, ledgerSummary } from '../../toolkit/src/deploy/summary.js';
import { getInputs } from './inputs.js';

export async function main(): Promise<void> {
  const s = getInputs();
  const ssh = new SshRunner(s, writeSshFiles(s), { live: true, secrets: [s.privateKey] });
  const list = async () => parseListing((await check(ssh, listCommand(s.appDir))).stdout);
  if (s.list) {
    const listing = await list();
    core.setOutput('release-id', listing.current);
    core.setOutput('rolled-back-from', '');
    writeSummary(ledgerSummary(listing));
    return;
  }

  const facts = runFacts(process.env, new Date());
  const deployment = DeploymentRecorder.create(s.githubToken);
  await deployment.start({
    token: s.githubToken,
    environment: s.environment,
    environmentUrl: s.environmentUrl,
    description: `Rollback to ${s.to}`,
    payload: { rollback: true, to: s.to },
  });
  let result: EngineResult | undefined;
  try {
    const res = await ssh.exec(rollbackCommand(s.appDir, s.to, { ...s, ...facts }));
    result = parseResult(res.stdout);
    if (res.exitCode !== 0 || !result?.ok)
      throw new ActionError(failureMessage(`Rollback to ${s.to} on ${s.host}`, res, result));
  } catch (err) {
    writeSummary(
      deploySummary('Rollback', s.host, result?.release || s.to, {}, result, (err as Error).message),
    );
    await deployment.status('failure', `Rollback to ${s.to} failed`);
    throw err;
  }
  core.setOutput('release-id', result.release);
  core.setOutput('rolled-back-from', result.previous);
  writeSummary(
    deploySummary('Rollback', s.host, result.release, {}, result) + '\n' + ledgerSummary(await list()),
  );
  await deployment.status('success', `Rolled back to ${result.release}`, s.environmentUrl);
}

export async function post(): Promise<void> {
  if (removeSshFiles(core.getState(SSH_STATE))) core.info('Removed the SSH key and known_hosts files.');
}
