// The backup scripts' pure parts, run by bash itself: the retention rule, the statistics comparison, the
// configuration file, the manifest's checksum check, the off-site setting and the scripts' argument errors.
// No Docker: these functions only read files and text.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..', '..', '..', '..');
const scripts = path.join(root, 'infra', 'scripts');
const lib = path.join(scripts, 'backup', 'lib');

/** Runs SNIPPET with the engine's and the backup's libraries sourced, as the scripts source them. */
function bash(snippet: string, input = '', env: Record<string, string> = {}) {
  const prelude = [
    'set -euo pipefail',
    `source ${root}/infra/deploy-engine/lib/common.sh`,
    `source ${root}/infra/deploy-engine/lib/lock.sh`,
    `source ${root}/infra/deploy-engine/lib/docker.sh`,
    ...['common', 'store', 'offsite'].map((f) => `source ${lib}/${f}.sh`),
  ].join('\n');
  const r = spawnSync('bash', ['-c', `${prelude}\n${snippet}`], {
    input,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', ...env },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'backup-unit-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('retention_plan (keep the newest backup of each of the newest KEEP days)', () => {
  const table: [string, number, string[], string[]][] = [
    ['one backup is always kept', 1, ['20261129T030000Z'], []],
    [
      'a week of nightly runs with 7 days keeps all',
      7,
      ['20261129T030000Z', '20261128T030000Z', '20261127T030000Z'],
      [],
    ],
    [
      'older days beyond KEEP go',
      2,
      ['20261129T030000Z', '20261128T030000Z', '20261127T030000Z', '20261126T030000Z'],
      ['20261127T030000Z', '20261126T030000Z'],
    ],
    [
      'a second run the same day replaces the first (the newest of the day stays)',
      7,
      ['20261129T150000Z', '20261129T030000Z', '20261128T030000Z'],
      ['20261129T030000Z'],
    ],
    [
      'gaps between days do not count as days',
      2,
      ['20261129T030000Z', '20261120T030000Z', '20261001T030000Z'],
      ['20261001T030000Z'],
    ],
    [
      'KEEP 1 keeps only the newest',
      1,
      ['20261129T150000Z', '20261129T030000Z', '20261128T030000Z'],
      ['20261129T030000Z', '20261128T030000Z'],
    ],
  ];
  it.each(table)('%s', (_name, keep, names, deleted) => {
    const r = bash(`retention_plan ${keep}`, names.map((n) => `${n}\n`).join(''));
    expect(r.status, r.stderr).toBe(0);
    const plan = r.stdout.trim().split('\n');
    expect(plan.filter((l) => l.startsWith('delete ')).map((l) => l.slice(7))).toEqual(deleted);
    expect(plan[0]).toBe(`keep ${names[0]}`);
    expect(plan).toHaveLength(names.length);
  });
});

describe('stats-diff.jq (what the restore check compares)', () => {
  const diff = (expected: unknown, actual: unknown) =>
    spawnSync(
      'jq',
      [
        '-rn',
        '--argjson',
        'e',
        JSON.stringify(expected),
        '--argjson',
        'a',
        JSON.stringify(actual),
        '-f',
        path.join(lib, 'stats-diff.jq'),
      ],
      {
        encoding: 'utf8',
      },
    ).stdout.trim();
  const pg = (rows: number, checksum = '1', known = '["a"]') => ({
    tables: { 'public.documents': { rows, checksum } },
    knownQuery: { sha256: 'q', result: known },
  });

  it.each([
    ['identical statistics', pg(3), pg(3), ''],
    ['a lost row', pg(3), pg(2), 'tables public.documents rows: expected 3, got 2'],
    ['an altered row', pg(3, '1'), pg(3, '7'), 'tables public.documents checksum: expected "1", got "7"'],
    [
      'another answer to the known query',
      pg(3),
      pg(3, '1', '["b"]'),
      'knownQuery result: expected "[\\"a\\"]", got "[\\"b\\"]"',
    ],
    [
      'a missing collection',
      { 'default_database/docs': { count: 2, neighbours: ['a', 'b'] } },
      {},
      'default_database/docs count: expected 2, got null; default_database/docs neighbours: expected ["a","b"], got null',
    ],
    [
      'another nearest neighbour than the probe itself',
      { c: { count: 2, neighbours: ['a', 'b'] } },
      { c: { count: 2, neighbours: ['b', 'a'] } },
      'c neighbours: expected ["a","b"], got ["b","a"]',
    ],
    [
      'one near-tie answered otherwise by the approximate index',
      { c: { count: 9, neighbours: ['a', 'b', 'c', 'd', 'e'] } },
      { c: { count: 9, neighbours: ['a', 'b', 'd', 'c', 'x'] } },
      '',
    ],
    [
      'two other neighbours',
      { c: { count: 9, neighbours: ['a', 'b', 'c', 'd', 'e'] } },
      { c: { count: 9, neighbours: ['a', 'b', 'c', 'x', 'y'] } },
      'c neighbours: expected ["a","b","c","d","e"], got ["a","b","c","x","y"]',
    ],
    [
      'fewer neighbours',
      { c: { count: 9, neighbours: ['a', 'b'] } },
      { c: { count: 9, neighbours: ['a'] } },
      'c neighbours: expected ["a","b"], got ["a"]',
    ],
  ])('%s', (_name, expected, actual, want) => {
    expect(diff(expected, actual)).toBe(want);
  });
});

describe('config_load (KEY=VALUE, never run as shell)', () => {
  it('sets known keys the environment leaves unset, skips comments, and the environment wins', () => {
    const file = path.join(dir, 'backup.env');
    fs.writeFileSync(
      file,
      '# comment\n\nSLIPWAY_BACKUP_KEEP_DAILY=3\nSLIPWAY_BACKUP_DIR=/srv/b $(touch /tmp/x)\n',
    );
    const r = bash(`config_load ${file}; echo "$SLIPWAY_BACKUP_KEEP_DAILY|$SLIPWAY_BACKUP_DIR"`, '', {
      SLIPWAY_BACKUP_KEEP_DAILY: '9',
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe('9|/srv/b $(touch /tmp/x)');
  });

  it.each([
    ['an unknown key', 'SLIPWAY_BACKUP_KEPP=3\n', 'unknown key SLIPWAY_BACKUP_KEPP'],
    [
      'a line that is not KEY=VALUE',
      'export SLIPWAY_BACKUP_DIR=/x\n',
      "'export SLIPWAY_BACKUP_DIR=/x' is not a KEY=VALUE line",
    ],
  ])('refuses %s', (_name, text, message) => {
    const file = path.join(dir, 'backup.env');
    fs.writeFileSync(file, text);
    const r = bash(`config_load ${file}`);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(message);
  });
});

describe('manifest_check (a backup whose checksums fail is never restored)', () => {
  const write = (
    files: Record<string, string>,
    manifestFiles?: { name: string; bytes: number; sha256: string }[],
  ) => {
    for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
    const listed =
      manifestFiles ??
      Object.entries(files).map(([name, text]) => ({
        name,
        bytes: Buffer.byteLength(text),
        sha256: createHash('sha256').update(text).digest('hex'),
      }));
    fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify({ files: listed }));
  };

  it('passes a folder that matches its manifest', () => {
    write({ 'postgres.dump': 'dump', 'chroma-data.tar': 'tar' });
    expect(bash(`manifest_check ${dir}`).status).toBe(0);
  });

  it.each([
    [
      'a changed file',
      () => fs.writeFileSync(path.join(dir, 'postgres.dump'), 'dumq'),
      'postgres.dump has sha256',
    ],
    [
      'a shorter file',
      () => fs.writeFileSync(path.join(dir, 'postgres.dump'), 'du'),
      'postgres.dump has 2 bytes, the manifest says 4',
    ],
    ['a missing file', () => fs.rmSync(path.join(dir, 'postgres.dump')), 'postgres.dump is missing'],
    ['an extra file', () => fs.writeFileSync(path.join(dir, 'extra'), 'x'), 'extra is not in the manifest'],
    [
      'no manifest',
      () => fs.rmSync(path.join(dir, 'manifest.json')),
      'has no manifest.json: it is incomplete',
    ],
  ])('refuses %s', (_name, damage, message) => {
    write({ 'postgres.dump': 'dump', 'chroma-data.tar': 'tar' });
    damage();
    const r = bash(`manifest_check ${dir}`);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(message);
  });
});

describe('offsite_configured', () => {
  it('is off without SLIPWAY_BACKUP_OFFSITE', () => {
    expect(bash('offsite_configured || echo off').stdout.trim()).toBe('off');
  });

  it('reads USER@HOST:/PATH and insists on a key and a pinned host key', () => {
    const key = path.join(dir, 'key');
    const known = path.join(dir, 'known_hosts');
    fs.writeFileSync(key, 'k');
    fs.writeFileSync(known, 'h');
    const env = {
      SLIPWAY_BACKUP_OFFSITE: 'backup@vault.example:/srv/backups/',
      SLIPWAY_BACKUP_OFFSITE_KEY: key,
    };
    expect(bash('offsite_configured', '', env).stderr).toContain('must be a known_hosts file pinning');
    const r = bash('offsite_configured && echo "$OFFSITE_TARGET $OFFSITE_PATH $OFFSITE_PORT"', '', {
      ...env,
      SLIPWAY_BACKUP_OFFSITE_KNOWN_HOSTS: known,
    });
    expect(r.stdout.trim()).toBe('backup@vault.example /srv/backups 22');
  });

  it.each([
    'vault.example:/x',
    'b@vault.example:relative',
    'b@vault.example:/a/../etc',
    'b@vault example:/x',
    'b@h:/x;rm',
  ])('refuses %s', (value) => {
    const r = bash('offsite_configured', '', { SLIPWAY_BACKUP_OFFSITE: value });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`SLIPWAY_BACKUP_OFFSITE: '${value}' is not USER@HOST:/ABSOLUTE/PATH.`);
  });
});

describe('the scripts refuse bad arguments before touching anything', () => {
  const script = (name: string, args: string[]) =>
    spawnSync(path.join(scripts, name), ['--config', '/dev/null', ...args], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '', SLIPWAY_APP_DIR: dir, SLIPWAY_BACKUP_DIR: path.join(dir, 'b') },
    });

  it.each([
    ['backup-db.sh', ['--keep-daily', '0'], '--keep-daily: expected an integer from 1 to 3650'],
    ['backup-db.sh', ['--lock-wait', 'soon'], "--lock-wait: expected an integer from 0 to 86400, got 'soon'"],
    ['backup-db.sh', ['--bogus'], "unknown argument '--bogus'"],
    [
      'backup-db.sh',
      ['--backup-dir', 'relative'],
      "backup dir (--backup-dir, SLIPWAY_BACKUP_DIR): 'relative' is not an absolute path",
    ],
    ['restore-db.sh', ['--only', 'redis'], "--only: expected postgres or chroma, got 'redis'"],
    ['restore-db.sh', ['yesterday'], "backup 'yesterday' is not a backup folder name (YYYYMMDDTHHMMSSZ)"],
    ['restore-db.sh', ['latest'], 'no verified backup in'],
  ])('%s %s', (name, args, message) => {
    const r = script(name, args);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(message);
    expect(r.stdout.trim().split('\n').pop()).toMatch(/^SLIPWAY_RESULT \{"ok":false/);
  });

  it('--help prints the usage and exits 0', () => {
    for (const name of ['backup-db.sh', 'restore-db.sh']) {
      const r = script(name, ['--help']);
      expect(r.status).toBe(0);
      expect(r.stdout).toContain(`Usage: ${name}`);
    }
  });
});
