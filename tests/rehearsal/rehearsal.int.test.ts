/**
 * The README's first command, end to end: the generated workflows run unchanged under act against the
 * sandbox. The PR gate passes, the merge deploys under load with zero failed requests, the bad merge passes
 * every gate and is refused by its health gate while the live release keeps serving, and rollback.yml
 * restores the release that was live before the merge; a deploy and three rollbacks to the warm standby are
 * then timed, each under load with no failed request (the figures are printed in the report).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import type { RehearsalReport } from '../../scripts/rehearsal/report.js';
import { repoRoot } from '../sandbox/sandbox-env.js';

it('rehearses the story through act: PR gate, merge under load, bad merge refused, rollback', () => {
  const res = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/rehearsal/main.ts'], {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: 3_600_000,
    maxBuffer: 256 * 1024 * 1024,
  });
  process.stdout.write(res.stdout.split('== Before:').pop() ?? '');
  const report = JSON.parse(
    fs.readFileSync(path.join(repoRoot, 'rehearsal-report.json'), 'utf8'),
  ) as RehearsalReport;
  expect(report.precheck.ok).toBe(true);
  expect(report.steps.filter((s) => !s.ok)).toEqual([]);
  const story = report.workflows.map((w) => [w.story, w.file, w.event, w.ok]);
  expect(story.slice(-4)).toEqual([
    ['PR opened', 'pr-gate.yml', 'pull_request', true],
    ['merge', 'cd.yml', 'push', true],
    ['bad merge', 'cd.yml', 'push', false],
    ['rollback', 'rollback.yml', 'workflow_dispatch', true],
  ]);
  const bad = report.workflows.find((w) => w.story === 'bad merge')!;
  const result = (name: string) => bad.jobs.find((j) => j.name === name)?.result;
  expect(
    bad.jobs.filter((j) => j.name.startsWith('ci/') || j.name.startsWith('gate/')).every((j) => j.ok),
  ).toBe(true);
  expect([result('build-push'), result('deploy'), result('smoke'), result('baseline')]).toEqual([
    'success',
    'failure',
    'skipped',
    'skipped',
  ]);
  const measured = report.deploys.filter((d) => !d.firstDeploy);
  expect(measured.map((d) => [d.expect, d.ok, d.failedRequests])).toEqual([
    ['live', true, 0],
    ['refused', true, 0],
  ]);
  for (const d of [...measured, report.rollback!]) {
    expect(d.requests).toBeGreaterThan(0);
    // What the api itself counted in each window, from the VPS's Prometheus: measured, and nothing failed.
    expect(d.serverErrors, d.release).toMatchObject({ status5xx: 0, connectionErrors: 0 });
  }
  expect(report.panels).toMatchObject({ ok: true, empty: [], alerts: { errors: [] } });
  expect(report.rollback).toMatchObject({ ok: true, failedRequests: 0 });
  // A deploy and three rollbacks to the warm standby, timed (the figures are printed, not asserted): each
  // served its release under load with nothing failed.
  expect(report.rollbackSpeed!.timings.map((t) => [t.kind, t.ok, t.failedRequests])).toEqual([
    ['deploy', true, 0],
    ['rollback', true, 0],
    ['rollback', true, 0],
    ['rollback', true, 0],
  ]);
  expect(report.live).toBe(report.rollback!.release);
  expect(report.ok).toBe(true);
  expect(res.status).toBe(0);
}, 3_600_000);
