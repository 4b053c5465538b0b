// Embeds the Ansible roles' facts into infra/scripts/setup-vps.sh, so the bootstrap script and the roles read
// one source and cannot drift: every variable of roles/*/defaults/main.yml becomes a bash global of the same
// name, each template the script uses becomes a render_<name> function (Jinja reduced to `{{ var }}` and
// `{{ var | join('sep') }}`; anything else fails the build), each file a file_<name> function.
// Only the variables the script or those templates use are emitted (deploy-time variables stay Ansible's).
// The script stays one self-contained file (it runs as `ssh root@host 'bash -s' < setup-vps.sh`).
// Usage: node scripts/build/setup-vps-facts.mjs   (part of `npm run build`; `npm run check` verifies it)
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import yaml from 'js-yaml';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const rolesDir = path.join(root, 'infra', 'ansible', 'roles');
const script = path.join(root, 'infra', 'scripts', 'setup-vps.sh');
export const ROLES = ['common', 'docker', 'caddy', 'app', 'backup'];
/** What setup-vps.sh renders or copies, relative to the roles directory. */
export const TEMPLATES = [
  'common/templates/sshd.conf.j2',
  'common/templates/journald.conf.j2',
  'common/templates/nftables.conf.j2',
  'docker/templates/compose-apt.list.j2',
  'app/templates/slipway-supervise.service.j2',
  'app/templates/slipway-supervise.timer.j2',
  'backup/templates/backup.env.j2',
  'backup/templates/slipway-backup.service.j2',
  'backup/templates/slipway-backup.timer.j2',
];
export const FILES = [
  'common/files/20auto-upgrades',
  'common/files/nftables-keep-docker.conf',
  'common/files/swap.sh',
];
export const BEGIN =
  '# >>> generated from infra/ansible/roles by scripts/build/setup-vps-facts.mjs: edit the roles, then npm run build';
export const END = '# <<< generated';
const VAR = /^[a-z][a-z0-9_]*$/;

const single = (s) => `'${String(s).replaceAll("'", `'\\''`)}'`;
/** Literal text inside a double-quoted string or an unquoted heredoc. */
const literal = (s) => s.replace(/[\\$`]/g, (c) => `\\${c}`);

/** `{{ a }}` → `${a}`; `{{ a | join(', ') }}` → `$(join_by ', ' "${a[@]}")`. */
export function jinjaToBash(text, where, { quote = false } = {}) {
  let out = '';
  let last = 0;
  for (const m of text.matchAll(/\{\{\s*(.*?)\s*\}\}/g)) {
    out += quote
      ? literal(text.slice(last, m.index)).replaceAll('"', '\\"')
      : literal(text.slice(last, m.index));
    const expr = m[1];
    const join = /^([a-z][a-z0-9_]*)\s*\|\s*join\((['"])(.*?)\2\)$/.exec(expr);
    if (VAR.test(expr)) out += `\${${expr}}`;
    else if (join) out += `$(join_by ${single(join[3])} "\${${join[1]}[@]}")`;
    else
      throw new Error(
        `${where}: setup-vps.sh cannot render '{{ ${expr} }}'; use {{ var }} or {{ var | join('sep') }}`,
      );
    last = m.index + m[0].length;
  }
  if (/\{%|\{#/.test(text)) throw new Error(`${where}: setup-vps.sh cannot render Jinja blocks or comments`);
  return out + (quote ? literal(text.slice(last)).replaceAll('"', '\\"') : literal(text.slice(last)));
}

function scalar(value, where) {
  if (typeof value === 'string')
    return value.includes('{{') ? `"${jinjaToBash(value, where, { quote: true })}"` : single(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value === null) return "''";
  return single(JSON.stringify(value));
}

/** One bash assignment per role default: strings, numbers and booleans as scalars, lists as arrays, maps as JSON. */
export function assignment(name, value, where) {
  if (!VAR.test(name)) throw new Error(`${where}: variable '${name}' is not a valid bash name`);
  if (Array.isArray(value)) return `${name}=(${value.map((v) => scalar(v, where)).join(' ')})`;
  return `${name}=${scalar(value, where)}`;
}

const functionName = (prefix, file) =>
  `${prefix}_${path
    .basename(file)
    .replace(/\.j2$/, '')
    .replace(/[^A-Za-z0-9]/g, '_')}`;

/** The script's own text without the generated block: what decides which variables it uses. */
export function handWritten(text) {
  const start = text.indexOf(BEGIN);
  const end = text.indexOf(END);
  if (start < 0 || end < start) throw new Error(`${script}: the generated block markers are missing`);
  return text.slice(0, start) + text.slice(end + END.length);
}

export function renderBlock(
  scriptText,
  readRoleFile = (rel) => fs.readFileSync(path.join(rolesDir, rel), 'utf8'),
) {
  const defaults = ROLES.map((role) => [role, yaml.load(readRoleFile(`${role}/defaults/main.yml`)) ?? {}]);
  // Used by the script or a template, or referenced (`{{ name }}`) by the value of a used variable.
  let users = [handWritten(scriptText), ...TEMPLATES.map(readRoleFile)].join('\n');
  const used = (name) => new RegExp(`\\b${name}\\b`).test(users);
  for (const [, vars] of defaults)
    for (const [name, value] of Object.entries(vars)) if (used(name)) users += JSON.stringify(value);
  const lines = [BEGIN];
  for (const [role, vars] of defaults) {
    lines.push(`# role ${role}`);
    for (const [name, value] of Object.entries(vars))
      if (used(name)) lines.push(assignment(name, value, `${role}/defaults/main.yml`));
  }
  for (const rel of TEMPLATES) {
    const body = jinjaToBash(readRoleFile(rel), rel);
    lines.push(
      `${functionName('render', rel)}() {`,
      `  cat <<SLIPWAY_TEMPLATE`,
      body.replace(/\n$/, ''),
      'SLIPWAY_TEMPLATE',
      '}',
    );
  }
  for (const rel of FILES) {
    const body = readRoleFile(rel);
    if (body.includes('\nSLIPWAY_FILE\n')) throw new Error(`${rel}: contains the heredoc delimiter`);
    lines.push(
      `${functionName('file', rel)}() {`,
      `  cat <<'SLIPWAY_FILE'`,
      body.replace(/\n$/, ''),
      'SLIPWAY_FILE',
      '}',
    );
  }
  lines.push(END);
  return lines.join('\n');
}

export function updateScript(text, block) {
  return text.slice(0, text.indexOf(BEGIN)) + block + text.slice(text.indexOf(END) + END.length);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const before = fs.readFileSync(script, 'utf8');
  const after = updateScript(before, renderBlock(before));
  if (after !== before) fs.writeFileSync(script, after);
}
