/**
 * How workflows reach the production VPS: the host and its pinned host key are repository variables (not
 * secret, but reviewed), the deploy key is an environment secret. docs/DEPLOY.md lists them.
 */
export const vpsConnection = {
  host: '${{ vars.VPS_HOST }}',
  'known-hosts': '${{ vars.VPS_KNOWN_HOSTS }}',
  'private-key': '${{ secrets.VPS_SSH_KEY }}',
} as const;
