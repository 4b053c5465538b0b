import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { toShellLine } from '../src/command.js';
import {
  SshRunner,
  explainSshFailure,
  removeSshFiles,
  sshArgv,
  uploadCommand,
  writeSshFiles,
} from '../src/ssh.js';

const target = { host: '10.200.0.2', port: 22, user: 'deploy' };
const files = { key: '/tmp/slipway-ssh-x/key', knownHosts: '/tmp/slipway-ssh-x/known_hosts' };

describe('sshArgv', () => {
  it.each([
    [
      'default options',
      target,
      {},
      [
        'ssh',
        '-F',
        'none',
        '-i',
        files.key,
        '-p',
        '22',
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
        'ConnectTimeout=15',
        '-o',
        'ServerAliveInterval=15',
        '-o',
        'ServerAliveCountMax=4',
        '-o',
        'LogLevel=ERROR',
        'deploy@10.200.0.2',
        '--',
        'echo hi',
      ],
    ],
    [
      'port, timeouts and a bracketed IPv6 host',
      { host: '[fd00::2]', port: 2222, user: 'ops' },
      { connectTimeoutSeconds: 5, serverAliveIntervalSeconds: 3 },
      [
        'ssh',
        '-F',
        'none',
        '-i',
        files.key,
        '-p',
        '2222',
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
        'ConnectTimeout=5',
        '-o',
        'ServerAliveInterval=3',
        '-o',
        'ServerAliveCountMax=4',
        '-o',
        'LogLevel=ERROR',
        'ops@fd00::2',
        '--',
        'echo hi',
      ],
    ],
  ])('%s', (_name, t, opts, expected) => {
    expect(sshArgv(t, files, 'echo hi', opts)).toEqual(expected);
  });

  it('carries the remote command as one word built by toShellLine', () => {
    const line = toShellLine({ argv: ['/srv/slipway/bin/slipway', 'deploy', "v1;rm -rf /'"] });
    const argv = sshArgv(target, files, line);
    expect(argv.at(-1)).toBe(`/srv/slipway/bin/slipway deploy 'v1;rm -rf /'\\'''`);
    expect(argv.at(-2)).toBe('--');
  });
});

describe('uploadCommand', () => {
  it('writes base64 stdin through a temp file and a rename', () => {
    const cmd = uploadCommand('/srv/slipway/.incoming/1.tar', Buffer.from('hello'));
    expect(cmd.argv.slice(0, 2)).toEqual(['sh', '-c']);
    expect(cmd.argv[2]).toContain('base64 -d >"$tmp"; mv -f "$tmp" "$1"');
    expect(cmd.argv.slice(3)).toEqual(['slipway-upload', '/srv/slipway/.incoming/1.tar']);
    expect(cmd.stdin).toBe(Buffer.from('hello').toString('base64'));
  });

  it.each(['relative/path', '/srv/../etc/passwd', '/srv/a b', '/srv/$(reboot)'])('refuses %s', (p) => {
    expect(() => uploadCommand(p, 'x')).toThrow(/refusing remote path/);
  });
});

describe('explainSshFailure', () => {
  const r = (exitCode: number, stderr: string) => ({ exitCode, stdout: '', stderr });
  it.each([
    [r(255, 'Host key verification failed.'), /host key does not match input 'known-hosts'. Nothing was run/],
    [r(255, '@ WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED! @'), /host key does not match/],
    [r(255, 'deploy@10.200.0.2: Permission denied (publickey).'), /refused the key in input 'private-key'/],
    [
      r(255, 'ssh: connect to host 10.200.0.2 port 22: Connection refused'),
      /could not reach deploy@10.200.0.2:22/,
    ],
  ])('explains %j', (result, message) => {
    expect(explainSshFailure(target, result)).toMatch(message);
  });

  it('leaves failures of the remote command alone', () => {
    expect(explainSshFailure(target, r(1, 'Permission denied'))).toBeUndefined();
    expect(explainSshFailure(target, r(255, 'slipway: error: something'))).toBeUndefined();
  });
});

describe('writeSshFiles / removeSshFiles', () => {
  it('writes a 0600 key in a 0700 dir under RUNNER_TEMP, and the post step removes it', () => {
    const base = fs.mkdtempSync(path.join(os.tmpdir(), 'runner-temp-'));
    const key = '-----BEGIN OPENSSH PRIVATE KEY-----\r\nAAAA\r\n-----END OPENSSH PRIVATE KEY-----';
    const f = writeSshFiles(
      { privateKey: key, knownHosts: '10.200.0.2 ssh-ed25519 AAAA' },
      { RUNNER_TEMP: base },
    );
    expect(path.dirname(f.dir)).toBe(base);
    expect(fs.statSync(f.dir).mode & 0o777).toBe(0o700);
    expect(fs.statSync(f.key).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(f.key, 'utf8')).toBe(key.replace(/\r\n/g, '\n') + '\n');
    expect(removeSshFiles(f.dir)).toBe(true);
    expect(fs.existsSync(f.dir)).toBe(false);
    fs.rmSync(base, { recursive: true, force: true });
  });

  it.each(['', '/', '/home/user', 'relative/slipway-ssh-x'])('never removes %j', (dir) => {
    expect(removeSshFiles(dir)).toBe(false);
  });
});

describe('SshRunner.wrap', () => {
  it('runs the quoted remote line through ssh, keeping stdin, timeout and every secret for redaction', () => {
    const runner = new SshRunner(target, files, { secrets: ['KEY-MATERIAL'] });
    const wrapped = runner.wrap({ argv: ['echo', 'a b'], stdin: 'data', timeoutMs: 5, secrets: ['tok'] });
    expect(wrapped.argv).toEqual(sshArgv(target, files, "echo 'a b'"));
    expect(wrapped.stdin).toBe('data');
    expect(wrapped.timeoutMs).toBe(5);
    expect(wrapped.secrets).toEqual(['tok', 'KEY-MATERIAL']);
    expect(wrapped.env).toBeUndefined();
  });
});
