/**
 * The job's private DOCKER_CONFIG directory. `docker login` writes credentials into the config directory; on a
 * shared or self-hosted runner ~/.docker outlives the job, so the credentials go to a fresh 0700 directory that
 * the post step logs out of and deletes.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CONFIG_DIR_PREFIX } from './plan.js';

/** State keys shared by main and post. */
export const STATE = { dockerConfig: 'docker-config', registry: 'registry' } as const;

export function createDockerConfig(env: NodeJS.ProcessEnv = process.env): string {
  const dir = fs.mkdtempSync(path.join(env.RUNNER_TEMP || os.tmpdir(), CONFIG_DIR_PREFIX));
  fs.chmodSync(dir, 0o700);
  // An explicit empty auth store keeps credentials in this file (no credsStore configured here).
  fs.writeFileSync(path.join(dir, 'config.json'), '{"auths":{}}\n', { mode: 0o600 });
  return dir;
}
