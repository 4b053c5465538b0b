import fs from 'node:fs';
import * as core from '@actions/core';
import { ActionError, CommandError, type Runner, command } from '../../toolkit/src/index.js';
import { markCacheDir } from './cache-dir.js';
import { type BuildPlan, repositoryOf } from './plan.js';
import { parseProgress } from './progress.js';
import type { BuildResult } from './report.js';

export function imageSizeCommand(image: string) {
  return command(['docker', 'image', 'inspect', '--format', '{{.Size}}', image]);
}

/** Pure: `repo@sha256:...` per service from bake's metadata file (`containerimage.digest` of each target). */
export function pinnedReferences(plan: BuildPlan, metadata: string): Record<string, string> {
  let meta: Record<string, Record<string, unknown> | undefined>;
  try {
    meta = JSON.parse(metadata) as typeof meta;
  } catch (err) {
    throw new ActionError(`compose-build: bake's metadata file is not JSON (${(err as Error).message}).`);
  }
  const out: Record<string, string> = {};
  for (const s of plan.services) {
    const digest = meta[s.service]?.['containerimage.digest'];
    if (typeof digest !== 'string' || !/^sha256:[0-9a-f]{64}$/.test(digest)) {
      throw new ActionError(
        `compose-build: pushed ${s.image} but bake's metadata has no image digest for target '${s.service}'. Check that the builder supports pushing (docker/setup-buildx-action).`,
      );
    }
    out[s.service] = `${repositoryOf(s.image)}@${digest}`;
  }
  return out;
}

/**
 * Runs the plan: the bake build (on `live`, which shows its output as it comes), the local cache swap, then
 * reads digests and image sizes (on `runner`, captured).
 */
export async function execute(runner: Runner, plan: BuildPlan, live: Runner = runner): Promise<BuildResult> {
  if (plan.swaps.length > 0) markCacheDir(plan.cacheDir);
  for (const swap of plan.swaps) fs.mkdirSync(swap.current, { recursive: true });
  const started = performance.now();
  const res = await live.exec(plan.bake);
  const seconds = Math.round((performance.now() - started) / 100) / 10;
  const names = plan.services.map((s) => s.service);
  if (res.exitCode !== 0) throw new CommandError(plan.bake, res);
  const steps = parseProgress(`${res.stderr}\n${res.stdout}`, names);

  for (const { fresh, current } of plan.swaps) {
    if (!fs.existsSync(fresh)) continue;
    fs.rmSync(current, { recursive: true, force: true });
    fs.renameSync(fresh, current);
  }

  const images = plan.push
    ? pinnedReferences(plan, fs.readFileSync(plan.metadataFile, 'utf8'))
    : Object.fromEntries(plan.services.map((s) => [s.service, s.image]));

  const services = [];
  for (const s of plan.services) {
    const inspect = await runner.exec(imageSizeCommand(s.image));
    const size = inspect.exitCode === 0 ? Number(inspect.stdout.trim()) : NaN;
    if (Number.isNaN(size)) core.debug(`no local image ${s.image} to measure: ${inspect.stderr.trim()}`);
    services.push({
      service: s.service,
      image: images[s.service]!,
      ...(Number.isNaN(size) ? {} : { sizeBytes: size }),
      steps: steps[s.service]!,
    });
  }
  return { services, seconds };
}
