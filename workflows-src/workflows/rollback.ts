import { NormalJob, Workflow } from '@github-actions-workflow-ts/lib';
import { productionUrl, vpsConnection } from '../settings.js';
import { LocalActionStep, checkout, grant, sh } from '../steps.js';

/**
 * Rollback, by hand: re-activates a release retained on the VPS (no registry needed). The job summary shows
 * the ledger, so the next person can see which releases can be chosen. It runs only from main (a branch's copy
 * of this file never reaches the production environment or its key; the environment's branch policy says the
 * same on GitHub, scripts/github/protect-production.ts sets it) and has its own concurrency group: a push to
 * main never cancels a queued rollback. A deploy holding the host's lock is waited for, not failed on.
 */
const onMain = "github.ref == 'refs/heads/main'";

const rollback = new NormalJob('rollback', {
  name: 'Roll back',
  if: onMain,
  'runs-on': 'ubuntu-24.04',
  'timeout-minutes': 15,
  environment: { name: '${{ inputs.environment }}', url: productionUrl },
  permissions: {
    contents: 'read',
    deployments: grant('write', 'record the rollback as a GitHub Deployment'),
  },
}).addSteps([
  checkout(),
  new LocalActionStep('rollback', {
    name: 'Re-activate a retained release',
    with: {
      ...vpsConnection,
      to: '${{ inputs.to }}',
      'lock-timeout-seconds': 600,
      environment: '${{ inputs.environment }}',
      'environment-url': productionUrl,
    },
  }),
]);

const refuse = new NormalJob('refuse-branch', {
  name: 'Refuse a rollback from another branch',
  if: `!(${onMain})`,
  'runs-on': 'ubuntu-24.04',
  'timeout-minutes': 5,
  permissions: {},
}).addSteps([
  sh(
    'Rollback runs only from main',
    'echo "::error::Rollback runs only from main, not ${REF}. Run it from main."; exit 1',
    {
      REF: '${{ github.ref }}',
    },
  ),
]);

export default new Workflow('rollback', {
  name: 'Rollback',
  on: {
    workflow_dispatch: {
      inputs: {
        to: {
          description: 'Release id to roll back to, or previous',
          required: false,
          default: 'previous',
          type: 'string',
        },
        environment: {
          description: 'Environment to roll back',
          required: true,
          default: 'production',
          type: 'choice',
          options: ['production'],
        },
      },
    },
  },
  permissions: {},
  concurrency: { group: 'rollback-${{ inputs.environment }}', 'cancel-in-progress': false },
}).addJobs([rollback, refuse]);
