// The monitoring role, run for real by ansible-playbook on this machine (connection local) into a scratch
// directory, with monitoring_start false: the files it installs, its idempotence (a second run changes
// nothing), a refused public bind address (nothing written), and that the compose file accepts the .env it
// writes. Starting the stack from these same files is what infra/monitoring/tests/monitoring.int.test.ts does.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..', '..', '..', '..', '..');
const venv = path.join(root, '.venv', 'bin');
let work: string;

function playbook(vars: Record<string, unknown>) {
  const play = path.join(work, `play-${Math.random().toString(36).slice(2)}.yml`);
  fs.writeFileSync(
    play,
    JSON.stringify([
      { hosts: 'localhost', connection: 'local', gather_facts: false, roles: ['monitoring'], vars },
    ]),
  );
  const r = spawnSync(path.join(venv, 'ansible-playbook'), ['-i', 'localhost,', play], {
    encoding: 'utf8',
    env: {
      ...process.env,
      ANSIBLE_ROLES_PATH: path.join(root, 'infra', 'ansible', 'roles'),
      ANSIBLE_PYTHON_INTERPRETER: '/usr/bin/python3',
      ANSIBLE_LOCALHOST_WARNING: 'false',
      ANSIBLE_NOCOLOR: '1',
      ANSIBLE_PIPELINING: 'true',
    },
    timeout: 180_000,
  });
  const recap = /localhost\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)/.exec(r.stdout);
  return {
    status: r.status,
    output: `${r.stdout}${r.stderr}`,
    changed: Number(recap?.[2] ?? -1),
    failed: Number(recap?.[4] ?? -1),
  };
}

const vars = () => ({
  monitoring_dir: path.join(work, 'monitoring'),
  monitoring_app_dir: path.join(work, 'app'),
  monitoring_app_user: 'root',
  monitoring_start: false,
});

beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'obs-role-'));
});
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

describe('role monitoring', { timeout: 300_000 }, () => {
  it('refuses a bind address that is not loopback, before writing anything', () => {
    const run = playbook({ ...vars(), monitoring_bind_address: '0.0.0.0' });
    expect(run.status).toBe(2);
    expect(run.output).toContain('monitoring_bind_address must be a loopback address (got 0.0.0.0');
    expect(fs.existsSync(path.join(work, 'monitoring'))).toBe(false);
  });

  it('installs the stack files, the textfile directory and a generated Grafana password', () => {
    const run = playbook(vars());
    expect(run.status, run.output).toBe(0);
    expect(run.changed).toBeGreaterThan(5);
    const dir = path.join(work, 'monitoring');
    for (const file of [
      'compose.yaml',
      '.env',
      'prometheus/prometheus.yml',
      'prometheus/rules/slipway.rules.yml',
      'prometheus/targets/api.yml',
      'grafana/provisioning/datasources/prometheus.yml',
      'grafana/dashboards/slipway-service.json',
    ]) {
      expect(fs.existsSync(path.join(dir, file)), file).toBe(true);
    }
    expect(fs.statSync(path.join(dir, 'secrets')).mode & 0o777).toBe(0o700);
    expect(fs.readFileSync(path.join(dir, 'secrets', 'grafana_admin_password'), 'utf8')).toMatch(
      /^[A-Za-z0-9]{32}$/,
    );
    expect(fs.statSync(path.join(work, 'app', 'metrics')).isDirectory()).toBe(true);
    // The app database's password, for a host set up before its first deploy (the engine keeps it).
    expect(fs.statSync(path.join(work, 'app', 'shared', 'secrets')).mode & 0o777).toBe(0o700);
    expect(fs.readFileSync(path.join(work, 'app', 'shared', 'secrets', 'db_password'), 'utf8')).toMatch(
      /^[A-Za-z0-9]{32}$/,
    );
    expect(fs.readFileSync(path.join(dir, '.env'), 'utf8')).toContain(
      `MONITORING_TEXTFILE_DIR=${path.join(work, 'app', 'metrics')}\n`,
    );
  });

  it('changes nothing on a second run, and keeps the generated passwords', () => {
    const password = fs.readFileSync(
      path.join(work, 'monitoring', 'secrets', 'grafana_admin_password'),
      'utf8',
    );
    const dbPassword = path.join(work, 'app', 'shared', 'secrets', 'db_password');
    fs.writeFileSync(dbPassword, 'the-engines-own');
    const run = playbook(vars());
    expect(run.status, run.output).toBe(0);
    expect(run.changed, run.output).toBe(0);
    expect(fs.readFileSync(path.join(work, 'monitoring', 'secrets', 'grafana_admin_password'), 'utf8')).toBe(
      password,
    );
    expect(fs.readFileSync(dbPassword, 'utf8')).toBe('the-engines-own');
  });

  it('writes an .env that sets every variable the compose file requires', () => {
    const dir = path.join(work, 'monitoring');
    const composeConfig = (profiles: string[]) => {
      const r = spawnSync(
        'docker',
        [
          'compose',
          '--project-directory',
          dir,
          '-f',
          path.join(dir, 'compose.yaml'),
          ...profiles.flatMap((p) => ['--profile', p]),
          'config',
          '--format',
          'json',
        ],
        { encoding: 'utf8' },
      );
      expect(r.status, r.stderr).toBe(0);
      return JSON.parse(r.stdout) as {
        services: Record<string, { ports?: { host_ip: string; published: string }[]; command?: string[] }>;
      };
    };
    // Without the grafana profile (monitoring_grafana_enabled false, the sandbox): Prometheus and the exporters.
    expect(Object.keys(composeConfig([]).services).sort()).toEqual([
      'node-exporter',
      'postgres-exporter',
      'prometheus',
    ]);
    const config = composeConfig(['grafana']);
    expect(Object.keys(config.services).sort()).toEqual([
      'grafana',
      'node-exporter',
      'postgres-exporter',
      'prometheus',
    ]);
    const published = Object.entries(config.services).flatMap(([name, s]) =>
      (s.ports ?? []).map((p) => `${name} ${p.host_ip}:${p.published}`),
    );
    expect(published.sort()).toEqual(['grafana 127.0.0.1:3000', 'prometheus 127.0.0.1:9090']);
    expect(config.services.prometheus?.command).toContain('--storage.tsdb.retention.time=15d');
  });
});
