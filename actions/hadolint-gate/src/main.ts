import { ActionError } from '../../toolkit/src/index.js';
import { getInputs } from './inputs.js';

export async function main(): Promise<void> {
  getInputs();
  throw new ActionError(
    'hadolint-gate: not implemented yet. Inputs are valid; the gate itself lands with the PR-gate issue.',
  );
}
