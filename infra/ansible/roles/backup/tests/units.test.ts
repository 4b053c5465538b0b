// The backup's systemd units as role backup and setup-vps.sh install them: rendered from the role's templates
// with the roles' defaults, then checked by systemd-analyze verify in a staged root (the machine's own unit
// tree, the scripts at their install path; no running systemd needed), and the timer's schedule read back by
// systemd-analyze calendar.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import yaml from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..', '..', '..', '..', '..');
const roles = path.join(root, 'infra', 'ansible', 'roles');
const templates = path.join(roles, 'backup', 'templates');

/** Every role's defaults, with `{{ var }}` references resolved (the only Jinja the templates may use). */
function defaults(): Record<string, unknown> {
  const vars: Record<string, unknown> = {};
  for (const role of fs.readdirSync(roles)) {
    const file = path.join(roles, role, 'defaults', 'main.yml');
    if (fs.existsSync(file)) Object.assign(vars, yaml.load(fs.readFileSync(file, 'utf8')) as object);
  }
  return vars;
}

function render(text: string, vars: Record<string, unknown>, depth = 0): string {
  if (depth > 5) throw new Error(`unresolved variables in: ${text}`);
  const out = text.replace(/\{\{\s*([a-z][a-z0-9_]*)\s*\}\}/g, (_m, name: string) => {
    if (!(name in vars)) throw new Error(`template variable ${name} has no default`);
    return String(vars[name]);
  });
  if (/\{[{%#]/.test(out)) return render(out, vars, depth + 1);
  return out;
}

let staged: string;
let vars: Record<string, unknown>;

function analyze(args: string[]) {
  return spawnSync('systemd-analyze', args, { encoding: 'utf8' });
}

beforeAll(() => {
  vars = defaults();
  staged = fs.mkdtempSync(path.join(os.tmpdir(), 'backup-units-'));
  fs.cpSync('/lib/systemd/system', path.join(staged, 'lib', 'systemd', 'system'), { recursive: true });
  const unitDir = path.join(staged, 'etc', 'systemd', 'system');
  fs.mkdirSync(unitDir, { recursive: true });
  for (const name of ['slipway-backup.service', 'slipway-backup.timer']) {
    fs.writeFileSync(
      path.join(unitDir, name),
      render(fs.readFileSync(path.join(templates, `${name}.j2`), 'utf8'), vars),
    );
  }
  const script = path.join(staged, String(vars.backup_install_dir), 'infra', 'scripts', 'backup-db.sh');
  fs.mkdirSync(path.dirname(script), { recursive: true });
  fs.copyFileSync(path.join(root, 'infra', 'scripts', 'backup-db.sh'), script);
  fs.chmodSync(script, 0o755);
});

afterAll(() => fs.rmSync(staged, { recursive: true, force: true }));

describe('slipway-backup.service and .timer', () => {
  it('pass systemd-analyze verify without a warning', () => {
    const r = analyze([
      'verify',
      `--root=${staged}`,
      '/etc/systemd/system/slipway-backup.service',
      '/etc/systemd/system/slipway-backup.timer',
    ]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('would be refused by systemd-analyze verify with a mistake in them (the check can fail)', () => {
    const timer = path.join(staged, 'etc', 'systemd', 'system', 'slipway-backup.timer');
    const good = fs.readFileSync(timer, 'utf8');
    try {
      fs.writeFileSync(timer, good.replace('OnCalendar=', 'OnCalender='));
      const r = analyze(['verify', `--root=${staged}`, '/etc/systemd/system/slipway-backup.timer']);
      expect(r.status).not.toBe(0);
      expect(r.stderr).toContain("Unknown key 'OnCalender'");
    } finally {
      fs.writeFileSync(timer, good);
    }
  });

  it('run daily at 03:00 UTC, catch up after downtime, and start at most a few minutes late', () => {
    const timer = render(fs.readFileSync(path.join(templates, 'slipway-backup.timer.j2'), 'utf8'), vars);
    const calendar = /^OnCalendar=(.*)$/m.exec(timer)![1]!;
    const r = analyze(['calendar', '--iterations', '2', calendar]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('Normalized form: *-*-* 03:00:00 UTC');
    expect(r.stdout).toMatch(/Next elapse: \w{3} \d{4}-\d\d-\d\d 03:00:00 UTC/);
    expect(timer).toMatch(/^Persistent=true$/m);
    const delay = /^RandomizedDelaySec=(\d+)min$/m.exec(timer);
    expect(Number(delay?.[1])).toBeGreaterThan(0);
    expect(Number(delay?.[1])).toBeLessThanOrEqual(30);
  });

  it('run the backup as the engine user, confined to the app dir and the backup dir', () => {
    const service = render(fs.readFileSync(path.join(templates, 'slipway-backup.service.j2'), 'utf8'), vars);
    expect(service).toMatch(/^User=deploy$/m);
    expect(service).toMatch(
      /^ExecStart=\/usr\/local\/lib\/slipway\/infra\/scripts\/backup-db\.sh --config \/etc\/slipway\/backup\.env$/m,
    );
    expect(service).toMatch(/^ProtectSystem=strict$/m);
    expect(service).toMatch(/^ReadWritePaths=\/srv\/slipway \/var\/backups\/slipway$/m);
  });
});
