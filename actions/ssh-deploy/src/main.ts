import { randomBytes } from 'node:crypto';
import * as core from '@actions/core';
import { ActionError, check, readWorkspaceFile, writeSummary } from '../../toolkit/src/index.js';
import { SSH_STATE, SshRunner, removeSshFiles, uploadCommand, writeSshFiles } from '../../toolkit/src/ssh.js';
import {
  deployCommand,
  failureMessage,
  installCommand,
  parseResult,
  uploadPath,
} from '../../toolkit/src/deploy/engine.js';
import { engineFiles } from './engine-files.js';
import { DeploymentRecorder } from '../../toolkit/src/deploy/deployment.js';
import { getInputs } from './inputs.js';
import { engineDigest, packTar, releaseFiles, runFacts } from '../../toolkit/src/deploy/release.js';
import { deploySummary } from '../../toolkit/src/deploy/summary.js';

export async function main(): Promise<void> {
  const s = getInputs();
  const now = new Date();
  const engine = engineFiles();
  const digest = engineDigest(engine);
  const release = releaseFiles(
    s.releaseId,
    s.images,
    readWorkspaceFile(s.composeFile),
    readWorkspaceFile(s.proxyConfig),
    runFacts(process.env, now),
  );
  const nonce = `${now.getTime()}-${randomBytes(4).toString('hex')}`;
  const ssh = new SshRunner(s, writeSshFiles(s), { live: true, secrets: [s.privateKey] });
  const deployment = DeploymentRecorder.create(s.githubToken);
  await deployment.start({
    token: s.githubToken,
    environment: s.environment,
    environmentUrl: s.environmentUrl,
    description: `Deploy ${s.releaseId}`,
    payload: { release: s.releaseId, images: s.images },
  });

  let result;
  try {
    core.info(`Uploading the engine (${digest}) and release ${s.releaseId} to ${s.host}:${s.appDir}`);
    await check(ssh, uploadCommand(uploadPath(s.appDir, nonce), packTar([...engine, ...release])));
    await check(ssh, installCommand(s.appDir, nonce, digest, s.releaseId));
    const res = await ssh.exec(deployCommand(s.appDir, s.releaseId, s));
    result = parseResult(res.stdout);
    if (res.exitCode !== 0 || !result?.ok)
      throw new ActionError(failureMessage(`Deploy of ${s.releaseId} to ${s.host}`, res, result));
  } catch (err) {
    const message = (err as Error).message;
    writeSummary(deploySummary('Deploy', s.host, s.releaseId, s.images, result, message));
    await deployment.status('failure', `Deploy ${s.releaseId} failed`);
    throw err;
  }
  core.setOutput('release-id', result.release);
  core.setOutput('previous-release-id', result.previous);
  writeSummary(deploySummary('Deploy', s.host, s.releaseId, s.images, result));
  await deployment.status('success', `Deployed ${s.releaseId}`, s.environmentUrl);
}

export async function post(): Promise<void> {
  if (removeSshFiles(core.getState(SSH_STATE))) core.info('Removed the SSH key and known_hosts files.');
}
