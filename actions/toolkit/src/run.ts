import * as core from '@actions/core';
import { ActionError } from './errors.js';

const POST_STATE = 'slipway-is-post';

/**
 * The entry point of every action. Runs `main`, or `post` when the runner calls the same bundle again as the
 * post step. A thrown error becomes `core.setFailed` with its message; post steps only warn, never fail.
 */
export async function run(main: () => Promise<void>, post?: () => Promise<void>): Promise<void> {
  const isPost = core.getState(POST_STATE) === 'true';
  if (!isPost) core.saveState(POST_STATE, 'true');
  try {
    if (isPost) await post?.();
    else await main();
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (!(err instanceof ActionError) && err instanceof Error && err.stack) core.debug(err.stack);
    if (isPost) core.warning(`Post step: ${message}`);
    else core.setFailed(message);
  }
}
