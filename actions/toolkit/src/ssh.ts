import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as core from '@actions/core';
import { ActionError } from './errors.js';
import { type Command, toShellLine } from './command.js';
import { type ExecResult, LocalRunner, type Runner } from './runner.js';
import type { Connection } from './connection.js';

/** Where the key and known_hosts files of one run live; removed by the post step. */
export interface SshFiles {
  readonly dir: string;
  readonly key: string;
  readonly knownHosts: string;
}

export type SshTarget = Pick<Connection, 'host' | 'port' | 'user'>;

export interface SshOptions {
  connectTimeoutSeconds?: number;
  serverAliveIntervalSeconds?: number;
}

/** The core.saveState key under which the temp dir is remembered for the post step. */
export const SSH_STATE = 'slipway-ssh-dir';
const DIR_PREFIX = 'slipway-ssh-';

/**
 * The ssh argv for one remote command line. Pure. The key is a file (never a value on argv), the host key
 * must match the pinned known_hosts file, and no user or system ssh config can change any of it.
 */
export function sshArgv(
  target: SshTarget,
  files: Pick<SshFiles, 'key' | 'knownHosts'>,
  remoteLine: string,
  opts: SshOptions = {},
): string[] {
  const host = target.host.replace(/^\[(.*)\]$/, '$1');
  return [
    'ssh',
    '-F',
    'none',
    '-i',
    files.key,
    '-p',
    String(target.port),
    '-o',
    'BatchMode=yes',
    '-o',
    'StrictHostKeyChecking=yes',
    '-o',
    `UserKnownHostsFile=${files.knownHosts}`,
    '-o',
    'GlobalKnownHostsFile=/dev/null',
    '-o',
    'IdentitiesOnly=yes',
    '-o',
    `ConnectTimeout=${opts.connectTimeoutSeconds ?? 15}`,
    '-o',
    `ServerAliveInterval=${opts.serverAliveIntervalSeconds ?? 15}`,
    '-o',
    'ServerAliveCountMax=4',
    '-o',
    'LogLevel=ERROR',
    `${target.user}@${host}`,
    '--',
    remoteLine,
  ];
}

/**
 * A command that writes stdin (base64) to `remotePath` on the host atomically: a temporary file in the same
 * directory, then rename(2). Readers see the old file or the new one, never half of it.
 */
export function uploadCommand(remotePath: string, content: Buffer | string): Command {
  if (!/^\/[A-Za-z0-9._/-]+$/.test(remotePath) || remotePath.split('/').includes('..'))
    throw new ActionError(`upload: refusing remote path '${remotePath}'.`);
  const script =
    'set -eu; umask 077; mkdir -p "$(dirname "$1")"; tmp="$1.part.$$"; ' +
    'trap \'rm -f "$tmp"\' EXIT; base64 -d >"$tmp"; mv -f "$tmp" "$1"; trap - EXIT';
  return {
    argv: ['sh', '-c', script, 'slipway-upload', remotePath],
    stdin: Buffer.from(content).toString('base64'),
  };
}

/**
 * Turns ssh's own failures (exit 255) into errors a person can act on; undefined for anything else, which
 * includes every failure of the remote command itself.
 */
export function explainSshFailure(target: SshTarget, result: ExecResult): string | undefined {
  if (result.exitCode !== 255) return undefined;
  const where = `${target.user}@${target.host}:${target.port}`;
  const err = result.stderr;
  if (
    /Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED|No \S+ host key is known/i.test(err)
  )
    return (
      `SSH to ${where} refused: the server's host key does not match input 'known-hosts'. Nothing was run on ` +
      'the host. Check the pinned key out of band (ssh-keyscan on the host itself) and update the secret.'
    );
  if (/Permission denied/i.test(err))
    return (
      `SSH to ${where} refused the key in input 'private-key' (Permission denied). Check that its public key ` +
      `is in ~${target.user}/.ssh/authorized_keys on the host.`
    );
  if (
    /Connection refused|Connection timed out|No route to host|Could not resolve hostname|timed out/i.test(err)
  )
    return `SSH could not reach ${where}: ${lastNonEmpty(err)}. Check inputs 'host' and 'port' and the firewall.`;
  return undefined;
}

function lastNonEmpty(text: string): string {
  return (
    text
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean)
      .pop() ?? 'no output'
  );
}

/**
 * Writes the private key (0600) and known_hosts into a fresh 0700 directory under RUNNER_TEMP (or the OS temp
 * dir) and remembers it for the post step. The key never reaches a log, an output or a command line.
 */
export function writeSshFiles(
  conn: Pick<Connection, 'privateKey' | 'knownHosts'>,
  env = process.env,
): SshFiles {
  const base = env.RUNNER_TEMP || os.tmpdir();
  fs.mkdirSync(base, { recursive: true });
  const dir = fs.mkdtempSync(path.join(base, DIR_PREFIX));
  fs.chmodSync(dir, 0o700);
  const key = path.join(dir, 'key');
  const knownHosts = path.join(dir, 'known_hosts');
  const keyText = conn.privateKey.replace(/\r\n/g, '\n').trim() + '\n';
  fs.writeFileSync(key, keyText, { mode: 0o600 });
  fs.writeFileSync(knownHosts, conn.knownHosts.trim() + '\n', { mode: 0o600 });
  core.saveState(SSH_STATE, dir);
  return { dir, key, knownHosts };
}

/** The post step: removes the directory writeSshFiles made. Only ever a directory of that shape. */
export function removeSshFiles(dir: string): boolean {
  if (!dir || !path.basename(dir).startsWith(DIR_PREFIX) || !path.isAbsolute(dir)) return false;
  fs.rmSync(dir, { recursive: true, force: true });
  return true;
}

/**
 * Runs a Command on the remote host through the system OpenSSH client, started by LocalRunner (the one place
 * programs are spawned). The remote command line is built by `toShellLine`, the one quoting function. With
 * `live`, the remote output is shown line by line as it comes (redacted). ssh's own failures (host key,
 * refused key, unreachable host) become ActionErrors before any result is returned.
 */
export class SshRunner implements Runner {
  private readonly local: LocalRunner;

  constructor(
    private readonly target: SshTarget,
    private readonly files: Pick<SshFiles, 'key' | 'knownHosts'>,
    private readonly opts: SshOptions & { live?: boolean; secrets?: readonly string[] } = {},
  ) {
    const env = { ...process.env };
    delete env.SSH_AUTH_SOCK;
    this.local = new LocalRunner(env, opts.live ? (line) => core.info(line) : undefined);
  }

  /** The local command that runs `cmd` on the host. Pure. */
  wrap(cmd: Command): Command {
    return {
      argv: sshArgv(this.target, this.files, toShellLine(cmd), this.opts),
      ...(cmd.stdin !== undefined ? { stdin: cmd.stdin } : {}),
      ...(cmd.timeoutMs !== undefined ? { timeoutMs: cmd.timeoutMs } : {}),
      secrets: [...(cmd.secrets ?? []), ...(this.opts.secrets ?? [])],
    };
  }

  async exec(cmd: Command): Promise<ExecResult> {
    const result = await this.local.exec(this.wrap(cmd));
    const why = explainSshFailure(this.target, result);
    if (why) throw new ActionError(why);
    return result;
  }
}
