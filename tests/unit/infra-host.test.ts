// The host as code agrees with itself: the roles' facts with the deploy engine's constants, argument_specs with
// defaults, the playbooks' users with the roles, and setup-vps.sh refuses bad flags before it changes anything.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const read = (rel: string) => fs.readFileSync(path.join(root, rel), 'utf8');
const roles = ['common', 'docker', 'caddy', 'app', 'monitoring'];
const defaults = (role: string) =>
  yaml.load(read(`infra/ansible/roles/${role}/defaults/main.yml`)) as Record<string, unknown>;
const engineDocker = read('infra/deploy-engine/lib/docker.sh');
const constant = (text: string, name: string) => new RegExp(`readonly ${name}="([^"]+)"`).exec(text)?.[1];

describe('the roles and the deploy engine', () => {
  it('create the same Docker networks, backend internal', () => {
    const edge = constant(engineDocker, 'NETWORK_EDGE');
    const backend = constant(engineDocker, 'NETWORK_BACKEND');
    expect(engineDocker).toContain(`network create --internal "\${NETWORK_BACKEND}"`);
    expect(defaults('caddy').caddy_networks).toEqual([
      { name: edge, internal: false },
      { name: backend, internal: true },
    ]);
  });

  it('agree on the app directory', () => {
    expect(read('infra/deploy-engine/bin/slipway')).toContain(
      `APP_DIR="\${SLIPWAY_APP_DIR:-${String(defaults('app').app_dir)}}"`,
    );
    expect(constant(read('scripts/sandbox/lib/common.sh'), 'VPS_APP_DIR')).toBe(defaults('app').app_dir);
  });

  it('agree with the monitoring role on the app directory, the deploy user and the networks', () => {
    const monitoring = defaults('monitoring');
    expect(monitoring.monitoring_app_dir).toBe(defaults('app').app_dir);
    expect(monitoring.monitoring_app_user).toBe(defaults('common').common_deploy_user);
    expect([monitoring.monitoring_edge_network, monitoring.monitoring_backend_network]).toEqual(
      (defaults('caddy').caddy_networks as { name: string }[]).map((n) => n.name),
    );
  });

  it('deploy and roll back as the deploy user the setup creates; set up as root', () => {
    const user = (file: string) =>
      (yaml.load(read(`infra/ansible/${file}`)) as { remote_user: string }[])[0]!.remote_user;
    expect(user('deploy.yml')).toBe(defaults('common').common_deploy_user);
    expect(user('rollback.yml')).toBe(defaults('common').common_deploy_user);
    expect(user('setup.yml')).toBe('root');
    expect(defaults('app').app_user).toBe('{{ common_deploy_user }}');
  });
});

describe('argument_specs', () => {
  it.each(roles)('of role %s document every default with the same value', (role) => {
    const specs = yaml.load(read(`infra/ansible/roles/${role}/meta/argument_specs.yml`)) as {
      argument_specs: Record<string, { options: Record<string, { default?: unknown; required?: boolean }> }>;
    };
    const options = Object.assign({}, ...Object.values(specs.argument_specs).map((e) => e.options)) as Record<
      string,
      { default?: unknown; required?: boolean }
    >;
    for (const [name, value] of Object.entries(defaults(role))) {
      expect(options[name], `${role}: ${name} has no argument spec`).toBeDefined();
      if (options[name]!.required) continue;
      const expected = JSON.parse(
        JSON.stringify(value).replace(/\{\{ (\w+) \}\}/g, (m, v: string) =>
          v in defaults('common') ? String(defaults('common')[v]) : m,
        ),
      ) as unknown;
      expect(options[name]!.default, `${role}: ${name}`).toEqual(expected);
    }
  });
});

describe('setup-vps.sh', () => {
  const script = path.join(root, 'infra/scripts/setup-vps.sh');
  const run = (...args: string[]) => spawnSync('bash', [script, ...args], { encoding: 'utf8' });
  const key = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHy9s6NVs8j/kJmyGotHY/OLhWeExZEHuH8FafNjZZ0C test';

  it('lists every step of its table in --help, each with a function', () => {
    const help = run('--help');
    expect(help.status).toBe(0);
    const steps = [...help.stdout.split('Steps, in order:')[1]!.matchAll(/^ {2}([a-z-]+) {2,}/gm)].map(
      (m) => m[1],
    );
    expect(steps).toEqual([
      'packages',
      'timezone',
      'journald',
      'swap',
      'upgrades',
      'docker',
      'compose',
      'docker-config',
      'deploy-user',
      'registry-login',
      'proxy',
      'networks',
      'app-dir',
      'supervise',
      'backup',
      'firewall',
      'sshd',
    ]);
    const defined = spawnSync(
      'bash',
      ['-c', `source ${script}; for s in ${steps.join(' ')}; do declare -F step_\${s//-/_}; done`],
      { encoding: 'utf8' },
    );
    expect(defined.stdout.trim().split('\n')).toHaveLength(steps.length);
  });

  it.each([
    [['--bogus'], "unknown argument '--bogus'"],
    [['--deploy-key'], '--deploy-key needs a value'],
    [['--deploy-key', 'hello world'], '--deploy-key: not an SSH public key'],
    [
      ['--deploy-key', key, '--skip', 'everything'],
      "--skip: unknown step 'everything'. Steps: packages timezone",
    ],
    [
      ['--deploy-key', key, '--registry', 'ghcr.io'],
      '--registry needs --registry-user and --registry-password-file',
    ],
    [
      [
        '--deploy-key',
        key,
        '--registry',
        'ghcr.io',
        '--registry-user',
        'u',
        '--registry-password-file',
        '/nonexistent',
      ],
      "--registry-password-file: '/nonexistent' is missing or empty",
    ],
    [
      [
        '--deploy-key',
        key,
        '--registry',
        'Bad Host',
        '--registry-user',
        'u',
        '--registry-password-file',
        '/etc/hostname',
      ],
      "--registry: 'Bad Host' is not HOST[:PORT]",
    ],
    [
      ['--deploy-key', key, '--registry-mirror', 'http://10.0.0.1:5001'],
      "--registry-mirror: 'http://10.0.0.1:5001' is not https://HOST[:PORT]",
    ],
    [
      ['--deploy-key', key, '--registry-ca', '/etc/hostname'],
      '--registry-ca needs --registry or --registry-mirror',
    ],
    [
      ['--deploy-key', key, '--registry-mirror', 'https://m:5001', '--registry-ca', '/etc/hostname'],
      "--registry-ca: '/etc/hostname' is not a PEM certificate",
    ],
    [['--deploy-key', key, '--timezone', 'Europe/../etc'], "--timezone: 'Europe/../etc' is not a zone name"],
  ])('refuses %j before changing anything', (args, message) => {
    const r = run(...args);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`setup-vps: error: ${message}`);
    expect(r.stdout).toBe('');
  });
});
