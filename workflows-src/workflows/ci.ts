import { NormalJob, Workflow } from '@github-actions-workflow-ts/lib';
import { checkout, setupNode, setupProject, sh } from '../steps.js';

/**
 * CI: fast checks on every pull request and every push to main. Read-only token; nothing here publishes.
 * The Docker-backed suites run in the PR gate workflow; this one needs no Docker.
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
    push: { branches: ['main'] },
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
