import type { Inputs } from './inputs.js';
import { InputError, shown } from './errors.js';
import { RULES } from './rules.js';

/** SSH connection inputs shared by ssh-deploy and rollback, named as their action.yml files spell them. */
export const CONNECTION_INPUT = {
  host: 'host',
  port: 'port',
  user: 'user',
  privateKey: 'private-key',
  knownHosts: 'known-hosts',
  appDir: 'app-dir',
} as const;

export interface Connection {
  host: string;
  port: number;
  user: string;
  /** Secret: registered for masking when read; never logged, never on a command line. */
  privateKey: string;
  /** known_hosts lines pinning the host key. Connecting without one is refused. */
  knownHosts: string;
  appDir: string;
}

const HOST =
  /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$|^\[?[0-9A-Fa-f:.]+\]?$/;

export function readConnection(i: Inputs): Connection {
  const host = i.string(CONNECTION_INPUT.host, {
    required: true,
    pattern: HOST,
    hint: 'a host name or IP address',
  });
  const port = i.integer(CONNECTION_INPUT.port, { default: 22, min: 1, max: 65535 });
  const user = i.string(CONNECTION_INPUT.user, {
    default: 'deploy',
    pattern: /^[a-z_][a-z0-9_-]{0,31}$/,
    hint: 'a POSIX user name',
  });
  const privateKey = i.secret(CONNECTION_INPUT.privateKey, { required: true });
  if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(privateKey)) {
    throw new InputError(
      CONNECTION_INPUT.privateKey,
      'expected a PEM or OpenSSH private key (-----BEGIN ... PRIVATE KEY-----). Store the whole key file in a secret.',
    );
  }
  const knownHosts = i.string(CONNECTION_INPUT.knownHosts, { required: false });
  if (!knownHosts.split('\n').some((l) => /^\S+\s+(ssh-|ecdsa-)\S+\s+\S+/.test(l.trim()))) {
    throw new InputError(
      CONNECTION_INPUT.knownHosts,
      "required: a known_hosts line pinning the server's host key (e.g. the output of `ssh-keyscan -t ed25519 HOST`, checked out of band). Refusing to connect without it.",
    );
  }
  const appDir = i.string(CONNECTION_INPUT.appDir, { default: '/srv/slipway', rule: RULES.appDir });
  if (appDir.split('/').includes('..'))
    throw new InputError(CONNECTION_INPUT.appDir, `expected a path without '..', got ${shown(appDir)}.`);
  return { host, port, user, privateKey, knownHosts, appDir };
}
