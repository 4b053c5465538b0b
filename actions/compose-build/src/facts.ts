import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Runner } from '../../toolkit/src/index.js';
import { inspectBuilder } from './builder.js';
import { readCompose } from './compose.js';
import type { Settings } from './inputs.js';
import type { Facts } from './plan.js';

/** Gathers what planning needs: the validated compose config, the builder, the cache service and cache dirs. */
export async function gatherFacts(runner: Runner, settings: Settings, env = process.env): Promise<Facts> {
  const compose = await readCompose(runner, settings.composeFiles);
  const builder = await inspectBuilder(runner);
  const localCaches = Object.keys(compose.services).filter((s) =>
    fs.existsSync(path.join(settings.cacheDir, s, 'index.json')),
  );
  const tmp = fs.mkdtempSync(path.join(env.RUNNER_TEMP || os.tmpdir(), 'compose-build-'));
  return {
    compose,
    builder,
    ghaCache: Boolean(env.ACTIONS_RUNTIME_TOKEN && (env.ACTIONS_CACHE_URL || env.ACTIONS_RESULTS_URL)),
    localCaches,
    metadataFile: path.join(tmp, 'bake-metadata.json'),
  };
}
