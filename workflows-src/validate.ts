/**
 * The three external validators every generated workflow must pass with zero findings, as functions that
 * return findings (so tests can also prove each one fails on a broken workflow).
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { NoOperationTraceWriter, convertWorkflowTemplate, parseWorkflow } from '@actions/workflow-parser';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const venvBin = path.join(root, '.venv', 'bin');

/** GitHub's own parser: schema and expression errors. */
export async function parserFindings(name: string, content: string): Promise<string[]> {
  const result = parseWorkflow({ name, content }, new NoOperationTraceWriter());
  const errors = result.context.errors.getErrors().map((e) => e.message);
  if (errors.length === 0 && result.value) {
    const template = await convertWorkflowTemplate(result.context, result.value);
    errors.push(...(template.errors ?? []).map((e) => e.Message));
  }
  return errors;
}

function tool(bin: string, args: string[]): { status: number | null; stdout: string; stderr: string } {
  const res = spawnSync(path.join(venvBin, bin), args, {
    encoding: 'utf8',
    cwd: root,
    env: { ...process.env, PATH: `${venvBin}:${process.env.PATH ?? ''}`, NO_COLOR: '1' },
    timeout: 120_000,
  });
  if (res.error)
    throw new Error(`${bin}: ${res.error.message}. Run \`make setup\` to install the pinned linters.`);
  return { status: res.status, stdout: res.stdout, stderr: res.stderr };
}

/** actionlint (with shellcheck on PATH, so run: scripts are checked too). One string per finding. */
export function actionlintFindings(file: string): string[] {
  const res = tool('actionlint', ['-no-color', '-oneline', file]);
  const lines = res.stdout.split('\n').filter(Boolean);
  if (res.status !== 0 && lines.length === 0) throw new Error(`actionlint failed: ${res.stderr}`);
  return lines;
}

/** zizmor, offline, pedantic persona (code smells included). One string per finding. */
export function zizmorFindings(file: string): string[] {
  const res = tool('zizmor', ['--offline', '--persona', 'pedantic', '--format', 'json', file]);
  let findings: { ident?: string; desc?: string }[];
  try {
    findings = JSON.parse(res.stdout) as { ident?: string; desc?: string }[];
  } catch {
    throw new Error(`zizmor failed (exit ${res.status}): ${res.stderr}`);
  }
  return findings.map((f) => `${f.ident}: ${f.desc}`);
}
