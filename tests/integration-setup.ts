// vitest globalSetup for the `integration` project: bring the sandbox up (fast when warm) and expose
// its SLIPWAY_* variables to the tests. The sandbox is left running: the next run reuses it.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { readSandboxEnv, repoRoot } from './sandbox/sandbox-env.js';

export default async function setup(): Promise<void> {
  const up = spawnSync(path.join(repoRoot, 'scripts', 'sandbox', 'up'), [], { stdio: 'inherit' });
  if (up.status !== 0) {
    throw new Error(
      `scripts/sandbox/up failed (exit ${up.status ?? up.signal}): see its output above. ` +
        'Run scripts/sandbox/status to see which component is down.',
    );
  }
  Object.assign(process.env, readSandboxEnv());
}
