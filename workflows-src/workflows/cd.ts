import { NormalJob, ReusableWorkflowCallJob, Step, Workflow } from '@github-actions-workflow-ts/lib';
import { PINS, uses } from '../pins.js';
import { buildCache, productionUrl, registryInputs, vpsConnection } from '../settings.js';
import { LocalActionStep, checkout, grant, sh } from '../steps.js';

/**
 * The deploy pipeline: a push to main deploys only the commit that passed, on that push, CI (lint, typecheck,
 * unit tests) and the PR gate (hadolint, image build, eval). Then it builds the images with the commit's
 * version, sha and date, pushes them with timestamped tags, deploys them by digest to production (blue/green,
 * health-gated), smoke-checks /health/detailed and saves the gated eval metrics as main's new baseline.
 * A failing gate skips everything after it. Registry and VPS come from repository variables (settings.ts).
 * Its concurrency group is its own: a push never cancels a queued rollback; the host's deploy lock orders
 * a deploy and a rollback that meet there.
 */
const ci = new ReusableWorkflowCallJob('ci', {
  name: 'CI',
  uses: './.github/workflows/ci.yml',
  permissions: { contents: 'read' },
});

const gate = new ReusableWorkflowCallJob('gate', {
  name: 'PR gate',
  uses: './.github/workflows/pr-gate.yml',
  permissions: {
    contents: 'read',
    'security-events': grant('write', "pr-gate's hadolint job uploads SARIF for main"),
    'pull-requests': grant('write', "pr-gate's eval job may comment (only on pull_request events)"),
  },
});

const buildPush = new NormalJob('build-push', {
  name: 'Build and push images',
  'runs-on': 'ubuntu-24.04',
  'timeout-minutes': 30,
  permissions: { contents: 'read', packages: grant('write', 'push images to GHCR') },
  outputs: {
    tag: '${{ steps.push.outputs.tag }}',
    digests: '${{ steps.push.outputs.digests }}',
  },
})
  .needs([ci, gate])
  .addSteps([
    checkout(),
    new Step({ name: 'Set up Docker Buildx', uses: uses(PINS.setupBuildx) }),
    new LocalActionStep('compose-build', {
      name: "Build the compose services with the commit's version, sha and date",
      id: 'build',
      with: {
        'compose-file': 'docker/compose.yaml',
        services: 'api',
        cache: buildCache,
        tag: '${{ github.sha }}',
      },
    }),
    new LocalActionStep('ghcr-push', {
      name: 'Push with timestamped tags',
      id: 'push',
      with: { images: '${{ steps.build.outputs.images }}', ...registryInputs },
    }),
  ]);

const deploy = new NormalJob('deploy', {
  name: 'Deploy to production',
  'runs-on': 'ubuntu-24.04',
  'timeout-minutes': 20,
  environment: { name: 'production', url: productionUrl },
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
        'environment-url': productionUrl,
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
      { PRODUCTION_URL: productionUrl },
    ),
  ]);

const baseline = new NormalJob('baseline', {
  name: 'Save the eval baseline',
  'runs-on': 'ubuntu-24.04',
  'timeout-minutes': 10,
  permissions: { contents: 'read' },
})
  .needs([gate, smoke])
  .addSteps([
    checkout(),
    sh('Write the metrics that passed the gate', 'printf \'%s\\n\' "${METRICS}" > eval-results.json', {
      METRICS: '${{ needs.gate.outputs.eval-metrics }}',
    }),
    new LocalActionStep('eval-check', {
      name: "Save them as main's baseline",
      with: {
        results: 'eval-results.json',
        thresholds: 'service/eval/thresholds.yaml',
        'save-baseline': true,
        comment: false,
      },
    }),
  ]);

export default new Workflow('cd', {
  name: 'CD',
  on: { push: { branches: ['main'] } },
  permissions: {},
  concurrency: { group: 'cd-production', 'cancel-in-progress': false },
}).addJobs([ci, gate, buildPush, deploy, smoke, baseline]);
