// The deploy engine on a full disk, for real: its app dir is a small tmpfs filled to the last block. A deploy
// or rollback must end with a clear message and the result line, and leave nothing half-applied. Needs root
// (mount), as the integration suite does anyway.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';

const ENGINE = path.resolve(import.meta.dirname, '..', 'bin', 'slipway');
let appDir: string;

const must = (cmd: string, args: string[]) => {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
};

function engine(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(ENGINE, ['--app-dir', appDir, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 30_000,
  });
  const line = r.stdout
    .split('\n')
    .filter((l) => l.startsWith('SLIPWAY_RESULT '))
    .pop();
  return { ...r, result: line ? (JSON.parse(line.slice(15)) as Record<string, unknown>) : undefined };
}

const freeKib = () => Number(must('df', ['-Pk', appDir]).split('\n')[1]!.split(/\s+/)[3]);

beforeAll(() => {
  appDir = fs.mkdtempSync(path.join(os.tmpdir(), 'slipway-full-disk-'));
  must('mount', ['-t', 'tmpfs', '-o', 'size=1m,mode=0755', 'slipway-full-disk', appDir]);
  const release = path.join(appDir, 'releases', 'v1');
  fs.mkdirSync(release, { recursive: true });
  fs.writeFileSync(path.join(release, 'compose.yaml'), 'services: {}\n');
  fs.writeFileSync(
    path.join(release, 'images.json'),
    JSON.stringify({ api: `r.test/a@sha256:${'a'.repeat(64)}` }),
  );
  fs.mkdirSync(path.join(appDir, 'state'));
  fs.writeFileSync(path.join(appDir, 'ledger.jsonl'), '');
  // dd stops at ENOSPC (exit 1): the file system is then full to its last block.
  spawnSync('dd', ['if=/dev/zero', `of=${path.join(appDir, 'fill')}`, 'bs=4k'], { encoding: 'utf8' });
  expect(freeKib()).toBe(0);
});

afterAll(() => {
  if (!appDir) return;
  spawnSync('umount', [appDir]);
  fs.rmSync(appDir, { recursive: true, force: true });
});

it.each([
  ['rollback', '--to', 'v1'],
  ['deploy', 'v1'],
])('%s refuses to start on a full disk, says why, and changes nothing', (...args) => {
  const r = engine(args);
  expect(r.status).toBe(1);
  const message = `the file system holding ${appDir} has 0 KiB free, less than the 32 MiB a ${args[0]} needs. Free disk space (old images: docker image prune; logs) and retry; nothing was changed.`;
  expect(r.stderr).toContain(message);
  expect(r.result).toMatchObject({ ok: false, command: args[0], error: message });
  expect(fs.readdirSync(path.join(appDir, 'state'))).toEqual([]);
  expect(fs.readFileSync(path.join(appDir, 'ledger.jsonl'), 'utf8')).toBe('');
});

it('a write that fails on a full disk ends the run with the reason, not a bash error', () => {
  // Lowering the minimum lets the run past the free-space check, so the write itself meets the full disk.
  const r = engine(['rollback', '--to', 'v1'], { SLIPWAY_MIN_FREE_MB: '0' });
  expect(r.status).toBe(1);
  const message = `writing ${appDir}/state/lock.holder failed: No space left on device (0 KiB free on the file system holding ${appDir}). Free disk space (old images: docker image prune; logs) and retry.`;
  expect(r.result).toMatchObject({ ok: false, command: 'rollback', error: message });
  expect(fs.readdirSync(path.join(appDir, 'state')).filter((f) => f.startsWith('lock.holder'))).toEqual([]);
});

it('a ledger append that fails on a full disk says so and leaves at most a cut-short line', () => {
  const r = spawnSync(
    'bash',
    [
      '-c',
      'source "$1"; COMMAND=deploy; check_app_dir "$2"; ledger_append "$3"',
      'test',
      ENGINE,
      appDir,
      `{"op":"x","pad":"${'p'.repeat(8000)}"}`,
    ],
    { encoding: 'utf8' },
  );
  expect(r.status).toBe(1);
  expect(r.stdout).toContain(
    `"error":"recording in ${appDir}/ledger.jsonl failed: No space left on device (0 KiB free`,
  );
  const listing = engine(['list', '--json']);
  expect(listing.status, listing.stderr).toBe(0);
});
