// infra/scripts/setup-vps.sh on a bare host (vps2, remade from the bare image first), as an operator runs it:
// `ssh root@host 'bash -s' -- FLAGS < setup-vps.sh`. One ordered story: the bare server, a dry run that changes
// nothing, a failing step that stops the run and leaves the host for a rerun, the rerun, a third run that
// changes nothing, and what the result lets in and keeps out.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../sandbox/sandbox-env.js';
import { host, hostVars, onConsole, probe, ssh, stepLines } from './hosts.js';

const NAME = 'vps2';
const setup = (...flags: string[]) => host(['setup', NAME, '--via', 'ssh', '--', ...flags]);
/** The script's own step list (its STEPS table), in order: the test follows the script, never a copy of it. */
const steps = spawnSync(
  'bash',
  ['-c', 'source "$1" && step_names', 'setup-vps', path.join(repoRoot, 'infra', 'scripts', 'setup-vps.sh')],
  { encoding: 'utf8' },
)
  .stdout.trim()
  .split('\n');

beforeAll(() => {
  const made = host(['recreate', NAME]);
  expect(made.status, made.stderr).toBe(0);
}, 300_000);

describe('a bare host', () => {
  it('is a Debian 12 server with systemd as PID 1, sshd and python3, and nothing of Slipway', () => {
    const r = onConsole(
      NAME,
      'cat /proc/1/comm; . /etc/os-release; echo "$ID $VERSION_ID"; systemctl is-system-running; ' +
        'command -v python3; for c in docker caddy jq nft; do command -v $c || echo "no $c"; done; id deploy 2>&1 || true',
    );
    expect(r.stdout).toMatch(
      /^systemd\ndebian 12\n(running|degraded)\n\/usr\/bin\/python3\nno docker\nno caddy\nno jq\nno nft\nid: 'deploy': no such user\n$/,
    );
  });

  it('lets root in with the bootstrap key against the pinned host key, and refuses another host key', () => {
    const v = hostVars(NAME);
    expect(ssh(NAME, 'root', v.rootKey, 'hostname').stdout).toBe(`${NAME}\n`);
    const wrong = `${v.addr} ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBnotTheRealKeyOfThisHostAtAll000000000000`;
    const file = `${v.knownHosts}.wrong`;
    fs.writeFileSync(file, `${wrong}\n`);
    const refused = ssh(NAME, 'root', v.rootKey, 'true', file);
    expect(refused.status).toBe(255);
    expect(refused.stderr).toMatch(/Host key verification failed|HOST IDENTIFICATION HAS CHANGED/);
  });
});

describe('setup-vps.sh', () => {
  it('--dry-run prints what it would change and changes nothing', () => {
    const before = onConsole(NAME, 'dpkg-query -W | md5sum; ls /etc/docker /home 2>&1 | md5sum').stdout;
    const r = setup('--dry-run');
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(Object.keys(stepLines(r.stdout))).toEqual(steps);
    expect(r.stdout).toMatch(/^setup-vps:\s+would install .*docker\.io/m);
    expect(r.stdout).toMatch(/^setup-vps:\s+would create the user deploy$/m);
    expect(r.stdout).toMatch(/\nsetup-vps: \d+ would change \(dry run: nothing was changed\)\n$/);
    expect(onConsole(NAME, 'dpkg-query -W | md5sum; ls /etc/docker /home 2>&1 | md5sum').stdout).toBe(before);
  });

  it('stops at a failing step, names it, and leaves the host usable for a rerun', () => {
    onConsole(NAME, 'umask 077; echo not-the-password > /root/wrong-password');
    const r = setup('--registry-password-file', '/root/wrong-password');
    expect(r.status).toBe(1);
    const lines = stepLines(r.stdout);
    expect(lines['registry-login']).toMatch(
      /^failed: docker login to 10\.201\.0\.1:5000 as slipway failed: .*Check --registry, --registry-user and the password file\.$/,
    );
    expect(Object.keys(lines)).toEqual(steps.slice(0, steps.indexOf('registry-login') + 1));
    expect(r.stdout).toMatch(
      /^setup-vps: stopped at registry-login with \d+ changed before it; see \/var\/log\/slipway-setup\.log\. Fix the cause and run setup-vps\.sh again/m,
    );
    expect(ssh(NAME, 'root', hostVars(NAME).rootKey, 'true').status, 'root may still log in to fix it').toBe(
      0,
    );
  });

  it('a rerun with the right flags finishes the host: the finished steps say ok', () => {
    const r = setup();
    expect(r.status, r.stdout + r.stderr).toBe(0);
    const lines = stepLines(r.stdout);
    for (const step of ['packages', 'docker', 'compose', 'docker-config', 'deploy-user'])
      expect(lines[step], step).toBe('ok');
    expect(lines.swap).toMatch(/^skipped: the kernel refused swap on \/swapfile/);
    for (const step of ['registry-login', 'networks', 'firewall', 'sshd'])
      expect(lines[step], step).toMatch(/^changed: /);
    expect(r.stdout).toMatch(/\nsetup-vps: [1-9]\d* changed\n$/);
    const v = hostVars(NAME);
    const root = ssh(NAME, 'root', v.rootKey, 'true');
    expect(root.status, 'no root login after setup').toBe(255);
    expect(
      ssh(NAME, 'deploy', v.deployKey, 'docker compose version --short && ls -ld /srv/slipway').stdout,
    ).toMatch(/^2\.\d+\.\d+.*\ndrwxr-xr-x \d+ deploy deploy .* \/srv\/slipway\n$/);
  });

  it('a third run, through the console now that root may not log in, changes nothing', () => {
    const r = host(['setup', NAME, '--via', 'console']);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/\nsetup-vps: 0 changed\n$/);
  });

  it('runs as cloud-init runs it (a file, in a systemd unit, no stdin) with the same flags, and changes nothing', () => {
    const script = fs.readFileSync(path.join(repoRoot, 'infra/scripts/setup-vps.sh'), 'utf8');
    onConsole(NAME, 'install -m 0700 /dev/stdin /usr/local/sbin/slipway-setup-vps', script);
    // cloud-init writes runcmd's list entries into a shell script, each word single-quoted, and runs it.
    const flags = host(['flags', NAME]).stdout.split('\n').filter(Boolean);
    const quote = (word: string) => `'${word.replaceAll("'", `'\\''`)}'`;
    const runcmd = `#!/bin/sh\n${['bash', '/usr/local/sbin/slipway-setup-vps', ...flags].map(quote).join(' ')}\n`;
    onConsole(NAME, 'install -m 0700 /dev/stdin /root/slipway-bootstrap/runcmd', runcmd);
    const r = onConsole(
      NAME,
      'systemd-run --wait --pipe --quiet --unit hosts-cloud-final /root/slipway-bootstrap/runcmd',
    );
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/\nsetup-vps: 0 changed\n$/);
  });

  it('returns a setting left out of a rerun to its default (the mirror), but keeps the deploy key and the login', () => {
    const r = onConsole(
      NAME,
      'systemd-run --wait --pipe --quiet --unit hosts-no-flags bash /usr/local/sbin/slipway-setup-vps',
    );
    const lines = stepLines(r.stdout);
    expect(lines['docker-config']).toBe(
      'changed: write /etc/docker/daemon.json; restart docker (daemon.json changed)',
    );
    expect(lines['deploy-user']).toBe('ok');
    expect(lines['registry-login']).toBe('skipped: no --registry given');
    expect(
      onConsole(
        NAME,
        'jq -c . /etc/docker/daemon.json; jq -c ".auths | keys" /home/deploy/.docker/config.json',
      ).stdout,
    ).toBe(
      '{"live-restore":true,"log-driver":"json-file","log-opts":{"max-file":"3","max-size":"10m"}}\n["10.201.0.1:5000"]\n',
    );
    expect(host(['setup', NAME, '--via', 'console']).stdout).toMatch(/\nsetup-vps: 1 changed\n$/);
  });
});

describe('the host it makes', () => {
  it('lets in 22/80/443 only, to the host and to published container ports, and keeps loopback working', async () => {
    const v = hostVars(NAME);
    onConsole(
      NAME,
      'systemd-run --unit hosts-probe-9000 python3 -m http.server --bind 0.0.0.0 9000 >/dev/null 2>&1',
    );
    const pulled = onConsole(
      NAME,
      'docker run -d --name hosts-probe -p 9001:80 -p 80:80 caddy:2.6 caddy file-server --listen :80 --browse --root /srv',
    );
    expect(pulled.status, pulled.stderr).toBe(0);
    try {
      await new Promise((r) => setTimeout(r, 1500));
      expect(await probe(v.addr, 22)).toBe('open');
      expect(await probe(v.addr, 80), 'a published allowed port').toBe('open');
      expect(await probe(v.addr, 443), 'an allowed port nobody listens on').toBe('refused');
      expect(await probe(v.addr, 9000), 'a host service on another port').toBe('dropped');
      expect(await probe(v.addr, 9001), 'a container port published on another port').toBe('dropped');
      const inside = onConsole(
        NAME,
        "python3 -c \"import urllib.request as u; print(u.urlopen('http://127.0.0.1:9000').status, u.urlopen('http://127.0.0.1:9001').status)\"",
      );
      expect(inside.stdout).toBe('200 200\n');
    } finally {
      onConsole(NAME, 'docker rm -f hosts-probe; systemctl stop hosts-probe-9000');
    }
  });

  it('keeps journald within its limits and the daily security upgrades on', () => {
    const r = onConsole(
      NAME,
      'systemd-analyze cat-config systemd/journald.conf | grep -E "^(SystemMaxUse|MaxRetentionSec)="; ' +
        'apt-config dump | grep -E "^APT::Periodic::(Update-Package-Lists|Unattended-Upgrade) "; ' +
        'systemctl is-enabled apt-daily-upgrade.timer nftables docker',
    );
    expect(r.stdout).toBe(
      'SystemMaxUse=200M\nMaxRetentionSec=1month\nAPT::Periodic::Update-Package-Lists "1";\nAPT::Periodic::Unattended-Upgrade "1";\nenabled\nenabled\nenabled\n',
    );
  });
});
