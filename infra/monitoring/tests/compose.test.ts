// The monitoring compose file against the rules it shares with other files: the images the sandbox builds as
// look-alikes (scripts/sandbox/lib/common.sh), the variables the Ansible role writes into .env, and the
// hardening and loopback-only publishing every Slipway stack follows.
import fs from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..', '..', '..');
const composeText = fs.readFileSync(path.join(root, 'infra', 'monitoring', 'compose.yaml'), 'utf8');
const compose = yaml.load(composeText) as {
  services: Record<
    string,
    {
      image: string;
      user?: string;
      read_only?: boolean;
      cap_drop?: string[];
      security_opt?: string[];
      ports?: string[];
      deploy?: { resources?: { limits?: { memory?: string; cpus?: string } } };
    }
  >;
};

describe('infra/monitoring/compose.yaml', () => {
  it('uses exactly the images the sandbox builds as look-alikes, plus Grafana', () => {
    const sandbox = fs.readFileSync(path.join(root, 'scripts', 'sandbox', 'lib', 'common.sh'), 'utf8');
    const list = /^readonly MONITORING_IMAGES=\(([^)]*)\)/m.exec(sandbox)?.[1] ?? '';
    const lookalikes = list.split(/\s+/).filter(Boolean).sort();
    const images = Object.values(compose.services).map((s) => s.image);
    expect(images.filter((i) => !i.startsWith('grafana/')).sort()).toEqual(lookalikes);
    expect(images.filter((i) => i.startsWith('grafana/'))).toHaveLength(1);
  });

  it('requires exactly the variables the Ansible role writes into .env', () => {
    const required = [...composeText.matchAll(/\$\{(MONITORING_[A-Z_]+):\?/g)].map((m) => m[1]);
    const template = fs.readFileSync(
      path.join(root, 'infra', 'ansible', 'roles', 'monitoring', 'templates', 'monitoring.env.j2'),
      'utf8',
    );
    const written = [...template.matchAll(/^(MONITORING_[A-Z_]+)=/gm)].map((m) => m[1]);
    expect([...new Set(required)].sort()).toEqual([...written].sort());
  });

  it.each(Object.entries(compose.services))('%s is hardened, non-root and limited', (_name, service) => {
    expect(service.read_only).toBe(true);
    expect(service.cap_drop).toEqual(['ALL']);
    expect(service.security_opt).toContain('no-new-privileges:true');
    expect(service.user).toMatch(/^[1-9]\d*:\d+$/);
    expect(service.deploy?.resources?.limits?.memory).toBeTruthy();
    expect(service.deploy?.resources?.limits?.cpus).toBeTruthy();
  });

  it('publishes only Prometheus and Grafana, on the bind address the role restricts to loopback', () => {
    const published = Object.entries(compose.services).flatMap(([name, s]) =>
      (s.ports ?? []).map((p) => [name, p]),
    );
    expect(published).toEqual([
      [
        'prometheus',
        '${MONITORING_BIND_ADDRESS:?set in .env}:${MONITORING_PROMETHEUS_PORT:?set in .env}:9090',
      ],
      ['grafana', '${MONITORING_BIND_ADDRESS:?set in .env}:${MONITORING_GRAFANA_PORT:?set in .env}:3000'],
    ]);
  });
});
