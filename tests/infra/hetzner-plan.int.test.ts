// infra/terraform/hetzner, planned offline by the real OpenTofu and hcloud provider (no API call: a plan of
// new resources needs none). The assertions read `tofu show -json`: what the firewall lets in, what the
// server boots and runs at first boot, which names DNS gets, what the outputs hand to CD and Ansible, and that
// the host's private key stays out of the plan. Bad inputs must fail at plan time, naming the variable.
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../sandbox/sandbox-env.js';
import {
  type PlanJson,
  TOOL_BUILD_TIMEOUT_MS,
  TofuWorkspace,
  resource,
  resources,
  sshKeyPair,
} from './tofu.js';

const bootstrapScript = path.join(repoRoot, 'infra', 'scripts', 'setup-vps.sh');

let ws: TofuWorkspace;
let host: { file: string; publicKey: string };
let admin: { file: string; publicKey: string };
let deploy: { file: string; publicKey: string };
let operator: { file: string; publicKey: string };
let vars: Record<string, unknown>;
let plan: PlanJson;
let planFile: string;

function planOrThrow(v: Record<string, unknown>): { plan: PlanJson; planFile: string } {
  const result = ws.plan(v);
  if ('failed' in result) throw new Error(`tofu plan failed:\n${result.failed.stderr}`);
  return result;
}

beforeAll(() => {
  ws = new TofuWorkspace('hetzner');
  host = sshKeyPair(ws.scratch, 'host');
  admin = sshKeyPair(ws.scratch, 'admin');
  deploy = sshKeyPair(ws.scratch, 'deploy');
  operator = sshKeyPair(ws.scratch, 'operator');
  vars = {
    name: 'tf-test',
    location: 'hel1',
    server_type: 'cx33',
    admin_ssh_public_key: `${admin.publicKey} admin@example`,
    deploy_public_keys: [deploy.publicKey, `${operator.publicKey} ops@example`],
    host_key_file: host.file,
    admin_cidrs: ['198.51.100.7/32', '2001:db8:2::/48'],
    dns_zone: 'example.org',
    create_dns_zone: true,
    dns_names: ['@', 'api'],
    dns_ttl: 600,
  };
  ws.init();
  ({ plan, planFile } = planOrThrow(vars));
}, TOOL_BUILD_TIMEOUT_MS);

afterAll(() => ws?.remove());

interface FirewallRule {
  direction: string;
  protocol: string;
  port: string;
  source_ips: string[];
}

describe('the firewall', () => {
  it('lets in SSH from the admin networks only, HTTP and HTTPS from anywhere, and nothing else', () => {
    const [firewall] = resources(plan, 'hcloud_firewall');
    const rules = (firewall!.values.rule as FirewallRule[])
      .map((r) => ({
        direction: r.direction,
        protocol: r.protocol,
        port: r.port,
        from: [...r.source_ips].sort(),
      }))
      .sort((a, b) => `${a.protocol}${a.port}`.localeCompare(`${b.protocol}${b.port}`));
    expect(rules).toEqual([
      { direction: 'in', protocol: 'icmp', port: '', from: ['0.0.0.0/0', '::/0'] },
      { direction: 'in', protocol: 'tcp', port: '22', from: ['198.51.100.7/32', '2001:db8:2::/48'] },
      { direction: 'in', protocol: 'tcp', port: '443', from: ['0.0.0.0/0', '::/0'] },
      { direction: 'in', protocol: 'tcp', port: '80', from: ['0.0.0.0/0', '::/0'] },
    ]);
  });

  it('is attached to the server', () => {
    const server = plan.configuration.root_module.resources.find((r) => r.address === 'hcloud_server.this');
    expect(server?.expressions.firewall_ids?.references).toContain('hcloud_firewall.this.id');
  });
});

describe('the server', () => {
  it('boots Debian 12 with the chosen type and location, root reachable by the admin key only', () => {
    const server = resource(plan, 'hcloud_server.this').values;
    expect(server).toMatchObject({
      name: 'tf-test',
      image: 'debian-12',
      server_type: 'cx33',
      location: 'hel1',
    });
    expect(resource(plan, 'hcloud_ssh_key.admin').values.public_key).toBe(`${admin.publicKey} admin@example`);
    const config = plan.configuration.root_module.resources.find((r) => r.address === 'hcloud_server.this');
    expect(config?.expressions.ssh_keys?.references).toContain('hcloud_ssh_key.admin.id');
  });

  it('keeps its addresses in primary IPs that outlive it', () => {
    for (const type of ['ipv4', 'ipv6']) {
      expect(resource(plan, `hcloud_primary_ip.${type}`).values).toMatchObject({
        type,
        location: 'hel1',
        auto_delete: false,
        delete_protection: true,
      });
    }
  });

  describe('its user data', () => {
    let userData: string;
    let cloudConfig: {
      ssh_pwauth: boolean;
      ssh_keys: Record<string, string>;
      write_files: { path: string; permissions: string; encoding: string; content: string }[];
      runcmd: string[][];
    };

    beforeAll(() => {
      userData = ws.evaluateString('local.user_data', vars);
      cloudConfig = yaml.load(userData) as typeof cloudConfig;
    });

    it('is what the server gets: the provider plans its SHA-1, and it matches', () => {
      const planned = resource(plan, 'hcloud_server.this').values.user_data;
      expect(planned).toBe(createHash('sha1').update(userData).digest('base64'));
    });

    it('is a cloud-config that writes the repository bootstrap, byte for byte, and runs it once', () => {
      expect(userData.startsWith('#cloud-config\n')).toBe(true);
      expect(cloudConfig.write_files).toHaveLength(1);
      const [written] = cloudConfig.write_files;
      expect(written).toMatchObject({
        path: '/usr/local/sbin/slipway-setup-vps',
        permissions: '0700',
        encoding: 'b64',
      });
      expect(Buffer.from(written!.content, 'base64').equals(readFileSync(bootstrapScript))).toBe(true);
      expect(cloudConfig.runcmd).toEqual([
        [
          'bash',
          '/usr/local/sbin/slipway-setup-vps',
          '--deploy-key',
          deploy.publicKey,
          '--deploy-key',
          `${operator.publicKey} ops@example`,
          '--keep-root-login',
        ],
      ]);
      expect(cloudConfig.ssh_pwauth).toBe(false);
    });

    it('installs the host key whose public half the outputs publish', () => {
      expect(cloudConfig.ssh_keys).toEqual({
        ed25519_private: readFileSync(host.file, 'utf8'),
        ed25519_public: host.publicKey,
      });
      expect(plan.planned_values.outputs.host_public_key?.value).toBe(host.publicKey);
    });

    it('runs a command line the bootstrap accepts: its own argument parser takes every flag', () => {
      // setup-vps.sh is sourceable (its main is guarded); parse_args is the parser its main runs first. It
      // checks each flag, each key (ssh-keygen) and each --skip step against its step table.
      const parse = (argv: string[]) =>
        spawnSync('bash', ['-c', 'source "$1"; shift; parse_args "$@"', '_', bootstrapScript, ...argv], {
          encoding: 'utf8',
        });
      const custom = { ...vars, bootstrap_skip: ['swap', 'timezone'] };
      const config = yaml.load(ws.evaluateString('local.user_data', custom)) as typeof cloudConfig;
      const [bash, onServer, ...argv] = config.runcmd[0]!;
      expect([bash, onServer]).toEqual(['bash', '/usr/local/sbin/slipway-setup-vps']);
      const accepted = parse(argv);
      expect(accepted.stderr).toBe('');
      expect(accepted.status).toBe(0);
      // and the parser is a real check: an unknown step is refused (variables.tf cannot know the steps).
      const refused = parse([...argv, '--skip', 'no-such-step']);
      expect(refused.status).not.toBe(0);
      expect(refused.stderr).toContain('no-such-step');
    });

    it('passes each skipped step, and leaves root login to the bootstrap when told to', () => {
      const custom = { ...vars, keep_root_login: false, bootstrap_skip: ['swap', 'timezone'] };
      const config = yaml.load(ws.evaluateString('local.user_data', custom)) as typeof cloudConfig;
      expect(config.runcmd[0]!.slice(6)).toEqual(['--skip', 'swap', '--skip', 'timezone']);
    });
  });

  it('keeps the host private key out of the JSON plan and the state snapshots; a saved plan file has it', () => {
    const keyLines = readFileSync(host.file, 'utf8').split('\n').slice(1, -2);
    expect(keyLines.join('').length).toBeGreaterThan(100);
    const json = JSON.stringify(plan);
    for (const line of keyLines) expect(json).not.toContain(line);

    // The saved plan (a zip) read unpacked: the state snapshots and the configuration hold no key, the
    // variables only its path. But the provider SDK keeps the user data as written in the plan's private data
    // ("_new_extra_shim", to hand it to apply), so a saved plan file is a secret: docs/INFRA.md says so.
    // After apply the state keeps the hash only (the SDK drops that private data when it creates the server).
    const unpacked = path.join(path.dirname(planFile), 'unpacked-plan');
    const unzip = spawnSync('python3', ['-m', 'zipfile', '-e', planFile, unpacked], { encoding: 'utf8' });
    expect(unzip.status, unzip.stderr).toBe(0);
    const files = readdirSync(unpacked, { recursive: true, withFileTypes: true }).filter((f) => f.isFile());
    const contents = new Map(files.map((f) => [f.name, readFileSync(path.join(f.parentPath, f.name))]));
    expect([...contents.keys()]).toEqual(
      expect.arrayContaining(['tfplan', 'tfstate', 'tfstate-prev', 'main.tf']),
    );
    for (const [name, bytes] of contents) {
      const leaks = keyLines.some((line) => bytes.includes(Buffer.from(line)));
      expect(leaks, name).toBe(name === 'tfplan');
    }
    expect(contents.get('tfplan')!.includes(Buffer.from('_new_extra_shim'))).toBe(true);
    expect(contents.get('tfplan')!.includes(Buffer.from(host.file))).toBe(true);
  });
});

describe('DNS', () => {
  it('creates the zone and an A and an AAAA record for every service name', () => {
    expect(resource(plan, 'hcloud_zone.this[0]').values).toMatchObject({
      name: 'example.org',
      mode: 'primary',
    });
    const records = resources(plan, 'hcloud_zone_rrset')
      .map(
        (r) =>
          `${r.values.zone as string} ${r.values.name as string} ${r.values.type as string} ${r.values.ttl as number}`,
      )
      .sort();
    expect(records).toEqual([
      'example.org @ A 600',
      'example.org @ AAAA 600',
      'example.org api A 600',
      'example.org api AAAA 600',
    ]);
    expect(plan.planned_values.outputs.service_fqdns?.value).toEqual(['example.org', 'api.example.org']);
  });

  it('uses an existing zone by name when told not to create it', () => {
    const { plan: existing } = planOrThrow({ ...vars, create_dns_zone: false });
    expect(resources(existing, 'hcloud_zone')).toEqual([]);
    expect(new Set(resources(existing, 'hcloud_zone_rrset').map((r) => r.values.zone))).toEqual(
      new Set(['example.org']),
    );
    expect(existing.planned_values.outputs.dns_nameservers?.value).toBeNull();
  });
});

describe('the outputs for CD and Ansible', () => {
  it('are all planned; those that depend on the addresses are known once the primary IPs exist', () => {
    expect(Object.keys(plan.output_changes).sort()).toEqual(
      [
        'ansible_inventory',
        'dns_nameservers',
        'github_variables',
        'host_public_key',
        'ipv4_address',
        'ipv6_address',
        'known_hosts_line',
        'server_id',
        'service_fqdns',
      ].sort(),
    );
    for (const name of ['known_hosts_line', 'ansible_inventory', 'ipv4_address', 'ipv6_address']) {
      expect(plan.output_changes[name]?.after_unknown, name).toBe(true);
    }
    expect(plan.output_changes.github_variables?.after_unknown).toEqual({
      VPS_HOST: true,
      VPS_KNOWN_HOSTS: true,
    });
  });

  describe('once the primary IPs exist', () => {
    // A second copy whose state already holds the two primary IPs, planned without refreshing them: the plan
    // then knows every address-bound value, as it would after the first apply.
    let applied: TofuWorkspace;
    let after: PlanJson;
    const outputs = () => after.planned_values.outputs;

    beforeAll(() => {
      applied = new TofuWorkspace('hetzner');
      const ip = (name: string, type: string, address: string, network: string) => ({
        type: 'hcloud_primary_ip',
        name,
        attributes: {
          id: name === 'ipv4' ? '1001' : '1002',
          name: `tf-test-${name}`,
          type,
          location: 'hel1',
          datacenter: '',
          assignee_id: 0,
          assignee_type: 'server',
          ip_address: address,
          ip_network: network,
          auto_delete: false,
          labels: { app: 'slipway', 'managed-by': 'tofu' },
          delete_protection: true,
        },
      });
      applied.writeState([
        ip('ipv4', 'ipv4', '203.0.113.10', ''),
        ip('ipv6', 'ipv6', '2001:db8:3::', '2001:db8:3::/64'),
      ]);
      applied.init();
      const result = applied.plan(vars, { refresh: false });
      if ('failed' in result) throw new Error(`tofu plan failed:\n${result.failed.stderr}`);
      after = result.plan;
    }, TOOL_BUILD_TIMEOUT_MS);

    afterAll(() => applied?.remove());

    it('keep the primary IPs and create everything else', () => {
      const actions = Object.fromEntries(
        after.resource_changes.map((r) => [r.address, r.change.actions.join()]),
      );
      expect(actions['hcloud_primary_ip.ipv4']).toBe('no-op');
      expect(actions['hcloud_primary_ip.ipv6']).toBe('no-op');
      expect(actions['hcloud_server.this']).toBe('create');
    });

    it('point the A and AAAA records at the addresses', () => {
      const records = resources(after, 'hcloud_zone_rrset')
        .map((r) => {
          const values = (r.values.records as { value: string }[]).map((record) => record.value);
          return `${r.values.name as string} ${r.values.type as string} ${values.join(' ')}`;
        })
        .sort();
      expect(records).toEqual([
        '@ A 203.0.113.10',
        '@ AAAA 2001:db8:3::1',
        'api A 203.0.113.10',
        'api AAAA 2001:db8:3::1',
      ]);
    });

    it('give CD its three repository variables, the known_hosts line pinning every name of the host', () => {
      expect(outputs().github_variables?.value).toEqual({
        VPS_HOST: '203.0.113.10',
        VPS_KNOWN_HOSTS: `example.org,api.example.org,203.0.113.10,2001:db8:3::1 ${host.publicKey}`,
        PRODUCTION_URL: 'https://example.org',
      });
      expect(outputs().known_hosts_line?.value).toBe(
        `example.org,api.example.org,203.0.113.10,2001:db8:3::1 ${host.publicKey}`,
      );
    });

    it('give Ansible an inventory with the host at its address', () => {
      // The layout of infra/ansible/inventory/example/hosts.yml: group slipway, the host at its address.
      expect(yaml.load(outputs().ansible_inventory?.value as string)).toEqual({
        slipway: { hosts: { 'tf-test': { ansible_host: '203.0.113.10', ansible_user: 'root' } } },
      });
    });
  });
});

describe('bad input', () => {
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ['no admin networks', { admin_cidrs: [] }, /Variable 'admin_cidrs' must list at least one CIDR/],
    [
      'an address without a prefix',
      { admin_cidrs: ['203.0.113.7'] },
      /Variable 'admin_cidrs' must hold .* CIDR/,
    ],
    [
      'another operating system',
      { image: 'ubuntu-24.04' },
      /Variable 'image' must be debian-12 or debian-13/,
    ],
    [
      'a missing host key',
      { host_key_file: '/nonexistent/host_ed25519' },
      /Variable 'host_key_file' must name an existing/,
    ],
    ['no deploy key', { deploy_public_keys: [] }, /Variable 'deploy_public_keys' must hold at least one key/],
    [
      'a malformed deploy key',
      { deploy_public_keys: ['not-a-key'] },
      /Variable 'deploy_public_keys' must hold OpenSSH/,
    ],
    [
      "the example's placeholder admin key",
      { admin_ssh_public_key: 'ssh-ed25519 AAAA... you@laptop' },
      /Variable 'admin_ssh_public_key' must be one OpenSSH public key line/,
    ],
    ['an upper-case DNS name', { dns_names: ['Api'] }, /Variable 'dns_names' must hold/],
    [
      'a duplicated DNS name',
      { dns_names: ['api', 'api'] },
      /Variable 'dns_names' must list at least one name, without duplicates/,
    ],
    ['a TTL below a minute', { dns_ttl: 30 }, /Variable 'dns_ttl' must be a whole number of seconds/],
    ['a name that is no host name', { name: 'Slipway_1' }, /Variable 'name' must be a host name label/],
    ['an unknown location', { location: 'mars1' }, /Variable 'location' must be one of/],
  ];

  it.each(cases)('%s fails the plan, naming the variable', (_name, override, message) => {
    const result = ws.plan({ ...vars, ...override });
    expect('failed' in result).toBe(true);
    if ('failed' in result) expect(result.failed.stderr.replace(/\s*│\s*/g, ' ')).toMatch(message);
  });

  it('an RSA host key fails the plan: cloud-init gets an ed25519 key only', () => {
    const rsa = sshKeyPair(ws.scratch, 'host-rsa', 'rsa');
    const result = ws.plan({ ...vars, host_key_file: rsa.file });
    expect('failed' in result && result.failed.stderr.replace(/\s*│\s*/g, ' ')).toMatch(
      /Variable 'host_key_file' must be an unencrypted ed25519 key/,
    );
  });
});
