// The chromadb/chroma look-alike keeps the upstream image's contract that compose files and backups rely on:
// entrypoint and command, port 8000 on every interface, state in /data, curl for health checks, a clean stop.
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { run, sandboxConstant } from './sandbox-env.js';

const image = sandboxConstant('CHROMA_IMAGE');
const name = `slipway-it-chroma-image-${randomBytes(4).toString('hex')}`;

function docker(...args: string[]): string {
  const result = run('docker', args, { timeoutMs: 60_000 });
  if (result.status !== 0) throw new Error(`docker ${args.slice(0, 3).join(' ')} failed: ${result.stderr}`);
  return result.stdout.trim();
}

afterAll(() => {
  run('docker', ['rm', '-f', name]);
  run('docker', ['volume', 'rm', '-f', `${name}-data`]);
});

describe(`${image} (look-alike)`, () => {
  it('has the upstream entrypoint, command, port and config, and is labelled a look-alike', () => {
    const config = JSON.parse(docker('image', 'inspect', '--format', '{{json .Config}}', image)) as {
      Entrypoint: string[];
      Cmd: string[];
      ExposedPorts: Record<string, unknown>;
      Labels: Record<string, string>;
    };
    expect(config.Entrypoint).toEqual(['dumb-init', '--', 'chroma']);
    expect(config.Cmd).toEqual(['run', '/config.yaml']);
    expect(Object.keys(config.ExposedPorts)).toEqual(['8000/tcp']);
    expect(config.Labels['org.slipway.lookalike']).toBe('true');
    expect(docker('run', '--rm', '--entrypoint', 'cat', image, '/config.yaml')).toMatch(
      /^persist_path: ['"]\/data['"]$/m,
    );
  });

  it('serves the v2 API on 0.0.0.0:8000 with its default command, keeps its state in /data, stops cleanly', async () => {
    docker('run', '-d', '--name', name, '-v', `${name}-data:/data`, image);
    let heartbeat = '';
    for (let i = 0; i < 60 && !heartbeat; i++) {
      heartbeat = run('docker', [
        'exec',
        name,
        'curl',
        '-fsS',
        'http://127.0.0.1:8000/api/v2/heartbeat',
      ]).stdout;
      if (!heartbeat) await new Promise((r) => setTimeout(r, 250));
    }
    expect(JSON.parse(heartbeat)).toHaveProperty(['nanosecond heartbeat']);
    // Listening on 0.0.0.0:8000 (hex 1F40, state 0A = LISTEN), as upstream: reachable from other containers.
    const listening = docker('exec', name, 'cat', '/proc/net/tcp')
      .split('\n')
      .map((line) => line.trim().split(/\s+/))
      .filter((f) => f[3] === '0A')
      .map((f) => f[1]);
    expect(listening).toContain('00000000:1F40');
    expect(docker('exec', name, 'ls', '/data')).toContain('chroma.sqlite3');
    docker('stop', '-t', '30', name);
    expect(docker('inspect', '--format', '{{.State.ExitCode}}', name)).toBe('0');
  });
});
