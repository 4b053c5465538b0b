/**
 * A live release of this checkout on the sandbox VPS, for the fault drills and the rollback benchmark: the
 * service image built from docker/service.Dockerfile (variants: one label each, so one digest each), pushed to
 * the sandbox registry, deployed through the real ssh-deploy bundle, and seeded with the bundled corpus so a
 * search exercises PostgreSQL and the vector store.
 */
import {
  buildImages,
  connectionInputs,
  loginVps,
  mustOnVps,
  resetVps,
  runAction,
} from '../../tests/deploy/harness.js';
import { liveStatus } from './vps.js';

export interface Deployed {
  release: string;
  seconds: number;
  stdout: string;
}

export const deployInputs = (release: string, image: string) => ({
  ...connectionInputs(),
  images: JSON.stringify({ api: image }),
  'compose-file': 'docker/compose.release.yaml',
  'proxy-config': 'docker/caddy/Caddyfile.release',
  'release-id': release,
  'health-timeout-seconds': '90',
  'keep-releases': '5',
  'lock-timeout-seconds': '120',
});

/** Deploys through ssh-deploy; throws with the action's output when it fails. */
export async function deploy(release: string, image: string): Promise<Deployed> {
  const started = Date.now();
  const { main } = await runAction('ssh-deploy', deployInputs(release, image));
  if (main.status !== 0) throw new Error(`deploying ${release} failed:\n${main.stdout}`);
  return { release, seconds: (Date.now() - started) / 1000, stdout: main.stdout };
}

/** Fills the database and the vector store from the bundled corpus, through the live api's own CLI. */
export async function seed(): Promise<void> {
  const live = await liveStatus();
  const api = live.containers.find((c) => c.service === 'api' && c.release === live.current)?.name;
  if (!api) throw new Error(`no api container of ${live.current} to seed from`);
  mustOnVps(`docker exec ${api} node dist/cli.js scrape && docker exec ${api} node dist/cli.js embed`);
}

/**
 * Builds and pushes one image per variant, resets the VPS (no slots, no infra, no releases: the infra is
 * installed from this checkout's compose file) and deploys the first variant as `<prefix>-<variant>`.
 */
export async function freshLiveRelease(
  prefix: string,
  variants: string[],
): Promise<{ images: Record<string, string>; first: Deployed }> {
  const images = buildImages(variants);
  loginVps();
  resetVps();
  const first = await deploy(`${prefix}-${variants[0]}`, images[variants[0]!]!);
  await seed();
  return { images, first };
}
