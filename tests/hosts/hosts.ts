// Shared by the bare-host tests: the sandbox's `host` command, a host's console (docker exec, as root) and SSH
// with a pinned host key, all against the hosts scripts/sandbox/host makes.
import path from 'node:path';
import { type RunResult, readSandboxEnv, repoRoot, run } from '../sandbox/sandbox-env.js';

const hostScript = path.join(repoRoot, 'scripts', 'sandbox', 'host');

/** scripts/sandbox/host ARGS (long timeout: setup runs apt). */
export function host(args: string[], timeoutMs = 600_000): RunResult {
  return run(hostScript, args, { timeoutMs });
}

/** The host's variables from the env file, re-read each time (a recreated host has a new host key). */
export function hostVars(name: string) {
  const env = readSandboxEnv();
  const key = (field: string) => {
    const value = env[`SLIPWAY_HOST_${name.toUpperCase()}_${field}`];
    if (!value) throw new Error(`host ${name} is not in the env file: scripts/sandbox/host create ${name}`);
    return value;
  };
  return {
    addr: key('ADDR'),
    knownHosts: key('KNOWN_HOSTS'),
    console: key('CONSOLE'),
    rootKey: env.SLIPWAY_HOSTS_ROOT_KEY!,
    deployKey: env.SLIPWAY_HOSTS_DEPLOY_KEY!,
  };
}

/** A command on the host as root through its console. */
export function onConsole(name: string, command: string, input?: string): RunResult {
  const args = [
    'exec',
    ...(input === undefined ? [] : ['-i']),
    hostVars(name).console,
    'bash',
    '-c',
    command,
  ];
  return run('docker', args, { input, timeoutMs: 300_000 });
}

/** SSH to the host as USER with KEY, pinning the host key from the env file (or another known_hosts file). */
export function ssh(
  name: string,
  user: string,
  key: string,
  command: string,
  knownHosts?: string,
): RunResult {
  const v = hostVars(name);
  return run(
    'ssh',
    [
      '-F',
      'none',
      '-i',
      key,
      '-o',
      'IdentitiesOnly=yes',
      '-o',
      'BatchMode=yes',
      '-o',
      'StrictHostKeyChecking=yes',
      '-o',
      `UserKnownHostsFile=${knownHosts ?? v.knownHosts}`,
      '-o',
      'ConnectTimeout=10',
      `${user}@${v.addr}`,
      command,
    ],
    { timeoutMs: 120_000 },
  );
}

/** Whether a TCP connection to ADDR:PORT is accepted, refused, or gets no answer (dropped) within 3 s. */
export async function probe(addr: string, port: number): Promise<'open' | 'refused' | 'dropped'> {
  const net = await import('node:net');
  return new Promise((resolve) => {
    const socket = net.connect({ host: addr, port, timeout: 3000 });
    socket.on('connect', () => (socket.destroy(), resolve('open')));
    socket.on('timeout', () => (socket.destroy(), resolve('dropped')));
    socket.on('error', (err: NodeJS.ErrnoException) =>
      resolve(err.code === 'ECONNREFUSED' ? 'refused' : 'dropped'),
    );
  });
}

/** setup-vps.sh's `setup-vps: <step> <status>` lines as a map. */
export function stepLines(output: string): Record<string, string> {
  const steps: Record<string, string> = {};
  for (const m of output.matchAll(/^setup-vps: ([a-z-]+) (ok|changed|skipped|failed)\b(.*)$/gm))
    steps[m[1]!] = m[2]! + m[3]!;
  return steps;
}
