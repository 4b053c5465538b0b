// `make bootstrap-drill` end to end: vps2 made a Slipway host by setup-vps.sh and vps3 by Ansible, each from a
// bare host, each set up twice and deployed to, its installed supervisor made to restore a stopped api, then
// compared fact by fact. And the same drill saying ok=false when a host's setup fails, so its ok means something.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { BootstrapReport } from '../../scripts/bootstrap-drill/report.js';
import { run } from '../sandbox/sandbox-env.js';

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'hosts-drill-'));
const drill = (reportFile: string, ...args: string[]) => {
  const r = run(
    'node',
    ['--import', 'tsx', 'scripts/bootstrap-drill/main.ts', '--report', reportFile, ...args],
    {
      timeoutMs: 2_400_000,
    },
  );
  const report = fs.existsSync(reportFile)
    ? (JSON.parse(fs.readFileSync(reportFile, 'utf8')) as BootstrapReport)
    : undefined;
  return { ...r, report };
};

afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

describe('the bootstrap drill', () => {
  it('sets up two bare hosts by setup-vps.sh and by Ansible, idempotently, deploys to both, and finds them equivalent', () => {
    const { status, stdout, stderr, report } = drill(path.join(scratch, 'ok.json'));
    console.log(stdout);
    expect(status, stdout + stderr).toBe(0);
    expect(report).toMatchObject({ ok: true, equivalent: true, differences: [] });
    expect(report!.hosts.map((h) => [h.name, h.method])).toEqual([
      ['vps2', 'setup-vps'],
      ['vps3', 'ansible'],
    ]);
    for (const h of report!.hosts) {
      expect(h, h.name).toMatchObject({ secondRunChanged: 0, serving: true, supervised: true });
      // The supervisor's 30 s grace comes first: a faster restore was not the supervisor's.
      expect(h.supervisorRestoreSeconds, h.name).toBeGreaterThanOrEqual(30);
      expect(h.firstRunChanged, h.name).toBeGreaterThan(10);
      expect(h.release, h.name).toMatch(/^drill-\d{14}$/);
      expect(h.bareToServingSeconds, h.name).toBeGreaterThan(0);
    }
    expect(stdout).toMatch(/^bootstrap drill: ok in [\d.]+ s$/m);
  }, 2_400_000);

  it('says ok=false, naming the step, when a host fails to set up', () => {
    const { status, stdout, report } = drill(
      path.join(scratch, 'failed.json'),
      '--only',
      'setup-vps',
      '--setup-vps-flags',
      '--registry-user nobody',
    );
    expect(status).toBe(1);
    expect(report).toMatchObject({ ok: false, equivalent: false });
    expect(report!.hosts).toHaveLength(1);
    expect(report!.hosts[0]).toMatchObject({
      name: 'vps2',
      method: 'setup-vps',
      secondRunChanged: null,
      serving: false,
    });
    expect(report!.hosts[0]!.error).toMatch(
      /^first run: registry-login failed: docker login to 10\.201\.0\.1:5000 as nobody failed/,
    );
    expect(stdout).toMatch(/^bootstrap drill: FAILED/m);
  }, 1_200_000);
});
