// The ChromaDB copy is consistent while Chroma is being written to: backups taken under a continuous write load
// (a client on the stack's backend network adding batches of 100 random vectors as fast as the server takes
// them) must each pass the restore check, hold whole batches only, and restore. For contrast, the figure a
// naive hot copy (tar of the volume while the server runs) gives under the same load is printed: that copy
// is what the stop-copy-start in lib/chroma.sh avoids.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot, run } from '../sandbox/sandbox-env.js';
import { buildApiImage, must, Stack } from './stack.js';

const stack = new Stack();
const BATCH = 100;
const writer = `${stack.name}-writer`;
const WRITER = path.join(repoRoot, 'tests', 'backup', 'fixtures', 'chroma-writer.mjs');
const KEY = 'default_database/write-load';

function startWriter(): void {
  must('docker', [
    'run',
    '-d',
    '--name',
    writer,
    '--network',
    `${stack.name}-backend`,
    '--read-only',
    '-v',
    `${WRITER}:/writer.mjs:ro`,
    '-e',
    `BATCH=${BATCH}`,
    '-e',
    'DURATION_S=900',
    'node:24-bookworm-slim',
    'node',
    '/writer.mjs',
  ]);
}

function stopWriter(): { acked: number; failed: number } {
  must('docker', ['stop', '-t', '30', writer]);
  const out = must('docker', ['logs', writer]).trim().split('\n').pop()!;
  return JSON.parse(out) as { acked: number; failed: number };
}

/** A hot copy: the live volume archived while the server writes, then served by a throwaway Chroma. */
function hotCopyRestores(): boolean {
  const volume = must('docker', [
    'inspect',
    '-f',
    '{{range .Mounts}}{{.Name}}{{end}}',
    stack.container('chroma'),
  ]).trim();
  const tar = path.join(os.tmpdir(), `${stack.name}-hot.tar`);
  const copy = run('bash', [
    '-c',
    `docker run --rm --network none -v ${volume}:/data:ro --entrypoint tar chromadb/chroma:1.5.9 -C /data -cf - . > ${tar}`,
  ]);
  const name = `${stack.name}-hot`;
  run('docker', ['rm', '-f', name]);
  run('docker', ['volume', 'rm', '-f', name]);
  must('docker', ['volume', 'create', name]);
  try {
    must('bash', [
      '-c',
      `docker run --rm -i --network none -v ${name}:/data --entrypoint tar chromadb/chroma:1.5.9 -C /data -xf - < ${tar}`,
    ]);
    must('docker', [
      'run',
      '-d',
      '--name',
      name,
      '--network',
      'none',
      '-v',
      `${name}:/data`,
      'chromadb/chroma:1.5.9',
    ]);
    const api = 'http://127.0.0.1:8000/api/v2/tenants/default_tenant/databases/default_database/collections';
    const curl = (url: string, body?: string) =>
      run(
        'docker',
        [
          'exec',
          '-i',
          name,
          'curl',
          '-fsS',
          ...(body ? ['-X', 'POST', '-H', 'content-type: application/json', '--data-binary', '@-'] : []),
          url,
        ],
        {
          input: body ?? '',
        },
      );
    for (let i = 0; i < 100 && curl('http://127.0.0.1:8000/api/v2/heartbeat').status !== 0; i++)
      run('sleep', ['0.2']);
    const cols = curl(api);
    if (cols.status !== 0) return false;
    const id = (JSON.parse(cols.stdout) as { id: string; name: string }[]).find(
      (c) => c.name === 'write-load',
    )?.id;
    const count = curl(`${api}/${id}/count`);
    const ids = curl(`${api}/${id}/get`, '{"limit": 1000000, "include": []}');
    if (copy.status !== 0 || count.status !== 0 || ids.status !== 0) return false;
    const n = Number(count.stdout);
    return n % BATCH === 0 && (JSON.parse(ids.stdout) as { ids: string[] }).ids.length === n;
  } finally {
    run('docker', ['rm', '-f', name]);
    run('docker', ['volume', 'rm', '-f', name]);
    fs.rmSync(tar, { force: true });
  }
}

beforeAll(() => {
  buildApiImage();
  stack.up();
  stack.service('migrate');
  stack.service('scrape');
}, 900_000);

afterAll(() => {
  run('docker', ['rm', '-f', writer]);
  stack.down();
});

describe('ChromaDB under write load', () => {
  it('every backup taken while Chroma is written to verifies, holds whole batches only, and restores', () => {
    startWriter();
    const counts: number[] = [];
    const down: number[] = [];
    const hot = { tried: 0, broken: 0 };
    let load: { acked: number; failed: number };
    try {
      run('sleep', ['3']);
      for (let i = 0; i < 3; i++) {
        const r = stack.script('backup', []);
        expect(r.status, r.stderr).toBe(0);
        const m = stack.manifest(String(r.result!.backup));
        expect(m.verified).toBe(true);
        const count = m.chroma.stats[KEY]!.count;
        expect(count % BATCH).toBe(0);
        counts.push(count);
        down.push(m.durations.chromaDownSeconds!);
      }
      for (let i = 0; i < 6; i++) {
        hot.tried += 1;
        if (!hotCopyRestores()) hot.broken += 1;
      }
    } finally {
      load = stopWriter();
    }
    // The load really ran through the backups: counts grew from one backup to the next.
    expect(counts[1]!).toBeGreaterThan(counts[0]!);
    expect(counts[2]!).toBeGreaterThan(counts[1]!);
    expect(load.acked).toBeGreaterThanOrEqual(counts[2]!);

    // The newest backup restores: Chroma holds exactly the batches the backup counted.
    const r = stack.script('restore', ['--only', 'chroma', 'latest']);
    expect(r.status, r.stderr).toBe(0);
    expect(stack.vectorCounts()[KEY]).toBe(counts[2]);
    console.log(
      `chroma under write load: ${load.acked} vectors acked (${load.failed} batches refused while it was stopped), ` +
        `backups held ${counts.join(', ')}; stopped ${down.join(', ')} s; ` +
        `hot copies (no stop) that did not restore cleanly: ${hot.broken} of ${hot.tried}`,
    );
  });
});
