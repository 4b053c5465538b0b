import { ActionError } from '../../toolkit/src/index.js';
import { getInputs } from './inputs.js';

export async function main(): Promise<void> {
  getInputs();
  throw new ActionError(
    'compose-build: not implemented yet. Inputs are valid; the action itself lands with the PR-gate issue.',
  );
}
