// A second host for the off-site copy: the machine's own OpenSSH sshd with its own config on a loopback port
// of this suite's range, its own host key (pinned by the client) and a client key made at test time, the
// account restricted to SFTP inside a chroot (ForceCommand internal-sftp), as an off-site backup account should
// be. Keys are generated per run and removed with the server.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { must } from './stack.js';

export interface SftpServer {
  port: number;
  /** SLIPWAY_BACKUP_OFFSITE* settings that reach it (the path is inside the chroot). */
  env: Record<string, string>;
  /** The backups stored on it, as the filesystem shows them. */
  storedDir: string;
  /** A known_hosts file pinning another key: what a man in the middle would present. */
  wrongKnownHosts: string;
  stop: () => Promise<void>;
}

async function answers(port: number): Promise<boolean> {
  const net = await import('node:net');
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('data', (d) => {
      socket.destroy();
      resolve(d.toString().startsWith('SSH-'));
    });
    socket.once('error', () => resolve(false));
  });
}

export async function startSftpServer(port: number): Promise<SftpServer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'backup-it-sftp-'));
  // sshd wants every component of a chroot root-owned and not writable by others: /tmp is not.
  const chroot = fs.mkdtempSync('/run/backup-it-offsite-');
  fs.chmodSync(chroot, 0o755);
  fs.mkdirSync(path.join(chroot, 'backups'), { mode: 0o700 });
  const key = (name: string) => {
    must('ssh-keygen', [
      '-q',
      '-t',
      'ed25519',
      '-N',
      '',
      '-C',
      `backup-it-${name}`,
      '-f',
      path.join(dir, name),
    ]);
    return path.join(dir, name);
  };
  const hostKey = key('host');
  const otherHostKey = key('other-host');
  const clientKey = key('client');
  fs.copyFileSync(`${clientKey}.pub`, path.join(dir, 'authorized_keys'));
  const pin = (pub: string) =>
    `[127.0.0.1]:${port} ${fs.readFileSync(pub, 'utf8').split(' ').slice(0, 2).join(' ')}\n`;
  fs.writeFileSync(path.join(dir, 'known_hosts'), pin(`${hostKey}.pub`));
  fs.writeFileSync(path.join(dir, 'wrong_known_hosts'), pin(`${otherHostKey}.pub`));
  const config = path.join(dir, 'sshd_config');
  fs.writeFileSync(
    config,
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${hostKey}`,
      `PidFile ${path.join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${path.join(dir, 'authorized_keys')}`,
      'StrictModes no',
      'PermitRootLogin prohibit-password',
      'AllowUsers root',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      'Subsystem sftp internal-sftp',
      'ForceCommand internal-sftp',
      `ChrootDirectory ${chroot}`,
      '',
    ].join('\n'),
  );
  fs.mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  must('/usr/sbin/sshd', ['-t', '-f', config]);
  const child: ChildProcess = spawn(
    '/usr/sbin/sshd',
    ['-D', '-f', config, '-E', path.join(dir, 'sshd.log')],
    {
      stdio: 'ignore',
    },
  );
  const deadline = Date.now() + 10_000;
  while (!(await answers(port))) {
    if (Date.now() > deadline)
      throw new Error(`sshd on 127.0.0.1:${port} did not answer; see ${dir}/sshd.log`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    port,
    storedDir: path.join(chroot, 'backups'),
    wrongKnownHosts: path.join(dir, 'wrong_known_hosts'),
    env: {
      SLIPWAY_BACKUP_OFFSITE: 'root@127.0.0.1:/backups',
      SLIPWAY_BACKUP_OFFSITE_PORT: String(port),
      SLIPWAY_BACKUP_OFFSITE_KEY: clientKey,
      SLIPWAY_BACKUP_OFFSITE_KNOWN_HOSTS: path.join(dir, 'known_hosts'),
    },
    stop: async () => {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
      fs.rmSync(dir, { recursive: true, force: true });
      fs.rmSync(chroot, { recursive: true, force: true });
    },
  };
}
