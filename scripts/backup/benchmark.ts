/**
 * `make backup-benchmark`: backup-db.sh against a bare `pg_dump -Fc` of the same database of at least 100 MB,
 * on an isolated copy of the infra project (tests/backup/stack.ts) filled with the reference corpus plus
 * generated documents (tests/backup/fixtures/bulk-documents.sql), every document embedded into ChromaDB by the
 * service's own `embed`. Prints the figures and writes backup-benchmark.json: times are medians of --runs runs
 * (default 3); the verification is shown apart from the copy it checks. Nothing here is asserted: the figures
 * go to docs/DISASTER_RECOVERY.md.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { repoRoot, run } from '../../tests/sandbox/sandbox-env.js';
import { buildApiImage, must, Stack } from '../../tests/backup/stack.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    documents: { type: 'string', default: '30000' },
    out: { type: 'string', default: path.join(repoRoot, 'backup-benchmark.json') },
  },
});
const runs = Number(values.runs);
const log = (message: string) => process.stderr.write(`backup-benchmark: ${message}\n`);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const round = (x: number) => Math.round(x * 10) / 10;

function timed(what: string, work: () => void): number {
  const started = performance.now();
  work();
  const seconds = (performance.now() - started) / 1000;
  log(`${what}: ${seconds.toFixed(1)} s`);
  return seconds;
}

const stack = new Stack('backup-bench');
try {
  buildApiImage();
  stack.up();
  stack.service('migrate');
  stack.service('scrape');
  timed(`generating ${values.documents} documents`, () =>
    stack.psql(
      `\\set n ${values.documents}\n${fs.readFileSync(path.join(repoRoot, 'tests/backup/fixtures/bulk-documents.sql'), 'utf8')}\nVACUUM ANALYZE;`,
    ),
  );
  timed('embedding every document into ChromaDB', () => stack.service('embed', 3_600_000));
  const dbBytes = Number(stack.psql("SELECT pg_database_size('slipway')"));
  log(`database: ${(dbBytes / 1e6).toFixed(0)} MB, ${stack.rowCounts()['public.documents']} documents`);
  if (dbBytes < 100e6)
    throw new Error(`the database is ${dbBytes} bytes, less than 100 MB: raise --documents`);

  const pg = stack.container('postgres');
  const dump = path.join(stack.backupDir, '..', 'bare.dump');
  const bare: number[] = [];
  const backup: number[] = [];
  const parts: Record<string, number>[] = [];
  const restore: number[] = [];
  let last = '';
  for (let i = 0; i < runs; i++) {
    bare.push(
      timed(`bare pg_dump -Fc #${i + 1}`, () =>
        must('bash', ['-c', `docker exec ${pg} pg_dump -Fc -U slipway -d slipway > ${dump}`]),
      ),
    );
    backup.push(
      timed(`backup-db.sh #${i + 1}`, () => {
        const r = stack.script('backup', []);
        if (r.status !== 0) throw new Error(`backup-db.sh failed: ${r.stderr}`);
        last = String(r.result!.backup);
      }),
    );
    parts.push(stack.manifest(last).durations);
    restore.push(
      timed(`restore-db.sh #${i + 1}`, () => {
        const r = stack.script('restore', ['latest']);
        if (r.status !== 0) throw new Error(`restore-db.sh failed: ${r.stderr}`);
      }),
    );
  }
  const m = stack.manifest(last);
  const part = (key: string) => median(parts.map((p) => p[key]!));
  const report = {
    database: {
      bytes: dbBytes,
      documents: stack.rowCounts()['public.documents'],
      vectors: Object.values(stack.vectorCounts())[0],
    },
    runs,
    seconds: {
      bareDump: round(median(bare)),
      backupTotal: round(median(backup)),
      backupPostgresDump: round(part('postgresDumpSeconds')),
      backupChromaDown: round(part('chromaDownSeconds')),
      backupVerify: round(part('verifySeconds')),
      backupWithoutVerify: round(median(backup) - part('verifySeconds')),
      restore: round(median(restore)),
    },
    ratio: {
      backupToBareDump: round(median(backup) / median(bare)),
      backupWithoutVerifyToBareDump: round((median(backup) - part('verifySeconds')) / median(bare)),
    },
    bytes: {
      bareDump: fs.statSync(dump).size,
      ...Object.fromEntries(m.files.map((f) => [f.name, f.bytes])),
      backupTotal: m.bytes,
    },
    machine: { cpus: run('nproc', []).stdout.trim(), load: run('cat', ['/proc/loadavg']).stdout.trim() },
  };
  fs.writeFileSync(values.out!, `${JSON.stringify(report, null, 2)}\n`);
  console.log(JSON.stringify(report, null, 2));
} finally {
  stack.down();
}
