import { heading, table } from '../../toolkit/src/index.js';
import type { BuildPlan, CacheMode } from './plan.js';
import type { StepStats } from './progress.js';

export interface ServiceResult {
  service: string;
  /** The reference reported in the `images` output (digest-pinned when pushed). */
  image: string;
  /** Uncompressed size from `docker image inspect`; undefined when the image is not in the local engine. */
  sizeBytes?: number;
  steps: StepStats;
}

export interface BuildResult {
  services: ServiceResult[];
  seconds: number;
}

/** Sizes as `docker images` shows them (decimal units). */
export function formatSize(bytes: number | undefined): string {
  if (bytes === undefined) return 'n/a';
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

export function cacheSentence(mode: CacheMode, builder: BuildPlan['builder']): string {
  switch (mode) {
    case 'gha':
      return 'GitHub Actions cache, one scope per service (`type=gha,scope=<service>`, mode=max).';
    case 'local':
      return 'local cache directory, one per service (`<cache-dir>/<service>`, replaced by the fresh export after each build).';
    case 'engine':
      return `the engine's own build cache only: builder \`${builder.name}\` uses the docker driver, which cannot export cache, so \`cache-dir\` was not written.`;
    case 'none':
      return 'none (cache: none).';
  }
}

/** Pure: the job summary markdown. */
export function renderReport(plan: BuildPlan, result: BuildResult): string {
  const rows = result.services.map((r) => [
    r.service,
    `\`${r.image}\``,
    formatSize(r.sizeBytes),
    r.steps.total === 0 ? 'no steps seen' : `${r.steps.cached}/${r.steps.total}`,
    `${r.steps.seconds.toFixed(1)} s`,
  ]);
  const count = result.services.length;
  return [
    heading('Compose build'),
    `Built ${count} service${count === 1 ? '' : 's'} in ${result.seconds.toFixed(1)} s on builder \`${plan.builder.name}\` (${plan.builder.driver} driver)${plan.push ? ', pushed; references are pinned by digest' : ''}.`,
    '',
    `Cache: ${cacheSentence(plan.cacheMode, plan.builder)}`,
    '',
    table(['Service', 'Image', 'Size', 'Cached steps', 'Step time'], rows).trimEnd(),
    '',
    'Cached steps counts the Dockerfile instructions after FROM that BuildKit served from cache. Step time is the sum of the durations of the steps that ran; services build in parallel, so it can add up to more than the total.',
    '',
  ].join('\n');
}
