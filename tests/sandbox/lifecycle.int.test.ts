// What a developer relies on: `up` is idempotent and quick when warm (the VPS's setup is skipped by its stamp),
// `status` names every component, the host engine carries the look-alike base images, and the sandbox listens
// only on loopback and the hosts' gateway address.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot, run, sandboxConstants, sandboxStateDir } from './sandbox-env.js';

const script = (name: string) => path.join(repoRoot, 'scripts', 'sandbox', name);
const baseImages = sandboxConstants('BASE_IMAGES');

/** The netns VPS of earlier versions: `up` no longer starts it, `down` stops one an earlier `up` left running. */
const LEGACY_PIDFILES = new Set(['vps-sshd.pid', 'vps-dockerd.pid', 'registry-10.200.0.1.pid']);

/** Pids from the pidfiles of what `up` starts (run/ and run/hosts/) plus all their descendants (containerd, shims). */
function sandboxPids(): Set<number> {
  const runDirs = [path.join(sandboxStateDir(), 'run'), path.join(sandboxStateDir(), 'run', 'hosts')];
  const pids = new Set(
    runDirs.flatMap((dir) =>
      readdirSync(dir)
        .filter((f) => f.endsWith('.pid') && !LEGACY_PIDFILES.has(f))
        .map((f) => Number(readFileSync(path.join(dir, f), 'utf8').trim())),
    ),
  );
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // The process exited while we looked.
    }
  }
  for (let grew = true; grew;) {
    grew = false;
    for (const [pid, parent] of parents) {
      if (!pids.has(pid) && pids.has(parent)) {
        pids.add(pid);
        grew = true;
      }
    }
  }
  return pids;
}

/** Listening TCP sockets as [local address, pid, process name], from `ss -ltnp`. */
function listeners(ssArgs: string[]): Array<[string, number, string]> {
  const out = run(ssArgs[0] ?? 'ss', [...ssArgs.slice(1), '-H', '-ltnp']).stdout;
  const rows: Array<[string, number, string]> = [];
  for (const line of out.split('\n').filter(Boolean)) {
    const local = line.split(/\s+/)[3] ?? '';
    for (const m of line.matchAll(/\("([^"]+)",pid=(\d+)/g)) rows.push([local, Number(m[2]), m[1] ?? '']);
  }
  return rows;
}

/** Processes (other than this test's) with the sandbox's machine-wide lock file open. */
function lockHolders(): string[] {
  const holders: string[] = [];
  for (const pid of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    let fds: string[] = [];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      let target = '';
      try {
        target = readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        continue;
      }
      if (target === '/run/lock/slipway-sandbox.lock') {
        holders.push(
          `${pid} ${readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').slice(0, 80)}`,
        );
      }
    }
  }
  return holders;
}

describe('sandbox lifecycle', () => {
  it('leaves no daemon holding the up/down lock (a second up would wait forever)', () => {
    expect(lockHolders()).toEqual([]);
  });

  it('runs up a second time without changing anything and reports its duration', () => {
    const started = Date.now();
    const result = run(script('up'), [], { timeoutMs: 240_000 });
    const seconds = (Date.now() - started) / 1000;
    console.log(`warm scripts/sandbox/up took ${seconds.toFixed(1)} s`);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/up in \d+\.\ds/);
    expect(result.stderr).not.toMatch(/apt-get|debootstrap|running infra\/scripts\/setup-vps\.sh/);
  });

  it('status exits 0 and lists every component as up', () => {
    const result = run(script('status'), []);
    expect(result.status, result.stdout).toBe(0);
    const expected = [
      'engine',
      'compose',
      'buildx',
      ...baseImages.map((i) => `image ${i}`),
      'hosts network slipway-hosts',
      'registry 127.0.0.1:5000',
      'registry 10.201.0.1:5000',
      'mirror 127.0.0.1:5001',
      'mirror 10.201.0.1:5001',
      'mirror has the base images',
      'apt proxy 10.201.0.1:3142',
      'image slipway/bare-vps:bookworm',
      'host vps1 10.201.0.11',
      'vps1 set up by setup-vps.sh',
    ];
    for (const name of expected)
      expect(result.stdout).toMatch(new RegExp(`^${name.replace(/\./g, '\\.')}\\s+up$`, 'm'));
    const json = JSON.parse(run(script('status'), ['--json']).stdout) as {
      up: boolean;
      components: unknown[];
    };
    expect(json.up).toBe(true);
    expect(json.components).toHaveLength(expected.length);
  });

  it('has the look-alike base images in the host engine', () => {
    for (const image of baseImages) {
      const inspect = run('docker', ['image', 'inspect', '--format', '{{.Os}}', image]);
      expect(inspect.status, `${image} missing in the host engine`).toBe(0);
    }
    const node = run('docker', [
      'run',
      '--rm',
      'node:24-bookworm-slim',
      'sh',
      '-c',
      'node --version && npm --version',
    ]);
    expect(node.stdout).toMatch(/^v24\.\d+\.\d+\n\d+\.\d+\.\d+\n$/);
  });

  it("listens only on loopback and the hosts' gateway", () => {
    const pids = sandboxPids();
    const ours = listeners(['ss']).filter(([, pid, name]) => pids.has(pid) && name !== 'docker-proxy');
    expect(ours.map(([, , name]) => name)).toEqual(
      expect.arrayContaining(['docker-registry', 'apt-cacher-ng']),
    );
    for (const [local, , name] of ours) {
      expect(local, `${name} listens on ${local}`).toMatch(
        /^(127\.\d+\.\d+\.\d+|10\.201\.0\.1|\[::1\]):\d+$/,
      );
    }
  });
});
