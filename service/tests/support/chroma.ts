// A throwaway ChromaDB server for integration tests: the sandbox's chromadb/chroma image (the name the compose
// files use) as its own container on a random loopback port, with its own named volume. Run as the compose
// files run it: chroma-init's chown first, then the server as uid 1000.
import { randomBytes } from 'node:crypto';
import { run, sandboxConstant } from '../../../tests/sandbox/sandbox-env.js';
import { freePort, waitForHttp } from './processes.js';

export interface TestChroma {
  url: string;
  /** Chroma's own REST API for the default tenant and database, to check what the service wrote. */
  collectionsUrl: string;
  container: string;
  /** docker stop: SIGTERM, as compose and the deploy engine stop it; resolves to the exit code. */
  stop: () => number;
  start: () => Promise<void>;
  pause: () => void;
  unpause: () => void;
  remove: () => void;
}

function docker(args: string[]): string {
  const result = run('docker', args, { timeoutMs: 120_000 });
  if (result.status !== 0) throw new Error(`docker ${args.slice(0, 3).join(' ')} failed: ${result.stderr}`);
  return result.stdout.trim();
}

export async function startChroma(): Promise<TestChroma> {
  const image = sandboxConstant('CHROMA_IMAGE');
  const name = `slipway-it-chroma-${randomBytes(4).toString('hex')}`;
  const volume = `${name}-data`;
  docker(['volume', 'create', volume]);
  const mount = ['-v', `${volume}:/data`];
  docker([
    'run',
    '--rm',
    '--user',
    '0:0',
    '--cap-drop',
    'ALL',
    '--cap-add',
    'CHOWN',
    '--network',
    'none',
    ...mount,
    '--entrypoint',
    'chown',
    image,
    '-R',
    '1000:1000',
    '/data',
  ]);
  // A fixed host port, not an ephemeral one: Docker may publish a restarted container on another.
  const port = await freePort();
  docker([
    'run',
    '-d',
    '--name',
    name,
    '--user',
    '1000:1000',
    '--cap-drop',
    'ALL',
    '--read-only',
    '--tmpfs',
    '/tmp',
    '-p',
    `127.0.0.1:${port}:8000`,
    ...mount,
    image,
  ]);
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/api/v2/heartbeat`, 30_000);
  return {
    url,
    collectionsUrl: `${url}/api/v2/tenants/default_tenant/databases/default_database/collections`,
    container: name,
    stop: () => {
      docker(['stop', '-t', '30', name]);
      return Number(docker(['inspect', '-f', '{{.State.ExitCode}}', name]));
    },
    start: async () => {
      docker(['start', name]);
      await waitForHttp(`${url}/api/v2/heartbeat`, 30_000);
    },
    pause: () => docker(['pause', name]),
    unpause: () => docker(['unpause', name]),
    remove: () => {
      run('docker', ['rm', '-f', name]);
      run('docker', ['volume', 'rm', '-f', volume]);
    },
  };
}
