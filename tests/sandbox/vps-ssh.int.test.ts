// The VPS (host vps1, set up from bare by infra/scripts/setup-vps.sh): its sshd accepts only the deploy user's
// key, against a pinned host key, refuses root and passwords, and the deploy user drives the host's Docker engine.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { onVpsConsole, run, sandboxVar } from './sandbox-env.js';

const host = sandboxVar('SLIPWAY_VPS_HOST');
const port = sandboxVar('SLIPWAY_VPS_PORT');
const user = sandboxVar('SLIPWAY_VPS_USER');
const key = sandboxVar('SLIPWAY_VPS_KEY');
const knownHosts = sandboxVar('SLIPWAY_VPS_KNOWN_HOSTS');
const appDir = sandboxVar('SLIPWAY_VPS_APP_DIR');
const scratch = mkdtempSync(path.join(tmpdir(), 'slipway-ssh-'));

function ssh(options: string[], target: string, command: string) {
  const args = [
    '-p',
    port,
    '-o',
    'BatchMode=yes',
    '-o',
    'ConnectTimeout=5',
    '-o',
    'StrictHostKeyChecking=yes',
  ];
  return run('ssh', [...args, ...options, `${target}@${host}`, command], { timeoutMs: 30_000 });
}
const pinned = ['-i', key, '-o', 'IdentitiesOnly=yes', '-o', `UserKnownHostsFile=${knownHosts}`];

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('sandbox VPS over ssh', () => {
  it('lets deploy run docker and compose v2 on the host with the key and the pinned host key', () => {
    const result = ssh(
      pinned,
      user,
      'docker info --format "{{.ServerVersion}}"; docker compose version --short; id -nG',
    );
    expect(result.status, result.stderr).toBe(0);
    const [version, compose, groups] = result.stdout.trim().split('\n');
    expect(version).toMatch(/^\d+\.\d+/);
    expect(compose).toMatch(/^2\./);
    expect(groups?.split(' ')).toContain('docker');
  });

  it('copies files into the app directory (scp needs the sftp subsystem)', () => {
    const file = path.join(scratch, 'probe.txt');
    writeFileSync(file, 'probe\n');
    const copy = run('scp', [
      '-P',
      port,
      '-o',
      'BatchMode=yes',
      ...pinned,
      file,
      `${user}@${host}:${appDir}/.probe.txt`,
    ]);
    expect(copy.status, copy.stderr).toBe(0);
    const read = ssh(pinned, user, `cat ${appDir}/.probe.txt && rm ${appDir}/.probe.txt`);
    expect(read.stdout).toBe('probe\n');
  });

  it('refuses a server whose key differs from the pinned one', () => {
    const otherKey = path.join(scratch, 'other');
    expect(run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', otherKey]).status).toBe(0);
    const wrongHosts = path.join(scratch, 'known_hosts');
    const otherPub = readFileSync(`${otherKey}.pub`, 'utf8').split(' ').slice(0, 2).join(' ');
    writeFileSync(wrongHosts, `${host} ${otherPub}\n`);
    const result = ssh(
      ['-i', key, '-o', 'IdentitiesOnly=yes', '-o', `UserKnownHostsFile=${wrongHosts}`],
      user,
      'true',
    );
    expect(result.status).toBe(255);
    expect(result.stderr).toMatch(/Host key verification failed|HOST IDENTIFICATION HAS CHANGED/);
  });

  it('refuses password logins and offers only public keys', () => {
    const opts = [
      '-o',
      `UserKnownHostsFile=${knownHosts}`,
      '-o',
      'PubkeyAuthentication=no',
      '-o',
      'PreferredAuthentications=password,keyboard-interactive',
    ];
    const result = ssh(opts, user, 'true');
    expect(result.status).toBe(255);
    expect(result.stderr).toMatch(/Permission denied \(publickey\)/);
  });

  it('refuses root after setup, even with the bootstrap key, and its config says so', () => {
    for (const rootKey of [key, sandboxVar('SLIPWAY_HOSTS_ROOT_KEY')]) {
      const result = ssh(
        ['-i', rootKey, '-o', 'IdentitiesOnly=yes', '-o', `UserKnownHostsFile=${knownHosts}`],
        'root',
        'true',
      );
      expect(result.status).toBe(255);
      expect(result.stderr).toMatch(/Permission denied/);
    }
    const effective = onVpsConsole(['/usr/sbin/sshd', '-T', '-C', 'user=root,host=x,addr=10.201.0.1']);
    expect(effective.stdout).toMatch(/^permitrootlogin no$/m);
    expect(effective.stdout).toMatch(/^passwordauthentication no$/m);
  });
});
