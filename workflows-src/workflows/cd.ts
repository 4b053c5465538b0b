import { NormalJob, Step, Workflow } from '@github-actions-workflow-ts/lib';
import { PINS, uses } from '../pins.js';
import { LocalActionStep, checkout, grant, sh } from '../steps.js';
import { vpsConnection } from '../vps.js';

/**
 * CD: every push to main builds the images, pushes them to GHCR with timestamped tags and deploys them by
 * digest to the production VPS (blue/green behind Caddy), then smoke-checks /health/detailed.
 * Deploys share one concurrency group with rollbacks: they never overlap, and a newer one queues.
 */
const buildPush = new NormalJob('build-push', {
  name: 'Build and push images',
  'runs-on': 'ubuntu-24.04',
  'timeout-minutes': 30,
  permissions: { contents: 'read', packages: grant('write', 'push images to GHCR') },
  outputs: {
    tag: '${{ steps.push.outputs.tag }}',
    digests: '${{ steps.push.outputs.digests }}',
  },
}).addSteps([
  checkout(),
  new Step({ name: 'Set up Docker Buildx', uses: uses(PINS.setupBuildx) }),
  new LocalActionStep('compose-build', {
    name: 'Build the compose services',
    id: 'build',
    with: { 'compose-file': 'docker/compose.yaml', cache: 'gha', tag: 'ci' },
  }),
  new LocalActionStep('ghcr-push', {
    name: 'Push to GHCR with timestamped tags',
    id: 'push',
    with: { images: '${{ steps.build.outputs.images }}' },
  }),
]);

const deploy = new NormalJob('deploy', {
  name: 'Deploy to production',
  'runs-on': 'ubuntu-24.04',
  'timeout-minutes': 20,
  environment: { name: 'production', url: '${{ vars.PRODUCTION_URL }}' },
  permissions: {
    contents: 'read',
    deployments: grant('write', 'record the GitHub Deployment and its statuses'),
  },
})
  .needs([buildPush])
  .addSteps([
    checkout(),
    new LocalActionStep('ssh-deploy', {
      name: 'Deploy by digest, blue/green, health-gated',
      id: 'deploy',
      with: {
        ...vpsConnection,
        images: '${{ needs.build-push.outputs.digests }}',
        'release-id': '${{ needs.build-push.outputs.tag }}',
        environment: 'production',
        'environment-url': '${{ vars.PRODUCTION_URL }}',
      },
    }),
  ]);

const smoke = new NormalJob('smoke', {
  name: 'Smoke check /health/detailed',
  'runs-on': 'ubuntu-24.04',
  'timeout-minutes': 5,
  permissions: {},
})
  .needs([deploy])
  .addSteps([
    sh(
      'The live release reports ok',
      'curl --fail --silent --show-error --max-time 10 --retry 6 --retry-delay 5 --retry-all-errors "${PRODUCTION_URL}/health/detailed"',
      { PRODUCTION_URL: '${{ vars.PRODUCTION_URL }}' },
    ),
  ]);

export default new Workflow('cd', {
  name: 'CD',
  on: { push: { branches: ['main'] } },
  permissions: {},
  concurrency: { group: 'deploy-production', 'cancel-in-progress': false },
}).addJobs([buildPush, deploy, smoke]);
