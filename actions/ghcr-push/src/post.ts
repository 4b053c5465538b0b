import fs from 'node:fs';
import * as core from '@actions/core';
import { LocalRunner, lastLine } from '../../toolkit/src/index.js';
import { STATE } from './docker-config.js';
import { isOwnConfigDir, logoutCommand } from './plan.js';

/** Logs out of the registry and deletes the job's private DOCKER_CONFIG. Warns, never fails. */
export async function post(): Promise<void> {
  const dir = core.getState(STATE.dockerConfig);
  const registry = core.getState(STATE.registry);
  if (!dir) {
    core.info('ghcr-push post: the main step never logged in; nothing to clean up.');
    return;
  }
  if (!isOwnConfigDir(dir)) {
    core.warning(`ghcr-push post: refusing to delete '${dir}': not a directory this action created.`);
    return;
  }
  if (registry && fs.existsSync(dir)) {
    const out = await new LocalRunner().exec(logoutCommand(registry, dir));
    if (out.exitCode !== 0)
      core.warning(`ghcr-push post: docker logout ${registry} failed: ${lastLine(out.stderr)}`);
    else core.info(`Logged out of ${registry}.`);
  }
  fs.rmSync(dir, { recursive: true, force: true });
  core.info("Removed the job's private Docker config directory.");
}
