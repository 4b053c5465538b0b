/**
 * Pure: turns the stderr of a failed docker or git command into a message a person can act on.
 * Returns undefined when nothing is recognised; the caller then reports the command and its last line.
 */

export type Step = 'commit-date' | 'inspect' | 'login' | 'build' | 'push' | 'verify';

export interface ErrorContext {
  registry: string;
  repository: string;
  service?: string;
  image?: string;
  sha?: string;
}

const TLS = /x509:|certificate signed by unknown authority|certificate is not valid|tls: failed to verify/i;
const UNREACHABLE =
  /connection refused|no such host|i\/o timeout|network is unreachable|TLS handshake timeout|server misbehaving|Client\.Timeout exceeded/i;
const UNAUTHORIZED =
  /\b401\b|unauthorized|no basic auth credentials|authentication required|incorrect username or password/i;
const DENIED = /\bdenied\b|\b403\b|forbidden/i;
const NO_IMAGE =
  /no such image|pull access denied|failed to resolve source metadata|repository does not exist/i;
const NO_COMMIT = /bad revision|unknown revision|bad object|not a git repository|ambiguous argument/i;

export function isGhcr(registry: string): boolean {
  return registry.toLowerCase() === 'ghcr.io';
}

export function credentialsMessage(registry: string): string {
  const hint = isGhcr(registry)
    ? ' On ghcr.io the password is `${{ github.token }}` (the default) or a personal access token with write:packages, and `username` its owner.'
    : '';
  return (
    `ghcr-push: the registry ${registry} rejected the credentials (401 unauthorized). ` +
    `Check the \`username\` and \`password\` inputs: the password must be a valid password or token for that user.${hint}`
  );
}

export function deniedMessage(registry: string, repository: string): string {
  if (isGhcr(registry))
    return (
      'ghcr-push: the registry refused the push (denied). The job needs `permissions: packages: write`, and the ' +
      'package must grant this repository write access (Package settings -> Manage Actions access).'
    );
  return (
    `ghcr-push: the registry ${registry} refused the push (denied). ` +
    `The user in \`username\` needs push (write) rights to ${registry}/${repository}.`
  );
}

export function classify(step: Step, stderr: string, ctx: ErrorContext): string | undefined {
  const { registry } = ctx;
  if (step === 'commit-date') {
    if (NO_COMMIT.test(stderr))
      return (
        `ghcr-push: cannot read the date of commit ${ctx.sha ?? 'GITHUB_SHA'} in the workspace, and the event ` +
        'payload does not carry it. Run actions/checkout (the default fetch-depth: 1 is enough) before this step.'
      );
    return undefined;
  }
  if (step === 'inspect' || step === 'build') {
    if (NO_IMAGE.test(stderr))
      return (
        `ghcr-push: service '${ctx.service}': the local image '${ctx.image}' does not exist on this runner. ` +
        'Build it before this step (e.g. with compose-build) or fix the `images` input.'
      );
    return undefined;
  }
  if (step === 'login' || step === 'push') {
    if (TLS.test(stderr))
      return (
        `ghcr-push: the registry ${registry} presented a TLS certificate this machine does not trust. ` +
        `Trust its CA (e.g. /etc/docker/certs.d/${registry}/ca.crt) or check the \`registry\` input.`
      );
    if (UNREACHABLE.test(stderr))
      return `ghcr-push: cannot reach the registry ${registry}. Check the \`registry\` input and the runner's network.`;
  }
  if (step === 'login') {
    // ghcr.io answers a bad token at login with `denied: denied`, other registries with 401.
    if (UNAUTHORIZED.test(stderr) || DENIED.test(stderr)) return credentialsMessage(registry);
    return undefined;
  }
  if (step === 'push') {
    if (DENIED.test(stderr)) return deniedMessage(registry, ctx.repository);
    if (UNAUTHORIZED.test(stderr)) return credentialsMessage(registry);
  }
  return undefined;
}
