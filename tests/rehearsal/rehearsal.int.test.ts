/**
 * The README's first command, end to end: the rehearsal runs the real bundles against the sandbox and must
 * end ok, with every deploy and the rollback switched under load with zero failed requests and the
 * never-healthy release refused.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import type { RehearsalReport } from '../../scripts/rehearsal/report.js';
import { repoRoot } from '../sandbox/sandbox-env.js';

it('rehearses the whole story: gates, build, push, v1, v2 under load, v3 refused, rollback to v1', () => {
  const res = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/rehearsal/main.ts'], {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: 600_000,
  });
  process.stdout.write(res.stdout);
  const report = JSON.parse(
    fs.readFileSync(path.join(repoRoot, 'rehearsal-report.json'), 'utf8'),
  ) as RehearsalReport;
  expect(report.steps.filter((s) => !s.ok)).toEqual([]);
  expect(report.deploys.map((d) => [d.expect, d.ok, d.failedRequests])).toEqual([
    ['live', true, 0],
    ['live', true, 0],
    ['refused', true, 0],
  ]);
  expect(report.rollback).toMatchObject({ ok: true, failedRequests: 0 });
  expect(report.rollback!.requests).toBeGreaterThan(0);
  expect(report.live).toBe(report.deploys[0]!.release);
  expect(report.ok).toBe(true);
  expect(res.status).toBe(0);
});
