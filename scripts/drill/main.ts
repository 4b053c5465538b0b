/**
 * `make drill`: the disaster-recovery drills of docs/DISASTER_RECOVERY.md on the sandbox VPS. Sets the VPS up as
 * production looks (a release deployed by the ssh-deploy bundle, the reference corpus scraped and embedded, this
 * checkout's backup tools, one verified backup), runs every drill, prints the summary and writes
 * drill-report.json at the repository root. Exit code 0 only when every drill recovered. The VPS is left
 * serving a healthy release.
 */
import fs from 'node:fs';
import path from 'node:path';
import { buildImages, loginVps, resetVps } from '../../tests/deploy/harness.js';
import { repoRoot } from '../../tests/sandbox/sandbox-env.js';
import {
  badDeploy,
  chromaCorruption,
  containerCrash,
  databaseCorruption,
  type DrillContext,
} from './drills.js';
import { vpsDeath } from './vps-death.js';
import { buildReport, type DrillResult, renderSummary } from './report.js';
import { backupThroughSystemd, deploy, health, installTools, service, until } from './vps.js';

const log = (message: string) => process.stderr.write(`drill: ${message}\n`);

/** The VPS as production looks before anything goes wrong. */
export async function prepare(): Promise<DrillContext> {
  log('building the release images and pushing them to the sandbox registry');
  const images = buildImages(['drill-good', 'drill-bad']);
  const named = { good: images['drill-good']!, bad: images['drill-bad']! };
  loginVps();
  resetVps();
  log('deploying the good release with the ssh-deploy bundle');
  const first = await deploy('drill-good', named.good);
  if (first.status !== 0) throw new Error(`the first deploy failed:\n${first.output.slice(-1500)}`);
  service('scrape');
  service('embed');
  await until('the service healthy', 120, async () => (await health()).overall === 'ok');
  log('installing the backup tools and timer with Ansible (infra/ansible/backup.yml)');
  installTools();
  let last: { name: string; takenAt: number } | undefined;
  return {
    images: named,
    backup: () => {
      if (last) return last;
      log('taking the backup the drills recover from (slipway-backup.service, started through systemd)');
      const takenAt = Date.now();
      const r = backupThroughSystemd();
      if (r.status !== 0 || r.result?.ok !== true)
        throw new Error(`slipway-backup.service failed; its journal:\n${r.journal.slice(-2000)}`);
      last = { name: String(r.result.backup), takenAt };
      return last;
    },
  };
}

async function main(): Promise<number> {
  const startedAt = new Date();
  const ctx = await prepare();
  ctx.backup();
  const results: DrillResult[] = [];
  for (const drill of [
    containerCrash,
    () => badDeploy(ctx),
    () => databaseCorruption(ctx),
    () => chromaCorruption(ctx),
    // Last: it destroys the host and makes it again.
    () => vpsDeath(ctx),
  ]) {
    const result = await drill();
    log(
      `${result.name}: ${result.ok ? 'ok' : 'FAILED'} (RTO ${result.rtoSeconds.toFixed(1)} s) ${result.detail}`,
    );
    results.push(result);
  }
  const report = buildReport(results, startedAt, new Date());
  fs.writeFileSync(path.join(repoRoot, 'drill-report.json'), `${JSON.stringify(report, null, 2)}\n`);
  console.log(renderSummary(report));
  return report.ok ? 0 : 1;
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(repoRoot, 'scripts/drill/main.ts')) {
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      log(`could not run the drills: ${(err as Error).message}`);
      process.exit(2);
    },
  );
}
