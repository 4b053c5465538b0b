// The engine's textfile-collector metrics, run for real: bin/slipway against a throwaway app dir with a
// fabricated ledger (no Docker needed for these commands), and every file it writes checked by promtool.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..', '..', '..');
const engine = path.join(root, 'infra', 'deploy-engine', 'bin', 'slipway');
const promtool = path.join(root, '.venv', 'bin', 'promtool');

let appDir: string;

function slipway(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(engine, ['--app-dir', appDir, ...args], {
    encoding: 'utf8',
    env: { ...process.env, SLIPWAY_TEXTFILE_DIR: '', ...env },
  });
  const lines = r.stdout.trim().split('\n');
  const last = lines.at(-1) ?? '';
  return {
    status: r.status,
    stderr: r.stderr,
    result: last.startsWith('SLIPWAY_RESULT ') ? (JSON.parse(last.slice(15)) as Record<string, unknown>) : {},
  };
}

/** name{labels} -> value, from Prometheus text format. */
function samples(text: string): Record<string, number> {
  return Object.fromEntries(
    text
      .split('\n')
      .filter((l) => l && !l.startsWith('#'))
      .map((l) => {
        const at = l.lastIndexOf(' ');
        return [l.slice(0, at), Number(l.slice(at + 1))];
      }),
  );
}

function promtoolCheck(file: string): string {
  const r = spawnSync(promtool, ['check', 'metrics'], { input: fs.readFileSync(file), encoding: 'utf8' });
  return `${r.status} ${r.stdout}${r.stderr}`.trim();
}

const metricsDir = () => path.join(appDir, 'metrics');
const read = (name: string) => fs.readFileSync(path.join(metricsDir(), name), 'utf8');

function op(
  id: string,
  kind: string,
  release: string,
  result: string,
  startedAt: string,
  seconds?: number,
  slot = 'blue',
) {
  const base = { op: id, kind, release, previous: '', slot, images: {}, gitSha: '', actor: 'ci', startedAt };
  const started = { ...base, result: 'started' };
  if (seconds === undefined) return [started];
  const finishedAt = new Date(Date.parse(startedAt) + seconds * 1000).toISOString().replace('.000Z', 'Z');
  return [started, { ...base, result, finishedAt }];
}

function writeLedger(entries: object[], current = '') {
  fs.writeFileSync(path.join(appDir, 'ledger.jsonl'), entries.map((e) => JSON.stringify(e) + '\n').join(''));
  fs.mkdirSync(path.join(appDir, 'state'), { recursive: true });
  fs.writeFileSync(path.join(appDir, 'state', 'current'), current ? `${current}\n` : '');
}

beforeEach(() => {
  appDir = fs.mkdtempSync(path.join(os.tmpdir(), 'obs-engine-metrics-'));
});
afterEach(() => fs.rmSync(appDir, { recursive: true, force: true }));

describe('deploy metrics (slipway_deploy.prom)', { timeout: 30_000 }, () => {
  it('are rendered from the ledger: counts, durations, last results and the live release', () => {
    writeLedger(
      [
        ...op('a', 'deploy', 'v1', 'succeeded', '2026-01-01T00:00:00Z', 12, 'blue'),
        ...op('b', 'deploy', 'v2', 'succeeded', '2026-01-01T01:00:00Z', 14, 'green'),
        ...op('c', 'deploy', 'v3', 'failed', '2026-01-01T02:00:00Z', 40, 'blue'),
        ...op('d', 'rollback', 'v1', 'succeeded', '2026-01-01T03:00:00Z', 9, 'blue'),
        ...op('e', 'deploy', 'v4', 'interrupted', '2026-01-01T04:00:00Z', 3, 'green'),
      ],
      'v1',
    );
    fs.mkdirSync(path.join(appDir, 'releases', 'v1'), { recursive: true });
    fs.writeFileSync(path.join(appDir, 'releases', 'v1', 'release.json'), '{"gitSha": "abc1234"}');

    const run = slipway(['metrics']);
    expect(run.status, run.stderr).toBe(0);
    expect(run.result).toEqual({
      ok: true,
      command: 'metrics',
      file: path.join(metricsDir(), 'slipway_deploy.prom'),
    });
    const s = samples(read('slipway_deploy.prom'));
    expect(s).toMatchObject({
      'slipway_deploy_operations_total{kind="deploy",result="succeeded"}': 2,
      'slipway_deploy_operations_total{kind="deploy",result="failed"}': 1,
      'slipway_deploy_operations_total{kind="deploy",result="interrupted"}': 1,
      'slipway_deploy_operations_total{kind="rollback",result="succeeded"}': 1,
      'slipway_deploy_operations_total{kind="rollback",result="failed"}': 0,
      'slipway_deploy_duration_seconds_sum{kind="deploy"}': 26,
      'slipway_deploy_duration_seconds_count{kind="deploy"}': 2,
      'slipway_deploy_duration_seconds_sum{kind="rollback"}': 9,
      'slipway_deploy_last_success{kind="deploy"}': 0,
      'slipway_deploy_last_success{kind="rollback"}': 1,
      'slipway_deploy_last_duration_seconds{kind="deploy",release="v4",result="interrupted"}': 3,
      'slipway_deploy_last_finished_timestamp_seconds{kind="rollback"}':
        Date.parse('2026-01-01T03:00:09Z') / 1000,
      'slipway_live_release_info{release="v1",git_sha="abc1234",slot="blue"}': 1,
      slipway_live_release_since_timestamp_seconds: Date.parse('2026-01-01T03:00:09Z') / 1000,
    });
    expect(promtoolCheck(path.join(metricsDir(), 'slipway_deploy.prom'))).toBe('0');
    expect(fs.readdirSync(metricsDir())).toEqual(['slipway_deploy.prom']);
  });

  it('have every counter at zero and no live release on a fresh host', () => {
    writeLedger([]);
    expect(slipway(['metrics']).status).toBe(0);
    const s = samples(read('slipway_deploy.prom'));
    expect(Object.entries(s).filter(([k]) => k.startsWith('slipway_deploy_operations_total'))).toHaveLength(
      6,
    );
    expect(Object.keys(s).some((k) => k.startsWith('slipway_live_release'))).toBe(false);
    expect(promtoolCheck(path.join(metricsDir(), 'slipway_deploy.prom'))).toBe('0');
  });

  it('escape label values that come from the ledger', () => {
    writeLedger([...op('a', 'deploy', 'v"1\\x', 'failed', '2026-01-01T00:00:00Z', 1)]);
    expect(slipway(['metrics']).status).toBe(0);
    expect(read('slipway_deploy.prom')).toContain('release="v\\"1\\\\x"');
    expect(promtoolCheck(path.join(metricsDir(), 'slipway_deploy.prom'))).toBe('0');
  });

  it('go to SLIPWAY_TEXTFILE_DIR when it is set, and print with --print', () => {
    writeLedger([]);
    const dir = path.join(appDir, 'collector');
    expect(slipway(['metrics'], { SLIPWAY_TEXTFILE_DIR: dir }).status).toBe(0);
    expect(fs.readdirSync(dir)).toEqual(['slipway_deploy.prom']);
    const printed = spawnSync(engine, ['--app-dir', appDir, 'metrics', '--print'], { encoding: 'utf8' });
    expect(printed.stdout).toMatch(/^# HELP slipway_deploy_operations_total/);
  });

  it('refuse a bad SLIPWAY_TEXTFILE_DIR with a clear message', () => {
    writeLedger([]);
    const run = slipway(['metrics'], { SLIPWAY_TEXTFILE_DIR: 'relative/dir' });
    expect(run.status).toBe(1);
    expect(run.result.error).toBe(
      "metrics: SLIPWAY_TEXTFILE_DIR 'relative/dir' is invalid: an absolute path of letters, digits, . _ / - without '..'.",
    );
  });

  it('are written when a deploy fails, and an unwritable directory never changes its outcome', () => {
    writeLedger([...op('a', 'deploy', 'v1', 'succeeded', '2026-01-01T00:00:00Z', 12)], 'v1');
    const failed = slipway(['deploy', 'missing-release']);
    expect(failed.status).toBe(1);
    expect(failed.result).toMatchObject({ ok: false, command: 'deploy' });
    expect(read('slipway_deploy.prom')).toContain(
      'slipway_deploy_operations_total{kind="deploy",result="succeeded"} 1',
    );

    const blocked = path.join(appDir, 'not-a-dir');
    fs.writeFileSync(blocked, '');
    const again = slipway(['deploy', 'missing-release'], { SLIPWAY_TEXTFILE_DIR: blocked });
    expect(again.status).toBe(1);
    expect(again.result.error).toMatch(/^release missing-release is not on this host/);
    expect(again.stderr).toContain('warning: the deploy metrics were not written');
  });
});

describe('backup metrics (slipway record-backup)', { timeout: 30_000 }, () => {
  const ok = ['--target', 'postgres', '--result', 'succeeded', '--started', '1000', '--finished', '1060'];

  it('record a run, and carry the last success over a failed run', () => {
    expect(
      slipway(['record-backup', ...ok, '--size-bytes', '123456', '--verified', 'yes']).result,
    ).toMatchObject({
      ok: true,
      command: 'record-backup',
      target: 'postgres',
      result: 'succeeded',
    });
    const failed = slipway([
      'record-backup',
      '--target',
      'postgres',
      '--result',
      'failed',
      '--started',
      '5000',
      '--finished',
      '5007',
    ]);
    expect(failed.status).toBe(0);
    const file = path.join(metricsDir(), 'slipway_backup_postgres.prom');
    expect(samples(fs.readFileSync(file, 'utf8'))).toEqual({
      'slipway_backup_runs_total{target="postgres",result="succeeded"}': 1,
      'slipway_backup_runs_total{target="postgres",result="failed"}': 1,
      'slipway_backup_last_run_timestamp_seconds{target="postgres"}': 5007,
      'slipway_backup_last_run_success{target="postgres"}': 0,
      'slipway_backup_last_run_duration_seconds{target="postgres"}': 7,
      'slipway_backup_last_success_timestamp_seconds{target="postgres"}': 1060,
      'slipway_backup_last_size_bytes{target="postgres"}': 123456,
      'slipway_backup_last_verified{target="postgres"}': 1,
    });
    expect(promtoolCheck(file)).toBe('0');
  });

  it('keep one file per target, and record an unverified backup as 0', () => {
    slipway(['record-backup', ...ok, '--size-bytes', '1', '--verified', 'yes']);
    const chroma = ok.map((a) => (a === 'postgres' ? 'chroma' : a));
    expect(slipway(['record-backup', ...chroma, '--size-bytes', '2', '--verified', 'no']).status).toBe(0);
    expect(fs.readdirSync(metricsDir()).sort()).toEqual([
      'slipway_backup_chroma.prom',
      'slipway_backup_postgres.prom',
    ]);
    expect(read('slipway_backup_chroma.prom')).toContain('slipway_backup_last_verified{target="chroma"} 0');
  });

  it('have no last-success samples before the first success', () => {
    slipway([
      'record-backup',
      '--target',
      'postgres',
      '--result',
      'failed',
      '--started',
      '1',
      '--finished',
      '2',
    ]);
    const s = samples(read('slipway_backup_postgres.prom'));
    expect(s['slipway_backup_last_run_success{target="postgres"}']).toBe(0);
    expect(Object.keys(s).some((k) => k.startsWith('slipway_backup_last_success'))).toBe(false);
  });

  it.each<[string, string[], string]>([
    ['bad target', ['--target', 'Post gres'], "record-backup --target: 'Post gres' is not allowed"],
    ['bad result', ['--result', 'ok'], "record-backup --result: expected succeeded or failed, got 'ok'."],
    ['finished before started', ['--finished', '999'], 'expected Unix times with finished >= started'],
    [
      'no size on success',
      ['--verified', 'yes'],
      "record-backup --size-bytes: expected a byte count, got ''.",
    ],
    [
      'bad verified',
      ['--size-bytes', '5', '--verified', 'maybe'],
      'record-backup --verified: expected yes or no',
    ],
    [
      'unknown flag',
      ['--size-bytes', '5', '--verified', 'yes', '--force'],
      "record-backup: unknown argument '--force'",
    ],
    ['flag without value', ['--size-bytes'], '--size-bytes needs a value. Run slipway --help.'],
  ])('refuse %s and write nothing', (_name, change, message) => {
    const args = [...ok];
    for (let i = 0; i < change.length; i += 2) {
      const at = args.indexOf(change[i]!);
      if (at >= 0 && change[i + 1] !== undefined) args[at + 1] = change[i + 1]!;
      else args.push(...change.slice(i, i + 2));
    }
    const run = slipway(['record-backup', ...args]);
    expect(run.status).toBe(1);
    expect(String(run.result.error)).toContain(message);
    expect(fs.existsSync(path.join(metricsDir(), 'slipway_backup_postgres.prom'))).toBe(false);
  });
});
