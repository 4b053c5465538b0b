import { Step, type GeneratedWorkflowTypes } from '@github-actions-workflow-ts/lib';
import type { LocalActionInputs } from './local-actions.generated.js';
import { PINS, uses } from './pins.js';

type StepProps = Omit<GeneratedWorkflowTypes.Step, 'uses' | 'with' | 'run'>;

/**
 * A step running one of this repository's actions. `with` is typed from the action's action.yml
 * (local-actions.generated.ts): an unknown input or a missing required one is a compile error.
 */
export class LocalActionStep<A extends keyof LocalActionInputs> extends Step {
  constructor(action: A, props: StepProps & { with: LocalActionInputs[A] }) {
    super({ ...props, uses: `./actions/${action}`, with: props.with as GeneratedWorkflowTypes.Step['with'] });
  }
}

/** Checkout without leaving the token in .git/config (artifacts and later steps cannot reuse it). */
export const checkout = (props: { fetchDepth?: number } = {}): Step =>
  new Step({
    name: 'Check out the repository',
    uses: uses(PINS.checkout),
    with: {
      'persist-credentials': false,
      ...(props.fetchDepth !== undefined ? { 'fetch-depth': props.fetchDepth } : {}),
    },
  });

/** Node from .node-version, with npm's download cache keyed on package-lock.json. */
export const setupNode = (): Step =>
  new Step({
    name: 'Set up Node.js',
    uses: uses(PINS.setupNode),
    with: { 'node-version-file': '.node-version', cache: 'npm' },
  });

/** npm packages and the pinned linter venv, exactly as developers get them. */
export const setupProject = (): Step =>
  new Step({ name: 'Install dependencies and pinned linters', run: 'make setup' });

/** A shell step. Values from expressions must come in through `env`, never inside `run`. */
export const sh = (name: string, run: string, env?: Record<string, string>): Step =>
  new Step({ name, run, ...(env ? { env } : {}) });

/**
 * A permission level with the reason it is needed, rendered as `scope: write # why` (zizmor asks for a
 * reason next to every permission a job is granted).
 */
export function grant<L extends 'read' | 'write'>(level: L, why: string): L {
  return `${level} # ${why}` as L;
}
