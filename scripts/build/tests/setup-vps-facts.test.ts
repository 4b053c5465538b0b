import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  BEGIN,
  END,
  assignment,
  handWritten,
  jinjaToBash,
  renderBlock,
  updateScript,
} from '../setup-vps-facts.mjs';

const root = path.resolve(import.meta.dirname, '../../..');
const script = fs.readFileSync(path.join(root, 'infra/scripts/setup-vps.sh'), 'utf8');

describe('jinjaToBash', () => {
  it.each([
    [
      'PermitRootLogin {{ common_sshd_permit_root_login }}\n',
      'PermitRootLogin ${common_sshd_permit_root_login}\n',
    ],
    ["tcp dport { {{ ports | join(', ') }} }", `tcp dport { $(join_by ', ' "\${ports[@]}") }`],
    ['cost: $5 `now` \\n', 'cost: \\$5 \\`now\\` \\\\n'],
  ])('%j', (template, bash) => expect(jinjaToBash(template, 't')).toBe(bash));

  it.each([['{{ a | upper }}'], ['{{ a.b }}'], ['{% if a %}x{% endif %}'], ['{# note #}']])(
    'refuses what bash cannot render the same way: %s',
    (template) =>
      expect(() => jinjaToBash(template, 'roles/x/templates/y.j2')).toThrow(/roles\/x\/templates\/y\.j2/),
  );
});

describe('assignment', () => {
  it.each([
    ['a', 'plain', "a='plain'"],
    ['a', "it's", "a='it'\\''s'"],
    ['a', '{{ common_deploy_user }}', 'a="${common_deploy_user}"'],
    ['a', 2048, 'a=2048'],
    ['a', true, 'a=true'],
    ['a', ['x', 22], "a=('x' 22)"],
    ['a', [], 'a=()'],
    ['a', [{ name: 'n', internal: true }], `a=('{"name":"n","internal":true}')`],
    ['a', { 'log-opts': { 'max-file': '3' } }, `a='{"log-opts":{"max-file":"3"}}'`],
  ])('%s = %j', (name, value, bash) => expect(assignment(name, value, 'w')).toBe(bash));
  it('refuses a name bash cannot hold', () =>
    expect(() => assignment('log-driver', 'x', 'w')).toThrow(/not a valid bash name/));
});

describe('renderBlock', () => {
  const roles: Record<string, string> = {
    'common/defaults/main.yml': 'common_deploy_user: deploy\ncommon_unused: x\ncommon_timezone: Etc/UTC\n',
    'docker/defaults/main.yml': 'docker_users: ["{{ common_deploy_user }}"]\n',
    'caddy/defaults/main.yml': 'caddy_ports: [80, 443]\n',
    'app/defaults/main.yml': '{}\n',
  };
  const read = (rel: string) =>
    roles[rel] ?? (rel.endsWith('.j2') ? 'x {{ common_timezone }}\n' : 'file $HOME\n');

  it('emits the variables the script or a template uses, and those they reference', () => {
    const text = `#!/bin/bash\n${BEGIN}\n${END}\necho "\${docker_users[@]}" "\${caddy_ports[@]}"`;
    const block: string = renderBlock(text, read);
    expect(block).toContain("common_deploy_user='deploy'");
    expect(block).toContain('docker_users=("${common_deploy_user}")');
    expect(block).toContain("common_timezone='Etc/UTC'");
    expect(block).not.toContain('common_unused');
    expect(block).toContain("cat <<'SLIPWAY_FILE'\nfile $HOME\nSLIPWAY_FILE");
  });
});

describe('infra/scripts/setup-vps.sh', () => {
  it('carries the block the roles generate (npm run build keeps it so)', () => {
    expect(updateScript(script, renderBlock(script))).toBe(script);
  });
  it('gives role variables no hand-written value: only flags and what they imply override the roles', () => {
    const assigned = [...handWritten(script).matchAll(/\b((?:common|docker|caddy|app)_[a-z_]+)\+?=(\S*)/g)];
    const literal = assigned.filter(([, , value]) => !/^("\$|\(\)|\("\$)/.test(value!));
    expect(literal.map(([text]) => text)).toEqual(['common_sshd_permit_root_login=prohibit-password;']);
  });
});
