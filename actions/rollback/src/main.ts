import { ActionError } from '../../toolkit/src/index.js';
import { getInputs } from './inputs.js';

export async function main(): Promise<void> {
  getInputs();
  throw new ActionError(
    'rollback: not implemented yet. Inputs are valid; the action itself lands with the CD issue.',
  );
}
