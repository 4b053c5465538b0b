// Runs the real OpenTofu (scripts/infra/tofu: pinned, source-built, providers from the local mirror) against a
// configuration under infra/terraform, offline, and reads what it planned. Shared by the infra tests.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from '../sandbox/sandbox-env.js';

export const tofuScript = path.join(repoRoot, 'scripts', 'infra', 'tofu');

/** A 64-character stand-in token: the provider checks its length; an offline plan never sends it. */
export const OFFLINE_TOKEN = 'x'.repeat(64);

/** The first build of OpenTofu and the provider on a fresh machine takes minutes; later runs are instant. */
export const TOOL_BUILD_TIMEOUT_MS = 30 * 60_000;

export interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** The parts of `tofu show -json <plan>` the tests read. */
export interface PlanJson {
  planned_values: {
    outputs: Record<string, { value?: unknown; sensitive: boolean }>;
    root_module: { resources: PlannedResource[] };
  };
  resource_changes: {
    address: string;
    type: string;
    change: { actions: string[]; after: Record<string, unknown>; after_unknown: Record<string, unknown> };
  }[];
  output_changes: Record<string, { after_unknown: unknown; after?: unknown }>;
  configuration: {
    root_module: { resources: { address: string; expressions: Record<string, { references?: string[] }> }[] };
  };
}

export interface PlannedResource {
  address: string;
  type: string;
  name: string;
  index?: string | number;
  values: Record<string, unknown>;
}

/**
 * One configuration of infra/terraform, run from a fresh copy of infra/terraform and infra/scripts (which the
 * configuration embeds) with its own data directory: tests never write into the tree, never share `.terraform`
 * with a developer or `make infra-check`, and never meet a stale lock file.
 */
export class TofuWorkspace {
  readonly scratch = mkdtempSync(path.join(os.tmpdir(), 'tf-infra-'));
  readonly dir: string;
  private plans = 0;

  constructor(configuration: 'hetzner' | 'gcp') {
    for (const part of ['terraform', 'scripts']) {
      cpSync(path.join(repoRoot, 'infra', part), path.join(this.scratch, 'infra', part), {
        recursive: true,
        filter: (src) => !/(\.terraform|\.terraform\.lock\.hcl|\.tfstate.*)$/.test(src),
      });
    }
    this.dir = path.join(this.scratch, 'infra', 'terraform', configuration);
  }

  run(args: string[], input?: string): Run {
    const result = spawnSync(tofuScript, [`-chdir=${this.dir}`, ...args], {
      encoding: 'utf8',
      input,
      env: { ...process.env, HCLOUD_TOKEN: OFFLINE_TOKEN, TF_DATA_DIR: path.join(this.scratch, 'data') },
      timeout: TOOL_BUILD_TIMEOUT_MS,
      maxBuffer: 64 * 1024 * 1024,
    });
    return { status: result.status, stdout: result.stdout ?? '', stderr: result.stderr ?? '' };
  }

  /** `init` from the mirror; throws with tofu's own message when it fails. */
  init(): void {
    const init = this.run(['init', '-backend=false', '-input=false', '-no-color']);
    if (init.status !== 0)
      throw new Error(`tofu init in ${this.dir} failed:\n${init.stdout}\n${init.stderr}`);
  }

  private varFile(vars: Record<string, unknown>): string {
    const file = path.join(this.scratch, `vars-${++this.plans}.tfvars.json`);
    writeFileSync(file, JSON.stringify(vars, null, 2));
    return file;
  }

  /**
   * Plans with VARS; returns the JSON plan, or the failed run (validation errors are on stderr). With
   * `refresh: false`, resources already in the workspace's state (see `writeState`) are taken as they are
   * there, without asking the API: that is how a test plans "after" some resources exist, offline.
   */
  plan(
    vars: Record<string, unknown>,
    options: { refresh?: boolean } = {},
  ): { plan: PlanJson; planFile: string } | { failed: Run } {
    const planFile = path.join(this.scratch, `plan-${this.plans + 1}.tfplan`);
    const planned = this.run([
      'plan',
      '-input=false',
      '-lock=false',
      '-no-color',
      `-refresh=${options.refresh ?? true}`,
      `-out=${planFile}`,
      `-var-file=${this.varFile(vars)}`,
    ]);
    if (planned.status !== 0) return { failed: planned };
    const shown = this.run(['show', '-json', planFile]);
    if (shown.status !== 0) throw new Error(`tofu show -json failed:\n${shown.stderr}`);
    return { plan: JSON.parse(shown.stdout) as PlanJson, planFile };
  }

  /** Evaluates EXPR (a string value) with VARS through `tofu console`; base64 keeps the text exact. */
  evaluateString(expr: string, vars: Record<string, unknown>): string {
    const out = this.run(['console', `-var-file=${this.varFile(vars)}`], `base64encode(${expr})\n`);
    const match = /^"([A-Za-z0-9+/=]*)"$/m.exec(out.stdout);
    if (out.status !== 0 || match?.[1] === undefined) {
      throw new Error(`tofu console could not evaluate ${expr}:\n${out.stdout}\n${out.stderr}`);
    }
    return Buffer.from(match[1], 'base64').toString('utf8');
  }

  /** Writes the local state (terraform.tfstate in the copy) holding RESOURCES of the hcloud provider. */
  writeState(resources: { type: string; name: string; attributes: Record<string, unknown> }[]): void {
    const state = {
      version: 4,
      terraform_version: '1.12.6',
      serial: 1,
      lineage: 'f2a6c1e4-0000-4000-8000-000000000001',
      outputs: {},
      resources: resources.map((r) => ({
        mode: 'managed',
        type: r.type,
        name: r.name,
        provider: 'provider["registry.opentofu.org/hetznercloud/hcloud"]',
        instances: [{ schema_version: 0, attributes: r.attributes }],
      })),
    };
    writeFileSync(path.join(this.dir, 'terraform.tfstate'), JSON.stringify(state, null, 2));
  }

  remove(): void {
    rmSync(this.scratch, { recursive: true, force: true });
  }
}

export function resources(plan: PlanJson, type: string): PlannedResource[] {
  return plan.planned_values.root_module.resources.filter((r) => r.type === type);
}

export function resource(plan: PlanJson, address: string): PlannedResource {
  const found = plan.planned_values.root_module.resources.find((r) => r.address === address);
  if (found === undefined) throw new Error(`the plan has no ${address}`);
  return found;
}

/** An ed25519 key pair made with ssh-keygen at test time: {privateKeyFile, publicKey (type + key)}. */
export function sshKeyPair(dir: string, name: string, type = 'ed25519'): { file: string; publicKey: string } {
  const file = path.join(dir, name);
  const made = spawnSync('ssh-keygen', ['-q', '-t', type, '-N', '', '-C', `tf-test-${name}`, '-f', file], {
    encoding: 'utf8',
  });
  if (made.status !== 0) throw new Error(`ssh-keygen failed: ${made.stderr}`);
  const [keyType, key] = readFileSync(`${file}.pub`, 'utf8').trim().split(' ');
  return { file, publicKey: `${keyType} ${key}` };
}
