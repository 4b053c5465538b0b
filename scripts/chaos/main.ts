/**
 * `make chaos`: deploys this checkout's release to the sandbox VPS, measures the memory of every container
 * under a /search load, then runs the fault drills (scripts/chaos/plan.ts) one at a time under load and writes
 * chaos-report.json at the repository root. Exit code 0 only when every drill is ok.
 * CHAOS_ONLY=name,name runs only the drills whose name starts with one of those (e.g. "kill api,oom").
 */
import fs from 'node:fs';
import path from 'node:path';
import { vps } from '../../tests/deploy/harness.js';
import { readSandboxEnv, repoRoot } from '../../tests/sandbox/sandbox-env.js';
import { renderSummary } from './plan.js';
import { freshLiveRelease } from './release.js';
import { measureMemory, runDrills } from './run.js';

const log = (message: string) => process.stderr.write(`chaos: ${message}\n`);

async function main(): Promise<number> {
  // One view of the sandbox for the whole run, even if its env file is rewritten meanwhile (variables already
  // set win: SLIPWAY_VPS_HOST=… points a run at another sandbox host).
  for (const [name, value] of Object.entries(readSandboxEnv())) process.env[name] ??= value;
  const runId = new Date().toISOString().replace(/[-:T]/g, '').slice(0, 14);
  const options = {
    proxyUrl: `http://${vps().host}`,
    concurrency: 4,
    diskPercent: Number(process.env.CHAOS_DISK_PERCENT ?? 95),
    diskHoldSeconds: 8,
    only: (process.env.CHAOS_ONLY ?? '').split(',').filter(Boolean),
    log,
  };
  log(`building, pushing and deploying chaos-${runId}-a to ${vps().host}`);
  const { first } = await freshLiveRelease(`chaos-${runId}`, ['a']);
  log(`${first.release} is live (deploy took ${first.seconds.toFixed(1)}s)`);
  const memory = await measureMemory(options, 20);
  for (const m of memory)
    log(
      `  ${m.service.padEnd(10)} peak usage ${m.peakUsageMiB} MiB, peak RSS ${m.peakRssMiB} MiB, limit ${m.limitMiB ?? 'none'} MiB`,
    );
  const report = await runDrills(options);
  const file = path.join(repoRoot, 'chaos-report.json');
  fs.writeFileSync(file, `${JSON.stringify({ ...report, memory }, null, 2)}\n`);
  process.stdout.write(renderSummary(report));
  log(`wrote ${path.relative(process.cwd(), file) || file}`);
  return report.ok ? 0 : 1;
}

process.exitCode = await main();
