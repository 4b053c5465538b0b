// scripts/infra/check.sh (`make infra-check`) on copies of infra/: the unchanged copy passes every step and
// leaves the JSON plan; each kind of damage is caught by the step that exists to catch it, and only by it.
import { spawnSync } from 'node:child_process';
import {
  appendFileSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../sandbox/sandbox-env.js';
import { TOOL_BUILD_TIMEOUT_MS } from './tofu.js';

const checkScript = path.join(repoRoot, 'scripts', 'infra', 'check.sh');
const scratches: string[] = [];

/** A copy of infra/terraform and infra/scripts (the bootstrap the plan embeds), optionally damaged. */
function copyOfInfra(damage?: (terraformRoot: string) => void): { terraformRoot: string; out: string } {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'tf-infra-check-'));
  scratches.push(scratch);
  for (const dir of ['terraform', 'scripts']) {
    cpSync(path.join(repoRoot, 'infra', dir), path.join(scratch, 'infra', dir), {
      recursive: true,
      filter: (src) => !/\.terraform(\.lock\.hcl)?$/.test(src),
    });
  }
  const terraformRoot = path.join(scratch, 'infra', 'terraform');
  damage?.(terraformRoot);
  return { terraformRoot, out: path.join(scratch, 'out') };
}

function check(copy: { terraformRoot: string; out: string }, ...args: string[]) {
  const result = spawnSync(checkScript, args, {
    encoding: 'utf8',
    env: { ...process.env, SLIPWAY_TERRAFORM_ROOT: copy.terraformRoot, SLIPWAY_INFRA_OUT: copy.out },
    timeout: TOOL_BUILD_TIMEOUT_MS,
  });
  const lines = result.stderr.split('\n').filter((l) => /^infra-check: [a-z-]+: (ok|FAILED|skipped)/.test(l));
  return {
    status: result.status,
    stderr: result.stderr,
    steps: Object.fromEntries(lines.map((l) => /^infra-check: ([a-z-]+): (\w+)/.exec(l)!.slice(1, 3))),
  };
}

function edit(file: string, from: string | RegExp, to: string): void {
  const text = readFileSync(file, 'utf8');
  const changed = text.replace(from, to);
  if (changed === text) throw new Error(`${file}: found nothing to change for ${String(from)}`);
  writeFileSync(file, changed);
}

afterAll(() => {
  for (const dir of scratches) rmSync(dir, { recursive: true, force: true });
});

describe('make infra-check', () => {
  it(
    'passes every step on the unchanged tree, says why gcp is not validated, and leaves the plan as JSON',
    () => {
      const copy = copyOfInfra();
      const run = check(copy);
      expect(run.steps, run.stderr).toEqual({
        tools: 'ok',
        fmt: 'ok',
        'validate-hetzner': 'ok',
        'validate-gcp': 'skipped',
        'plan-hetzner': 'ok',
        'tflint-hetzner': 'ok',
        'tflint-gcp': 'ok',
        'infra-tests': 'skipped',
      });
      expect(run.status).toBe(0);
      expect(run.stderr).toContain(
        'validate-gcp: skipped: the google provider is not served by the Go module proxy',
      );
      expect(run.stderr).toMatch(/infra-check: 6 ok, 0 failed, 2 skipped\n/);
      const plan = JSON.parse(readFileSync(path.join(copy.out, 'hetzner-plan.json'), 'utf8')) as {
        format_version: string;
        resource_changes: { address: string; change: { actions: string[] } }[];
      };
      expect(plan.resource_changes.map((r) => r.address)).toContain('hcloud_server.this');
      expect(plan.resource_changes.every((r) => r.change.actions.join() === 'create')).toBe(true);
      // The generated test keys stay in the output directory, the private ones 0600.
      expect(statSync(path.join(copy.out, 'keys', 'host_ed25519')).mode & 0o777).toBe(0o600);
    },
    TOOL_BUILD_TIMEOUT_MS,
  );

  it.each<[string, (root: string) => void, string[]]>([
    [
      'a file tofu fmt would change',
      (root) => edit(path.join(root, 'gcp', 'outputs.tf'), /value {7}=/, 'value ='),
      ['fmt'],
    ],
    [
      'a variable without a description',
      (root) =>
        appendFileSync(path.join(root, 'gcp', 'variables.tf'), '\nvariable "zone" {\n  type = string\n}\n'),
      ['tflint-gcp'],
    ],
    [
      'an output without a description',
      (root) =>
        appendFileSync(
          path.join(root, 'hetzner', 'outputs.tf'),
          '\noutput "server_name" {\n  value = hcloud_server.this.name\n}\n',
        ),
      ['tflint-hetzner'],
    ],
    [
      'an argument the hcloud provider does not have',
      (root) =>
        edit(
          path.join(root, 'hetzner', 'main.tf'),
          'backups      = var.backups',
          'backup       = var.backups',
        ),
      // plan validates as well
      ['validate-hetzner', 'plan-hetzner'],
    ],
    [
      'an example value the variables refuse',
      (root) =>
        edit(
          path.join(root, 'hetzner', 'terraform.tfvars.example'),
          'image       = "debian-12"',
          'image       = "debian-11"',
        ),
      ['plan-hetzner'],
    ],
  ])('catches %s', (_what, damage, steps) => {
    const copy = copyOfInfra(damage);
    const run = check(copy, '--skip', 'tools,infra-tests');
    const failed = Object.entries(run.steps)
      .filter(([, result]) => result === 'FAILED')
      .map(([name]) => name);
    expect(failed, run.stderr).toEqual(steps);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(`infra-check: failed: ${steps.join(' ')}\n`);
  });

  it('runs a row that names an executable of the repository: a check with its own script is one line', () => {
    // A copy of check.sh in a scratch repository, with one row added for a script that fails.
    const scratch = mkdtempSync(path.join(os.tmpdir(), 'tf-infra-row-'));
    scratches.push(scratch);
    const infraDir = path.join(scratch, 'scripts', 'infra');
    mkdirSync(infraDir, { recursive: true });
    const copy = path.join(infraDir, 'check.sh');
    writeFileSync(
      copy,
      readFileSync(checkScript, 'utf8').replace(
        /\n\)\n/,
        '\n  "extra|scripts/infra/extra-check.sh|a check with a script of its own"\n)\n',
      ),
      { mode: 0o755 },
    );
    writeFileSync(
      path.join(infraDir, 'extra-check.sh'),
      '#!/usr/bin/env bash\necho "extra: 1 problem" >&2\nexit 4\n',
      {
        mode: 0o755,
      },
    );
    const run = spawnSync(copy, ['--only', 'extra'], { encoding: 'utf8' });
    expect(run.stderr).toMatch(
      /^extra: 1 problem\ninfra-check: extra: FAILED \(exit 4, \d+ s\)\ninfra-check: 0 ok, 1 failed, 0 skipped\ninfra-check: failed: extra\n$/,
    );
    expect(run.status).toBe(1);
  });

  it('refuses a step name it does not know instead of checking nothing', () => {
    const run = spawnSync(checkScript, ['--only', 'fmt,tflnt-gcp'], { encoding: 'utf8' });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain("infra-check: error: unknown step 'tflnt-gcp'.");
  });
});
