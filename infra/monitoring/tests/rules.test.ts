// Prometheus config and alert rules, through promtool (from Debian's prometheus package, installed by
// scripts/setup.sh): the config and rules check, every rule unit test passes, and every alert has a test that
// shows it fire and one that shows it stay quiet, plus an entry in docs/OBSERVABILITY.md.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..', '..', '..');
const monitoring = path.join(root, 'infra', 'monitoring');
const promtool = path.join(root, '.venv', 'bin', 'promtool');
const rulesFile = path.join(monitoring, 'prometheus', 'rules', 'slipway.rules.yml');
const testsFile = path.join(monitoring, 'prometheus', 'tests', 'slipway.rules.test.yml');

interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
interface RuleTests {
  tests: { name: string; alert_rule_test?: { alertname: string; exp_alerts: unknown[] }[] }[];
}

function promtoolRun(args: string[]) {
  const r = spawnSync(promtool, args, { encoding: 'utf8' });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

const rules = (): Rule[] =>
  (yaml.load(fs.readFileSync(rulesFile, 'utf8')) as { groups: { rules: Rule[] }[] }).groups.flatMap(
    (g) => g.rules,
  );
const alerts = () => rules().filter((r) => r.alert !== undefined);

describe('prometheus config and rules', { timeout: 30_000 }, () => {
  it('promtool checks the config, with its rule files and targets', () => {
    const r = promtoolRun(['check', 'config', path.join(monitoring, 'prometheus', 'prometheus.yml')]);
    expect(r.output).toContain('SUCCESS');
    expect(r.output).not.toContain('WARNING');
    expect(r.status, r.output).toBe(0);
  });

  it('promtool checks the rules', () => {
    const r = promtoolRun(['check', 'rules', rulesFile]);
    expect(r.status, r.output).toBe(0);
  });

  it('promtool runs the rule unit tests', () => {
    const r = promtoolRun(['test', 'rules', testsFile]);
    expect(r.output).toContain('SUCCESS');
    expect(r.status, r.output).toBe(0);
  });

  it('the unit tests catch a broken threshold', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'obs-rules-'));
    try {
      fs.mkdirSync(path.join(dir, 'rules'));
      fs.mkdirSync(path.join(dir, 'tests'));
      const broken = fs
        .readFileSync(rulesFile, 'utf8')
        .replace('slipway:http_5xx_ratio:rate5m > 0.05', 'slipway:http_5xx_ratio:rate5m > 0.5');
      expect(broken).not.toBe(fs.readFileSync(rulesFile, 'utf8'));
      fs.writeFileSync(path.join(dir, 'rules', 'slipway.rules.yml'), broken);
      fs.copyFileSync(testsFile, path.join(dir, 'tests', 'slipway.rules.test.yml'));
      const r = promtoolRun(['test', 'rules', path.join(dir, 'tests', 'slipway.rules.test.yml')]);
      expect(r.status).toBe(1);
      expect(r.output).toContain('alertname: SlipwayHigh5xxRatio');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each(alerts().map((a) => [a.alert!, a] as const))(
    '%s has a severity, a summary and a description',
    (_name, alert) => {
      expect(['critical', 'warning']).toContain(alert.labels?.severity);
      expect(alert.annotations?.summary).toBeTruthy();
      expect(alert.annotations?.description).toBeTruthy();
    },
  );

  it.each(alerts().map((a) => [a.alert!] as const))(
    '%s has a test where it fires and one where it is quiet',
    (name) => {
      const cases = (yaml.load(fs.readFileSync(testsFile, 'utf8')) as RuleTests).tests
        .flatMap((t) => t.alert_rule_test ?? [])
        .filter((c) => c.alertname === name);
      expect(
        cases.some((c) => c.exp_alerts.length > 0),
        'a case where it fires',
      ).toBe(true);
      expect(
        cases.some((c) => c.exp_alerts.length === 0),
        'a case where it stays quiet',
      ).toBe(true);
    },
  );

  it.each(alerts().map((a) => [a.alert!] as const))('%s says what to do in docs/OBSERVABILITY.md', (name) => {
    const doc = fs.readFileSync(path.join(root, 'docs', 'OBSERVABILITY.md'), 'utf8');
    expect(doc).toMatch(new RegExp(`^\\| \`${name}\` \\|`, 'm'));
  });
});
