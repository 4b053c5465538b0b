// backup-db.sh and restore-db.sh for real, against an isolated copy of the infra project (PostgreSQL and
// ChromaDB from docker/compose.release.yaml) filled by the reference service's own migrate, scrape and embed.
// One ordered story: each test starts from what the previous one left, as on a real host.
import { createHash } from 'node:crypto';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { matches, RULES } from '../../actions/toolkit/src/rules.js';
import { run } from '../sandbox/sandbox-env.js';
import { startSftpServer, type SftpServer } from './sftp-server.js';
import { buildApiImage, must, RESTORE_SCRIPT, resultOf, Stack } from './stack.js';

const stack = new Stack();
const sha256 = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');
const throwaways = () =>
  must('docker', ['ps', '-aq', '--filter', 'label=org.slipway.backup.run']).trim() +
  must('docker', ['volume', 'ls', '-q', '--filter', 'label=org.slipway.backup.run']).trim();

/** Every backup folder with the sha256 of each of its files: what "earlier backups are intact" compares. */
function snapshotBackups(): Record<string, Record<string, string>> {
  return Object.fromEntries(
    stack.backups().map((name) => {
      const dir = path.join(stack.backupDir, name);
      return [name, Object.fromEntries(fs.readdirSync(dir).map((f) => [f, sha256(path.join(dir, f))]))];
    }),
  );
}

let first: string;
let failing: (prepare: () => void, restore: () => void, expected: string, args?: string[]) => void;

beforeAll(() => {
  buildApiImage();
  stack.up();
  stack.service('migrate');
  stack.service('scrape');
  stack.service('embed');
  fs.mkdirSync(path.join(stack.appDir, 'state'), { recursive: true });
  fs.writeFileSync(path.join(stack.appDir, 'state', 'current'), '20261129030000-abc1234\n');
}, 900_000);

afterAll(() => stack.down());

describe('backup-db.sh', () => {
  it('publishes a verified backup named by its UTC time whose manifest describes the live stores', () => {
    const rows = stack.rowCounts();
    const vectors = stack.vectorCounts();
    expect(rows['public.documents']).toBeGreaterThan(10);
    expect(Object.values(vectors)[0]).toBe(rows['public.documents']);

    const r = stack.script('backup', []);
    expect(r.status, r.stderr).toBe(0);
    expect(r.result).toMatchObject({
      ok: true,
      command: 'backup',
      verified: true,
      release: '20261129030000-abc1234',
    });
    first = String(r.result!.backup);
    expect(matches(RULES.backupName, first)).toBe(true);
    expect(stack.backups()).toEqual([first]);

    const m = stack.manifest(first);
    expect(m).toMatchObject({
      name: first,
      verified: true,
      release: '20261129030000-abc1234',
      encryption: null,
    });
    expect(Date.parse(m.created)).toBe(
      Date.parse(
        `${first.slice(0, 4)}-${first.slice(4, 6)}-${first.slice(6, 11)}:${first.slice(11, 13)}:${first.slice(13, 15)}Z`,
      ),
    );
    expect(m.tools.pg_dump).toMatch(/^pg_dump \(PostgreSQL\) 15\./);
    expect(m.tools.chroma).toBe('chromadb/chroma:1.5.9');
    expect(m.tools.postgres).toBe('postgres:15-bookworm');
    expect(m.files.map((f) => f.name)).toEqual(['chroma-data.tar', 'postgres.dump']);
    for (const f of m.files) {
      const file = path.join(stack.backupDir, first, f.name);
      expect(f.sha256).toBe(sha256(file));
      expect(f.bytes).toBe(fs.statSync(file).size);
    }
    expect(m.bytes).toBe(m.files[0]!.bytes + m.files[1]!.bytes);
    expect(Object.fromEntries(Object.entries(m.postgres.stats.tables).map(([t, s]) => [t, s.rows]))).toEqual(
      rows,
    );
    expect(Object.fromEntries(Object.entries(m.chroma.stats).map(([c, s]) => [c, s.count]))).toEqual(vectors);
    expect(JSON.parse(m.postgres.stats.knownQuery.result)).toHaveLength(5);
    expect(Object.values(m.chroma.stats)[0]!.neighbours).toHaveLength(5);
    expect(m.verification.postgres.restoreSeconds).toBeGreaterThan(0);
    expect(fs.statSync(path.join(stack.backupDir, first)).mode & 0o777).toBe(0o700);
    expect(throwaways()).toBe('');
    // What monitoring alerts on (the engine's record-backup, docs/OBSERVABILITY.md): one file per store.
    for (const target of ['postgres', 'chroma']) {
      const prom = fs.readFileSync(
        path.join(stack.appDir, 'metrics', `slipway_backup_${target}.prom`),
        'utf8',
      );
      expect(prom).toMatch(
        new RegExp(`^slipway_backup_last_success_timestamp_seconds\\{target="${target}"\\} \\d+`, 'm'),
      );
      expect(prom).toMatch(new RegExp(`^slipway_backup_last_verified\\{target="${target}"\\} 1$`, 'm'));
    }
    console.log(`backup of the reference corpus: ${JSON.stringify(m.durations)}, ${m.bytes} bytes`);
  });

  it('keeps ChromaDB out of service only for the copy, and search answers meanwhile from full-text', () => {
    const m = stack.manifest(first);
    expect(m.durations.chromaDownSeconds).toBeGreaterThan(0);
    expect(m.durations.chromaDownSeconds).toBeLessThan(60);
    expect(stack.vectorCounts()).toEqual(
      Object.fromEntries(Object.entries(m.chroma.stats).map(([c, s]) => [c, s.count])),
    );
  });
});

describe('restore-db.sh', () => {
  it('--dry-run checks the backup and says what it would do, changing nothing', () => {
    const r = stack.script('restore', ['--dry-run']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain(`Backup ${first}`);
    expect(r.stdout).toContain('checksums ok');
    expect(r.stdout).toContain('PostgreSQL: live restore of slipway');
    expect(r.stdout).toContain('deploy lock: free');
  });

  it('puts both stores back after the data is lost, and reports the rows and vectors', () => {
    const rows = stack.rowCounts();
    const vectors = stack.vectorCounts();
    const evalBefore = stack.service('eval');
    stack.psql('DELETE FROM documents');
    const collections = stack.chroma('/collections') as { name: string }[];
    for (const c of collections) {
      must('docker', [
        'exec',
        stack.container('chroma'),
        'curl',
        '-fsS',
        '-X',
        'DELETE',
        `http://127.0.0.1:8000/api/v2/tenants/default_tenant/databases/default_database/collections/${c.name}`,
      ]);
    }
    expect(stack.rowCounts()['public.documents']).toBe(0);
    expect(stack.vectorCounts()).toEqual({});

    const r = stack.script('restore', ['latest']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.result).toMatchObject({
      ok: true,
      command: 'restore',
      backup: first,
      postgres: { mode: 'live', tables: rows },
      chroma: { mode: 'live', collections: vectors },
    });
    expect(stack.rowCounts()).toEqual(rows);
    expect(stack.vectorCounts()).toEqual(vectors);
    // The same search quality as before the loss (latencies aside): PostgreSQL and Chroma answer as they did.
    const quality = (json: string) => {
      const e = JSON.parse(json) as {
        metrics: Record<string, number>;
        retrievers: Record<string, Record<string, number>>;
      };
      const strip = (m: Record<string, number>) =>
        Object.fromEntries(Object.entries(m).filter(([k]) => !k.includes('latency')));
      return { metrics: strip(e.metrics), retrievers: Object.values(e.retrievers).map(strip) };
    };
    expect(quality(stack.service('eval'))).toEqual(quality(evalBefore));
    expect(throwaways()).toBe('');
    expect(stack.psql("SELECT count(*) FROM pg_database WHERE datname LIKE 'slipway_%'")).toBe('0');
  });
});

describe('restore-db.sh while the service runs', () => {
  it('refuses writes to PostgreSQL during the restore and keeps answering reads, then accepts writes again', async () => {
    const restore = spawn(RESTORE_SCRIPT, ['--config', '/dev/null', '--only', 'postgres', 'latest'], {
      env: { ...process.env, ...stack.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    restore.stdout.on('data', (d: Buffer) => (output += d.toString()));
    restore.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((resolve) => restore.on('exit', resolve));
    const write = (id: string) =>
      run(
        'docker',
        [
          'exec',
          '-i',
          stack.container('postgres'),
          'psql',
          '-X',
          '-q',
          '-v',
          'ON_ERROR_STOP=1',
          '-U',
          'slipway',
          '-d',
          'slipway',
        ],
        {
          input: `INSERT INTO documents (id, title, body, content_sha256) VALUES ('${id}', 't', 'b', 'x');`,
        },
      );
    let refused = '';
    let readsDuring = 0;
    // Writes that landed before the restore began refusing them: the restored backup does not hold them.
    const before: string[] = [];
    let code: number | null | undefined;
    void exited.then((c) => (code = c));
    for (let i = 0; code === undefined; i++) {
      const id = `during-restore-${i}`;
      const w = write(id);
      if (w.status === 0 && !refused) before.push(id);
      if (w.status !== 0 && w.stderr.includes('read-only transaction')) {
        refused = w.stderr;
        // Reads go on, except for the instant of the swap (the database briefly refuses connections).
        const read = run('docker', [
          'exec',
          stack.container('postgres'),
          'psql',
          '-X',
          '-A',
          '-t',
          '-U',
          'slipway',
          '-d',
          'slipway',
          '-c',
          'SELECT count(*) FROM documents',
        ]);
        if (read.status === 0 && Number(read.stdout) > 0) readsDuring += 1;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(code, output).toBe(0);
    expect(refused).toContain('cannot execute INSERT in a read-only transaction');
    expect(readsDuring).toBeGreaterThan(0);
    expect(resultOf(output)).toMatchObject({ ok: true, postgres: { mode: 'live' }, chroma: null });
    expect(Number(resultOf(output)!.writesRefusedSeconds)).toBeGreaterThan(0);
    // The restored database is the backup's (the writes that slipped in before the restore began are gone) and
    // writable. Writes after the swap, before the script exited, may have landed: they are the new database's.
    const quoted = before.map((id) => `'${id}'`).join(',') || "''";
    expect(stack.psql(`SELECT count(*) FROM documents WHERE id IN (${quoted})`)).toBe('0');
    const after = write('after-restore');
    expect(after.status, after.stderr).toBe(0);
    stack.psql("DELETE FROM documents WHERE id LIKE 'during-restore-%' OR id = 'after-restore'");
  });
});

describe('a backup that does not restore is never called verified', () => {
  it('a truncated dump passes pg_restore --list but fails the restore check', () => {
    const copy = '20000101T000000Z';
    const dir = path.join(stack.backupDir, copy);
    fs.cpSync(path.join(stack.backupDir, first), dir, { recursive: true });
    const dump = path.join(dir, 'postgres.dump');
    fs.truncateSync(dump, Math.floor(fs.statSync(dump).size * 0.6));
    // As if pg_dump had been cut short but reported success: the manifest matches the truncated file.
    const m = stack.manifest(copy);
    const entry = m.files.find((f) => f.name === 'postgres.dump')!;
    entry.sha256 = sha256(dump);
    entry.bytes = fs.statSync(dump).size;
    m.name = copy;
    fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(m));

    const list = run('docker', ['exec', '-i', stack.container('postgres'), 'pg_restore', '--list'], {
      input: fs.readFileSync(dump) as unknown as string,
    });
    expect(list.status, list.stderr).toBe(0);
    expect(list.stdout).toContain('TABLE DATA public documents');

    const r = stack.script('backup', ['--verify', copy]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('verification failed: postgres.dump does not restore');
    expect(r.result).toMatchObject({ ok: false });
    expect(throwaways()).toBe('');
    fs.rmSync(dir, { recursive: true });
  });

  it('a backup whose checksums fail is refused by restore-db.sh, also in a dry run', () => {
    const copy = '20000101T000001Z';
    const dir = path.join(stack.backupDir, copy);
    fs.cpSync(path.join(stack.backupDir, first), dir, { recursive: true });
    const tar = path.join(dir, 'chroma-data.tar');
    const bytes = fs.readFileSync(tar);
    const at = bytes.length >> 1;
    bytes[at] = bytes[at]! ^ 0xff;
    fs.writeFileSync(tar, bytes);
    const before = stack.rowCounts();
    for (const args of [['--dry-run', copy], [copy]]) {
      const r = stack.script('restore', args);
      expect(r.status).toBe(1);
      expect(r.stderr).toContain(`backup ${copy} fails its checksums: chroma-data.tar has sha256`);
      expect(r.stderr).toContain('Refusing it');
    }
    expect(stack.rowCounts()).toEqual(before);
    fs.rmSync(dir, { recursive: true });
  });
});

describe('a failed run says what failed, exits 1 and leaves earlier backups intact', () => {
  failing = (prepare: () => void, restore: () => void, expected: string, args: string[] = []) => {
    const before = snapshotBackups();
    prepare();
    try {
      const r = stack.script('backup', args);
      expect(r.status).toBe(1);
      expect(r.stderr).toContain(expected);
      expect(r.result).toMatchObject({ ok: false, command: 'backup' });
    } finally {
      restore();
    }
    expect(snapshotBackups()).toEqual(before);
    expect(throwaways()).toBe('');
  };

  it('PostgreSQL down', () => {
    const id = stack.container('postgres');
    failing(
      () => must('docker', ['stop', id]),
      () => stack.up(),
      'PostgreSQL is down: its container',
    );
  });

  it('ChromaDB down', () => {
    const id = stack.container('chroma');
    failing(
      () => must('docker', ['stop', id]),
      () => stack.up(),
      'ChromaDB is down: its container',
    );
  });

  it('a lock held by a deploy: waits --lock-wait seconds, then names the holder', () => {
    const lock = path.join(stack.appDir, 'state', 'lock');
    const holder = {
      command: 'deploy',
      release: 'v9',
      actor: 'octo-cat',
      pid: 4242,
      host: 'vps',
      since: '2026-11-29T03:00:00Z',
    };
    fs.writeFileSync(path.join(stack.appDir, 'state', 'lock.holder'), JSON.stringify(holder));
    // The engine's lock is flock(2) on state/lock: hold it the way a running deploy does.
    const held = spawn('flock', [lock, 'sleep', '120'], { stdio: 'ignore' });
    try {
      failing(
        () => undefined,
        () => undefined,
        'deploy lock held by {"command":"deploy","release":"v9"',
        ['--lock-wait', '2'],
      );
      expect(stack.container('chroma')).not.toBe('');
      expect(must('docker', ['inspect', '-f', '{{.State.Running}}', stack.container('chroma')]).trim()).toBe(
        'true',
      );
    } finally {
      held.kill();
      fs.rmSync(path.join(stack.appDir, 'state', 'lock.holder'), { force: true });
    }
  });

  describe('disk full', () => {
    let mount: string;
    beforeAll(() => {
      mount = fs.mkdtempSync('/tmp/backup-it-disk-');
    });
    afterAll(() => {
      run('umount', [mount]);
      fs.rmSync(mount, { recursive: true, force: true });
    });
    const onSmallDisk = (bytes: number, seed: boolean) => {
      run('umount', [mount]);
      must('mount', ['-t', 'tmpfs', '-o', `size=${bytes},mode=0700`, 'tmpfs', mount]);
      if (seed) fs.cpSync(path.join(stack.backupDir, first), path.join(mount, first), { recursive: true });
      return { SLIPWAY_BACKUP_DIR: mount };
    };
    const runOn = (env: Record<string, string>, expected: string) => {
      const before = fs.readdirSync(env.SLIPWAY_BACKUP_DIR!).sort();
      const r = stack.script('backup', [], env);
      expect(r.status).toBe(1);
      expect(r.stderr).toContain(expected);
      expect(fs.readdirSync(env.SLIPWAY_BACKUP_DIR!).sort()).toEqual(before);
      expect(throwaways()).toBe('');
      return r;
    };

    it('is refused before anything starts when the last backup would not fit', () => {
      const size = stack.manifest(first).bytes;
      const env = onSmallDisk(size + Math.floor(size / 2), true);
      runOn(env, 'disk full: ');
      const m = JSON.parse(fs.readFileSync(path.join(mount, first, 'manifest.json'), 'utf8')) as {
        files: { name: string; sha256: string }[];
      };
      for (const f of m.files) expect(sha256(path.join(mount, first, f.name))).toBe(f.sha256);
    });

    it('fails with "disk full" when a copy does not fit while it is written', () => {
      const r = runOn(onSmallDisk(256 * 1024, false), 'disk full: ');
      expect(r.stderr).toMatch(/no space left on device/i);
      expect(must('docker', ['inspect', '-f', '{{.State.Running}}', stack.container('chroma')]).trim()).toBe(
        'true',
      );
    });
  });
});

describe('retention', () => {
  /** Copies of the first backup named for other times: verified backups as a week of nightly runs leaves them. */
  const fabricate = (names: string[]) => {
    for (const name of names) {
      const dir = path.join(stack.backupDir, name);
      fs.cpSync(path.join(stack.backupDir, first), dir, { recursive: true });
      const m = stack.manifest(name);
      fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify({ ...m, name }));
    }
  };

  it('a failed run deletes nothing', () => {
    fabricate(['20201101T030000Z', '20201102T030000Z', '20201103T030000Z']);
    const before = snapshotBackups();
    const id = stack.container('postgres');
    must('docker', ['stop', id]);
    try {
      const r = stack.script('backup', ['--keep-daily', '1']);
      expect(r.status).toBe(1);
    } finally {
      stack.up();
    }
    expect(snapshotBackups()).toEqual(before);
  });

  it('keeps the newest backup of each of the last --keep-daily days, never the newest deleted', () => {
    fabricate(['20201103T150000Z', '20201104T030000Z']);
    const r = stack.script('backup', ['--keep-daily', '3']);
    expect(r.status, r.stderr).toBe(0);
    const newest = String(r.result!.backup);
    // Days with backups, newest first: today (newest), 2020-11-04, 2020-11-03 (15:00 beats 03:00), then older.
    expect(stack.backups()).toEqual(['20201103T150000Z', '20201104T030000Z', newest].sort());
    expect(r.result!.pruned).toEqual(
      [first, '20201103T030000Z', '20201102T030000Z', '20201101T030000Z']
        .filter((n) => n !== newest)
        .sort()
        .reverse(),
    );
    first = newest;
  });
});

describe('encryption with age', () => {
  let keys: string;
  beforeAll(() => {
    keys = fs.mkdtempSync('/tmp/backup-it-age-');
    must('age-keygen', ['-o', path.join(keys, 'identity')]);
    const pub = must('age-keygen', ['-y', path.join(keys, 'identity')]);
    fs.writeFileSync(path.join(keys, 'recipients'), pub);
    must('age-keygen', ['-o', path.join(keys, 'other-identity')]);
  });
  afterAll(() => fs.rmSync(keys, { recursive: true, force: true }));

  it('stores only ciphertext, verified before encryption, with the plaintext checksums in the manifest', () => {
    const r = stack.script('backup', [], { SLIPWAY_BACKUP_AGE_RECIPIENTS: path.join(keys, 'recipients') });
    expect(r.status, r.stderr).toBe(0);
    const name = String(r.result!.backup);
    const m = stack.manifest(name);
    expect(m.files.map((f) => f.name)).toEqual(['chroma-data.tar.age', 'postgres.dump.age']);
    expect(m.encryption?.tool).toBe('age');
    expect(m.encryption?.plaintext.map((f) => f.name)).toEqual(['chroma-data.tar', 'postgres.dump']);
    expect(fs.readdirSync(path.join(stack.backupDir, name)).sort()).toEqual([
      'chroma-data.tar.age',
      'manifest.json',
      'postgres.dump.age',
    ]);
    const head = fs
      .readFileSync(path.join(stack.backupDir, name, 'postgres.dump.age'))
      .subarray(0, 40)
      .toString();
    expect(head).toContain('age-encryption.org/v1');
    first = name;
  });

  it('restores with the identity, and refuses without it or with another one', () => {
    const rows = stack.rowCounts();
    const without = stack.script('restore', ['--dry-run']);
    expect(without.status).toBe(1);
    expect(without.stderr).toContain('is encrypted: pass --identity FILE');
    const wrong = stack.script('restore', ['--dry-run', '--identity', path.join(keys, 'other-identity')]);
    expect(wrong.status).toBe(1);
    expect(wrong.stderr).toContain('decrypting chroma-data.tar.age failed');
    stack.psql('DELETE FROM documents WHERE id IN (SELECT id FROM documents ORDER BY id LIMIT 3)');
    const r = stack.script('restore', ['--identity', path.join(keys, 'identity')]);
    expect(r.status, r.stderr).toBe(0);
    expect(stack.rowCounts()).toEqual(rows);
    expect(fs.readdirSync(stack.backupDir).filter((n) => n.startsWith('.'))).toEqual([]);
  });
});

describe('the off-site copy', () => {
  let server: SftpServer;
  beforeAll(async () => {
    server = await startSftpServer(18622);
  });
  afterAll(async () => server?.stop());

  it('lands complete on the second host, over SFTP only, with the same files and retention', () => {
    const r = stack.script('backup', ['--keep-daily', '2'], server.env);
    expect(r.status, r.stderr).toBe(0);
    const name = String(r.result!.backup);
    expect(r.result!.offsite).toContain(`root@127.0.0.1:/backups/${name}`);
    expect(fs.readdirSync(server.storedDir)).toEqual([name]);
    for (const f of fs.readdirSync(path.join(stack.backupDir, name))) {
      expect(sha256(path.join(server.storedDir, name, f))).toBe(sha256(path.join(stack.backupDir, name, f)));
    }
    first = name;
  });

  it('refuses a host whose key is not the pinned one, and the run fails without pruning', () => {
    const before = snapshotBackups();
    const r = stack.script('backup', ['--keep-daily', '1'], {
      ...server.env,
      SLIPWAY_BACKUP_OFFSITE_KNOWN_HOSTS: server.wrongKnownHosts,
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('its off-site copy failed');
    expect(r.stderr).toMatch(/Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED/);
    // The new backup is kept (it is verified); nothing older was pruned.
    for (const name of Object.keys(before)) expect(stack.backups()).toContain(name);
    expect(fs.readdirSync(server.storedDir)).toEqual([first]);
  });

  it('restore --from-offsite fetches the newest off-site backup into an empty backup dir and restores it', () => {
    const rows = stack.rowCounts();
    const empty = fs.mkdtempSync('/tmp/backup-it-fetched-');
    try {
      stack.psql('DELETE FROM documents');
      const r = stack.script('restore', ['--from-offsite'], { ...server.env, SLIPWAY_BACKUP_DIR: empty });
      expect(r.status, r.stderr).toBe(0);
      expect(r.result).toMatchObject({ ok: true, backup: first });
      expect(fs.readdirSync(empty)).toEqual([first]);
      expect(stack.rowCounts()).toEqual(rows);
    } finally {
      fs.rmSync(empty, { recursive: true, force: true });
    }
  });
});
