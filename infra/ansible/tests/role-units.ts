// Systemd units as the roles and setup-vps.sh install them: rendered from a role's templates with every role's
// defaults, staged in a scratch root (the machine's own unit tree, plus what the units run at its install path),
// and read by systemd-analyze, which needs no running systemd. Used by the roles' units tests.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import yaml from 'js-yaml';

export const repoRoot = path.resolve(import.meta.dirname, '..', '..', '..');
const roles = path.join(repoRoot, 'infra', 'ansible', 'roles');

/** Every role's defaults (the values setup-vps.sh embeds). */
export function roleDefaults(): Record<string, unknown> {
  const vars: Record<string, unknown> = {};
  for (const role of fs.readdirSync(roles)) {
    const file = path.join(roles, role, 'defaults', 'main.yml');
    if (fs.existsSync(file)) Object.assign(vars, yaml.load(fs.readFileSync(file, 'utf8')) as object);
  }
  return vars;
}

/** `{{ var }}` resolved from VARS, again while a value holds one (the only Jinja the templates may use). */
export function render(text: string, vars: Record<string, unknown>, depth = 0): string {
  if (depth > 5) throw new Error(`unresolved variables in: ${text}`);
  const out = text.replace(/\{\{\s*([a-z][a-z0-9_]*)\s*\}\}/g, (_m, name: string) => {
    if (!(name in vars)) throw new Error(`template variable ${name} has no default`);
    return String(vars[name]);
  });
  if (/\{[{%#]/.test(out)) return render(out, vars, depth + 1);
  return out;
}

/** ROLE's template NAME.j2 rendered with the roles' defaults. */
export const renderUnit = (role: string, name: string) =>
  render(fs.readFileSync(path.join(roles, role, 'templates', `${name}.j2`), 'utf8'), roleDefaults());

export const analyze = (args: string[]) => spawnSync('systemd-analyze', args, { encoding: 'utf8' });

/**
 * A scratch root holding the machine's unit tree, UNITS (name -> text) in /etc/systemd/system and FILES
 * (absolute path in the root -> a file of this repository, or of this machine when absolute, installed
 * executable). Returns the root.
 */
export function stageRoot(units: Record<string, string>, files: Record<string, string> = {}): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'role-units-'));
  const tree = ['/usr/lib/systemd/system', '/lib/systemd/system'].find((d) => fs.existsSync(d));
  if (!tree)
    throw new Error('no systemd unit tree on this machine: install systemd (apt-get install systemd)');
  fs.cpSync(tree, path.join(root, 'lib', 'systemd', 'system'), { recursive: true });
  const unitDir = path.join(root, 'etc', 'systemd', 'system');
  fs.mkdirSync(unitDir, { recursive: true });
  for (const [name, text] of Object.entries(units)) fs.writeFileSync(path.join(unitDir, name), text);
  for (const [at, from] of Object.entries(files)) {
    const dest = path.join(root, at);
    fs.mkdirSync(path.dirname(dest), { recursive: true });
    fs.copyFileSync(path.isAbsolute(from) ? from : path.join(repoRoot, from), dest);
    fs.chmodSync(dest, 0o755);
  }
  return root;
}

/** systemd-analyze verify of the named units in ROOT. */
export const verify = (root: string, names: string[]) =>
  analyze(['verify', `--root=${root}`, ...names.map((n) => `/etc/systemd/system/${n}`)]);
