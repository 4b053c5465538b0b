// The domain rules: one table of accepted and rejected values, run through the JavaScript rule and through the
// deploy engine's generated bash pattern (bash `=~`, POSIX ERE), so the two dialects provably agree.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { RULES, type Rule, checkPortable, matches, renderBashRules } from '../src/rules.js';

const root = path.resolve(import.meta.dirname, '../../..');
const RULES_FILE = path.join(root, 'infra/deploy-engine/lib/rules.generated.sh');
const D = 'sha256:' + '0123456789abcdef'.repeat(4);

type Name = keyof typeof RULES;
const table: [Name, string, boolean][] = [
  ['releaseId', 'v1', true],
  ['releaseId', '20260101120000-abc1234', true],
  ['releaseId', 'v1.2_3-x', true],
  ['releaseId', 'a'.repeat(64), true],
  ['releaseId', 'a'.repeat(65), false],
  ['releaseId', '', false],
  ['releaseId', '-v1', false],
  ['releaseId', '.v1', false],
  ['releaseId', 'v1;touch /tmp/x', false],
  ['releaseId', '$(id)', false],
  ['releaseId', '../../etc', false],
  ['releaseId', 'v 1', false],
  ['releaseId', 'v1\n', false],
  ['releaseId', 'v1\nv2', false],
  ['releaseId', 'vé', false],
  ['serviceName', 'api', true],
  ['serviceName', 'worker-2', true],
  ['serviceName', 'a' + 'b'.repeat(31), true],
  ['serviceName', 'a' + 'b'.repeat(32), false],
  ['serviceName', 'Api', false],
  ['serviceName', 'api_v2', false],
  ['serviceName', '2api', false],
  ['serviceName', '-api', false],
  ['serviceName', 'api.x', false],
  ['serviceName', '', false],
  ['pinnedImageRef', `10.200.0.1:5000/slipway-deploy-it/api@${D}`, true],
  ['pinnedImageRef', `ghcr.io/acme/shop/api:20260101120000-abc1234@${D}`, true],
  ['pinnedImageRef', `api@${D}`, true],
  ['pinnedImageRef', `localhost:5000/a__b/c--d.e@${D}`, true],
  ['pinnedImageRef', `Registry.Example.com/acme/api@${D}`, true],
  ['pinnedImageRef', 'ghcr.io/acme/api:latest', false],
  ['pinnedImageRef', `ghcr.io/Acme/api@${D}`, false],
  ['pinnedImageRef', `api@${D.toUpperCase()}`, false],
  ['pinnedImageRef', `api@${D.slice(0, -1)}`, false],
  ['pinnedImageRef', `api@${D}0`, false],
  ['pinnedImageRef', `x;rm -rf /@${D}`, false],
  ['pinnedImageRef', `-api@${D}`, false],
  ['pinnedImageRef', `a/../b@${D}`, false],
  ['pinnedImageRef', `a//b@${D}`, false],
  ['pinnedImageRef', `a_/b@${D}`, false],
  ['pinnedImageRef', `api:.bad@${D}`, false],
  ['pinnedImageRef', `${'a/'.repeat(170)}a@${D}`, false],
  ['gitSha', 'abc1234', true],
  ['gitSha', 'c0ffee'.repeat(6) + 'c0ff', true],
  ['gitSha', 'unknown', true],
  ['gitSha', 'ABC1234', false],
  ['gitSha', 'abc12', false],
  ['gitSha', 'unknown1', false],
  ['actor', 'octo-cat', true],
  ['actor', 'dependabot[bot]', true],
  ['actor', 'root@vps-1', true],
  ['actor', 'Jane Doe', true],
  ['actor', 'a'.repeat(64), true],
  ['actor', 'a'.repeat(65), false],
  ['actor', 'x`touch /tmp/x`', false],
  ['actor', '[bot]', false],
  ['actor', 'a[bot]x', false],
  ['actor', '-x', false],
  ['actor', "o'brien", false],
  ['runUrl', 'https://github.com/acme/shop/actions/runs/42', true],
  ['runUrl', 'http://127.0.0.1:8080/a?b=c&d=%20#x', true],
  ['runUrl', 'ftp://example.com/x', false],
  ['runUrl', 'https://x y', false],
  ['runUrl', "https://x'y", false],
  ['runUrl', `https://${'a'.repeat(401)}`, false],
  ['backupName', '20261129T030412Z', true],
  ['backupName', '20261129T030412', false],
  ['backupName', '2026-11-29T03:04:12Z', false],
  ['backupName', '.incomplete-20261129T030412Z', false],
  ['backupName', '20261129T030412Z/../x', false],
  ['appDir', '/srv/slipway', true],
  ['appDir', '/', true],
  ['appDir', 'srv/slipway', false],
  ['appDir', '/srv/slip way', false],
  ['appDir', '/srv/$(id)', false],
];

/** Every value through bash `[[ ${#v} -le MAX && $v =~ RE ]]` with the generated file sourced, in one process. */
function bashVerdicts(rows: [Name, string, boolean][], locale: string): boolean[] {
  const script = `source "$1"
while IFS= read -r -d '' rule && IFS= read -r -d '' value; do
  re="\${rule}_RE" max="\${rule}_MAX"
  if ((\${#value} <= \${!max})) && [[ "\${value}" =~ \${!re} ]]; then echo 1; else echo 0; fi
done`;
  const input = rows.map(([name, value]) => `${RULES[name].bash}\0${value}\0`).join('');
  const r = spawnSync('bash', ['--norc', '--noprofile', '-c', script, 'rules', RULES_FILE], {
    input,
    encoding: 'utf8',
    env: { PATH: process.env.PATH, LC_ALL: locale },
  });
  expect(r.stderr).toBe('');
  return r.stdout
    .trim()
    .split('\n')
    .map((l) => l === '1');
}

describe('domain rules', () => {
  it('the engine gets exactly the generated rules (npm run rules)', () => {
    expect(fs.readFileSync(RULES_FILE, 'utf8')).toBe(renderBashRules());
  });

  it.each(table)('%s %j -> %s in JavaScript', (name, value, expected) => {
    expect(matches(RULES[name], value)).toBe(expected);
  });

  it.each(['C', 'C.UTF-8'])('bash agrees with every row of the table (LC_ALL=%s)', (locale) => {
    const bashRows = table.filter(([name]) => RULES[name].bash);
    const verdicts = bashVerdicts(bashRows, locale);
    expect(bashRows.map(([n, v], i) => [n, v, verdicts[i]])).toEqual(bashRows);
  });

  it('every rule the engine uses is in the table, accepted and rejected', () => {
    for (const [name, r] of Object.entries(RULES) as [Name, Rule][]) {
      if (!r.bash) continue;
      const rows = table.filter(([n]) => n === name);
      expect(rows.some(([, , ok]) => ok) && rows.some(([, , ok]) => !ok), name).toBe(true);
    }
  });

  it.each([
    ['(?:a)', 'not anchored'],
    ['^(?:a)$', '(?...) groups'],
    ['^\\d+$', '\\d \\w \\s'],
    ['^a+?$', 'lazy'],
    ['^[a\\]]$', 'backslash inside'],
    ["^a'$", "a ' cannot"],
  ])('refuses the unportable pattern %s', (pattern, problem) => {
    expect(() => checkPortable('x', pattern)).toThrow(problem);
  });

  it('accepts escapes outside brackets', () => {
    expect(() => checkPortable('x', '^a(\\[bot\\])?\\.b$')).not.toThrow();
  });
});

describe('action-side rules', () => {
  it.each([
    ['tag', 'sha-abc1234', true],
    ['tag', '.hidden', false],
    ['tag', 'a'.repeat(129), false],
    ['registry', 'ghcr.io', true],
    ['registry', '10.200.0.1:5000', true],
    ['registry', 'ghcr.io/acme', false],
    ['repository', 'acme/shop', true],
    ['repository', 'Acme/shop', false],
    ['imageName', 'ghcr.io/acme/shop', true],
    ['imageName', 'ghcr.io/acme/shop:ci', false],
    ['imageRef', 'slipway/api:ci', true],
    ['imageRef', `slipway/api@${D}`, true],
    ['imageRef', 'slipway/api:ci;rm', false],
    ['commitSha', 'c0ffee'.repeat(6) + 'c0ff', true],
    ['commitSha', 'abc1234', false],
    ['githubRepository', 'acme/shop', true],
    ['githubRepository', 'acme', false],
    ['environment', 'production', true],
    ['environment', 'prod;x', false],
  ] as [Name, string, boolean][])('%s %j -> %s', (name, value, expected) => {
    expect(matches(RULES[name], value)).toBe(expected);
  });
});
