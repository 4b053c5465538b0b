/**
 * Slipway's own rules for every generated workflow, on top of workflow-parser, actionlint and zizmor.
 * Pure: takes the parsed YAML document and its text, returns findings.
 */
import { PINS } from './pins.js';

export interface PolicyFinding {
  rule: string;
  where: string;
  message: string;
}

type Doc = Record<string, unknown>;
const asRecord = (v: unknown): Doc => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Doc) : {});

const WRITE_SCOPES_ALLOWED_AT_TOP = new Set<string>();

function permissionFindings(where: string, perms: unknown, top: boolean): PolicyFinding[] {
  if (perms === undefined) {
    return [
      {
        rule: 'permissions',
        where,
        message: top
          ? 'set top-level `permissions: {}` (or read-only)'
          : 'grant the job only the permissions it uses',
      },
    ];
  }
  if (typeof perms === 'string') {
    if (perms === 'read-all' && top) return [];
    return [
      {
        rule: 'permissions',
        where,
        message: `\`permissions: ${perms}\` is too broad; list scopes explicitly`,
      },
    ];
  }
  const out: PolicyFinding[] = [];
  for (const [scope, level] of Object.entries(asRecord(perms))) {
    if (top && level === 'write' && !WRITE_SCOPES_ALLOWED_AT_TOP.has(scope)) {
      out.push({
        rule: 'permissions',
        where,
        message: `top-level grants ${scope}: write; grant it only on the job that needs it`,
      });
    }
  }
  return out;
}

export function policyFindings(doc: Doc, text: string): PolicyFinding[] {
  const findings: PolicyFinding[] = [];
  const on = asRecord(doc.on ?? doc['true']);
  if ('pull_request_target' in on) {
    findings.push({
      rule: 'no-pull-request-target',
      where: 'on',
      message: 'pull_request_target runs fork code with secrets; use pull_request',
    });
  }
  findings.push(...permissionFindings('workflow', doc.permissions, true));
  if (doc.concurrency === undefined)
    findings.push({ rule: 'concurrency', where: 'workflow', message: 'set `concurrency`' });

  text.split('\n').forEach((line, n) => {
    if (/#\s*zizmor: ignore\[[^\]]+\]\s*$/.test(line)) {
      findings.push({
        rule: 'ignore-needs-reason',
        where: `line ${n + 1}`,
        message: 'a zizmor ignore must say why',
      });
    }
  });

  const knownShas = new Map<string, string>(Object.values(PINS).map((p) => [p.repo, p.sha]));
  for (const [id, rawJob] of Object.entries(asRecord(doc.jobs))) {
    const job = asRecord(rawJob);
    const where = `jobs.${id}`;
    if (job['timeout-minutes'] === undefined && job.uses === undefined) {
      findings.push({ rule: 'timeout', where, message: 'set `timeout-minutes`' });
    }
    findings.push(...permissionFindings(where, job.permissions, false));
    const steps = Array.isArray(job.steps) ? job.steps : [];
    steps.forEach((rawStep, n) => {
      const step = asRecord(rawStep);
      const stepWhere = `${where}.steps[${n}]`;
      if (typeof step.run === 'string' && step.run.includes('${{')) {
        findings.push({
          rule: 'no-expressions-in-run',
          where: stepWhere,
          message: 'pass `${{ }}` values through `env:`, not inside `run:`',
        });
      }
      if (typeof step.uses === 'string' && !step.uses.startsWith('./')) {
        const [repo, ref = ''] = step.uses.split('@');
        if (!/^[0-9a-f]{40}$/.test(ref)) {
          findings.push({
            rule: 'pinned-sha',
            where: stepWhere,
            message: `${step.uses} is not pinned to a 40-character commit SHA`,
          });
        } else if (knownShas.get(repo ?? '') !== ref) {
          findings.push({
            rule: 'pinned-sha',
            where: stepWhere,
            message: `${step.uses} is not a SHA from workflows-src/pins.ts`,
          });
        } else if (
          !new RegExp(`uses: ${step.uses.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} # v\\d`).test(text)
        ) {
          findings.push({
            rule: 'pinned-sha',
            where: stepWhere,
            message: `${step.uses} lacks its version comment`,
          });
        }
      }
    });
  }
  return findings;
}
