import { NormalJob, Step, Workflow } from '@github-actions-workflow-ts/lib';
import { PINS, uses } from '../pins.js';
import { buildCache } from '../settings.js';
import { LocalActionStep, checkout, grant, setupNode, setupProject, sh } from '../steps.js';

/**
 * The PR gate: every pull request gets the Dockerfile gate, a cached image build and the eval quality gate
 * (compared with the baseline the deploy pipeline saved for main, with a sticky PR comment). cd.yml calls it
 * on every push to main, so main deploys only what passed it, and saves the eval metrics it outputs as the
 * next baseline once the deploy succeeded.
 * Fork PRs get no secrets (none are used here) and a read-only token: the gate still runs; only the SARIF
 * upload and the PR comment, which need write scopes, are skipped or downgraded to a warning.
 */
const isTrusted =
  "github.event_name != 'pull_request' || github.event.pull_request.head.repo.full_name == github.repository";

const dockerfiles = new NormalJob('dockerfiles', {
  name: 'Dockerfile gate (hadolint)',
  'runs-on': 'ubuntu-24.04',
  'timeout-minutes': 10,
  permissions: {
    contents: 'read',
    'security-events': grant('write', 'upload hadolint SARIF to code scanning'),
  },
}).addSteps([
  checkout(),
  new LocalActionStep('hadolint-gate', {
    name: 'Lint every Dockerfile',
    id: 'hadolint',
    with: { 'failure-threshold': 'style', 'sarif-file': 'hadolint.sarif' },
  }),
  new Step({
    name: 'Upload findings to code scanning',
    // Only when the gate got as far as writing its report (a bad input fails before), and never from forks.
    if: `always() && steps.hadolint.outputs.sarif-file != '' && (${isTrusted})`,
    uses: uses(PINS.uploadSarif),
    with: { sarif_file: '${{ steps.hadolint.outputs.sarif-file }}', category: 'hadolint' },
  }),
]);

const build = new NormalJob('build', {
  name: 'Build images (cached per service)',
  'runs-on': 'ubuntu-24.04',
  'timeout-minutes': 30,
  permissions: { contents: 'read' },
}).addSteps([
  checkout(),
  new Step({ name: 'Set up Docker Buildx', uses: uses(PINS.setupBuildx) }),
  new LocalActionStep('compose-build', {
    name: 'Build the compose services',
    id: 'build',
    with: { 'compose-file': 'docker/compose.yaml', cache: buildCache, tag: '${{ github.sha }}' },
  }),
]);

const evalGate = new NormalJob('eval', {
  name: 'Eval quality gate',
  'runs-on': 'ubuntu-24.04',
  'timeout-minutes': 30,
  permissions: { contents: 'read', 'pull-requests': grant('write', 'post the sticky eval comment') },
  outputs: { metrics: '${{ steps.eval.outputs.metrics }}' },
}).addSteps([
  checkout(),
  setupNode(),
  setupProject(),
  sh('Start the reference service with PostgreSQL and ChromaDB', 'make dev'),
  new LocalActionStep('eval-check', {
    name: 'Run the eval and gate on its metrics',
    id: 'eval',
    with: {
      command: 'make --silent eval > eval-results.json',
      results: 'eval-results.json',
      thresholds: 'service/eval/thresholds.yaml',
    },
  }),
  new Step({ name: 'Stop the stack', if: 'always()', run: 'make dev-down' }),
]);

export default new Workflow('pr-gate', {
  name: 'PR gate',
  on: {
    pull_request: {},
    workflow_call: {
      outputs: {
        'eval-metrics': {
          description: 'The eval metrics that passed the gate, {"metrics": {...}}',
          value: '${{ jobs.eval.outputs.metrics }}',
        },
      },
    },
  },
  permissions: {},
  concurrency: {
    group: 'pr-gate-${{ github.ref }}',
    'cancel-in-progress': true,
  },
}).addJobs([dockerfiles, build, evalGate]);
