import { NormalJob, Workflow } from '@github-actions-workflow-ts/lib';
import { checkout, setupNode, setupProject, sh } from '../steps.js';

/**
 * CI: lint, typecheck and the unit tests on every pull request, and on every push to main as the first gate of
 * the deploy pipeline (cd.yml calls this file). Read-only token; nothing here publishes. The Docker-backed
 * checks run in the PR gate.
 */
const job = (name: string, displayName: string, ...steps: ReturnType<typeof sh>[]) =>
  new NormalJob(name, {
    name: displayName,
    'runs-on': 'ubuntu-24.04',
    'timeout-minutes': 15,
    permissions: { contents: 'read' },
  }).addSteps([checkout(), setupNode(), setupProject(), ...steps]);

export default new Workflow('ci', {
  name: 'CI',
  on: {
    pull_request: {},
    workflow_call: {},
  },
  permissions: {},
  concurrency: {
    group: 'ci-${{ github.ref }}',
    'cancel-in-progress': true,
  },
}).addJobs([
  job('lint', 'Lint', sh('ESLint, Prettier, shellcheck, hadolint, yamllint', 'make lint')),
  job('typecheck', 'Typecheck', sh('TypeScript (strict)', 'make typecheck')),
  job('unit', 'Unit tests (bundles smoke-run under Node 20 and 24)', sh('Unit tests', 'make test-unit')),
  job(
    'generated',
    'Bundles and workflows are up to date',
    sh('Rebuild and compare with the committed files', 'make check'),
  ),
]);
