import { NormalJob, Workflow } from '@github-actions-workflow-ts/lib';
import { LocalActionStep, checkout, grant } from '../steps.js';
import { vpsConnection } from '../vps.js';

/**
 * Rollback, by hand: re-activates a release retained on the VPS (no registry needed). The job summary shows
 * the ledger, so the next person can see which releases can be chosen. Shares the deploy concurrency group.
 */
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
  concurrency: { group: 'deploy-${{ inputs.environment }}', 'cancel-in-progress': false },
}).addJob(
  new NormalJob('rollback', {
    name: 'Roll back',
    'runs-on': 'ubuntu-24.04',
    'timeout-minutes': 15,
    environment: { name: '${{ inputs.environment }}', url: '${{ vars.PRODUCTION_URL }}' },
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
        environment: '${{ inputs.environment }}',
        'environment-url': '${{ vars.PRODUCTION_URL }}',
      },
    }),
  ]),
);
