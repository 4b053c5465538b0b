import { describe, expect, it } from 'vitest';
import { type Step, classify, credentialsMessage, deniedMessage } from '../src/errors.js';

const GHCR_DENIED =
  'ghcr-push: the registry refused the push (denied). The job needs `permissions: packages: write`, and the package ' +
  'must grant this repository write access (Package settings -> Manage Actions access).';
const ghcr = { registry: 'ghcr.io', repository: 'acme/shop' };
const local = { registry: '10.200.0.1:5000', repository: 'acme/shop' };
const image = { ...local, service: 'api', image: 'slipway/api:ci' };

// stderr lines captured from docker 28 against the sandbox registry (distribution, htpasswd) and from a
// registry answering 403 {"code":"DENIED","message":"permission_denied: write_package"} as ghcr.io does;
// the ghcr.io lines are the shapes ghcr.io returns for a token without package write access.
const table: [Step, string, typeof local & { service?: string; image?: string }, string | undefined][] = [
  ['push', 'denied: permission_denied: write_package', ghcr, GHCR_DENIED],
  ['push', 'denied: installation not allowed to Write organization package', ghcr, GHCR_DENIED],
  [
    'push',
    'denied: permission_denied: The token provided does not match expected scopes.',
    ghcr,
    GHCR_DENIED,
  ],
  [
    'push',
    'unexpected status from POST request to https://ghcr.io/v2/acme/shop/api/blobs/uploads/: 403 Forbidden',
    ghcr,
    GHCR_DENIED,
  ],
  [
    'push',
    'denied: requested access to the resource is denied',
    local,
    deniedMessage(local.registry, local.repository),
  ],
  [
    'push',
    'unauthorized: unauthenticated: User cannot be authenticated with the token provided.',
    ghcr,
    credentialsMessage('ghcr.io'),
  ],
  ['push', 'no basic auth credentials', local, credentialsMessage(local.registry)],
  [
    'login',
    'Error response from daemon: login attempt to https://10.200.0.1:5000/v2/ failed with status: 401 Unauthorized',
    local,
    credentialsMessage(local.registry),
  ],
  [
    'login',
    'Error response from daemon: Get "https://ghcr.io/v2/": denied: denied',
    ghcr,
    credentialsMessage('ghcr.io'),
  ],
  [
    'login',
    'Error response from daemon: Get "https://ghcr.io/v2/": unauthorized: authentication required',
    ghcr,
    credentialsMessage('ghcr.io'),
  ],
  [
    'login',
    'Error response from daemon: Get "https://10.200.0.1:5000/v2/": tls: failed to verify certificate: x509: certificate signed by unknown authority',
    local,
    'ghcr-push: the registry 10.200.0.1:5000 presented a TLS certificate this machine does not trust. Trust its CA (e.g. /etc/docker/certs.d/10.200.0.1:5000/ca.crt) or check the `registry` input.',
  ],
  [
    'push',
    'dial tcp 10.200.0.1:5000: connect: connection refused',
    local,
    "ghcr-push: cannot reach the registry 10.200.0.1:5000. Check the `registry` input and the runner's network.",
  ],
  [
    'login',
    'Error response from daemon: Get "https://nope.example/v2/": dial tcp: lookup nope.example: no such host',
    local,
    "ghcr-push: cannot reach the registry 10.200.0.1:5000. Check the `registry` input and the runner's network.",
  ],
  [
    'inspect',
    'Error response from daemon: no such image: slipway/api:ci: No such image: slipway/api:ci',
    image,
    "ghcr-push: service 'api': the local image 'slipway/api:ci' does not exist on this runner. Build it before this step (e.g. with compose-build) or fix the `images` input.",
  ],
  [
    'inspect',
    'Error: No such image: slipway/api:ci',
    image,
    "ghcr-push: service 'api': the local image 'slipway/api:ci' does not exist on this runner. Build it before this step (e.g. with compose-build) or fix the `images` input.",
  ],
  [
    'build',
    'ERROR: failed to solve: slipway/api:ci: failed to resolve source metadata for docker.io/slipway/api:ci: pull access denied',
    image,
    "ghcr-push: service 'api': the local image 'slipway/api:ci' does not exist on this runner. Build it before this step (e.g. with compose-build) or fix the `images` input.",
  ],
  [
    'login',
    'Error response from daemon: Get "http://127.0.0.1:35599/v2/": net/http: request canceled (Client.Timeout exceeded while awaiting headers)',
    local,
    "ghcr-push: cannot reach the registry 10.200.0.1:5000. Check the `registry` input and the runner's network.",
  ],
  ['push', 'received unexpected HTTP status: 500 Internal Server Error', local, undefined],
  ['build', 'ERROR: failed to solve: no space left on device', image, undefined],
  ['verify', 'anything', local, undefined],
];

describe('classify', () => {
  it.each(table)('%s: %s', (step, stderr, ctx, want) => {
    expect(classify(step, stderr, ctx)).toBe(want);
  });

  it('names the commit and tells to check out when git cannot find it', () => {
    expect(classify('commit-date', 'fatal: bad object 0123456', { ...local, sha: '0123456' })).toBe(
      'ghcr-push: cannot read the date of commit 0123456 in the workspace, and the event payload does not carry it. ' +
        'Run actions/checkout (the default fetch-depth: 1 is enough) before this step.',
    );
  });

  it('the credentials message names the inputs', () => {
    expect(credentialsMessage('10.200.0.1:5000')).toBe(
      'ghcr-push: the registry 10.200.0.1:5000 rejected the credentials (401 unauthorized). Check the `username` and ' +
        '`password` inputs: the password must be a valid password or token for that user.',
    );
  });
});
