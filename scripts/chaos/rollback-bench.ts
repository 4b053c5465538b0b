/**
 * `make rollback-bench`: how long a rollback takes compared with a deploy, on the sandbox VPS under load.
 * Deploys a fresh first release (infra included, not timed), then BENCH_RUNS (default 5) times: two deploys of
 * new images and a rollback to the first of them, all through the real actions. Prints the medians and
 * writes rollback-bench.json: {summary: {rollbackMedianSeconds, deployMedianSeconds, ratio, ...}, timings}.
 * "Seconds" run from the action's start to the proxy serving the target release.
 */
import fs from 'node:fs';
import path from 'node:path';
import { buildImages, connectionInputs, loginVps, resetVps, vps } from '../../tests/deploy/harness.js';
import { readSandboxEnv, repoRoot } from '../../tests/sandbox/sandbox-env.js';
import { deploy, deployInputs, seed } from './release.js';
import { type SwitchTiming, summarize, timeSwitch } from './switch-timing.js';

const log = (message: string) => process.stderr.write(`rollback-bench: ${message}\n`);

async function main(): Promise<number> {
  for (const [name, value] of Object.entries(readSandboxEnv())) process.env[name] ??= value;
  const runs = Number(process.env.BENCH_RUNS ?? 5);
  if (!Number.isInteger(runs) || runs < 1 || runs > 20)
    throw new Error(`BENCH_RUNS: give 1 to 20, got '${runs}'.`);
  const proxyUrl = `http://${vps().host}`;
  const stamp = new Date().toISOString().replace(/[-:T]/g, '').slice(0, 14);
  const variants = Array.from({ length: 2 * runs + 1 }, (_, i) => `bench-${i}`);
  log(`building ${variants.length} images`);
  const images = buildImages(variants);
  loginVps();
  resetVps();
  const id = (i: number) => `bench-${stamp}-${i}`;
  const image = (i: number) => images[variants[i]!]!;
  await deploy(id(0), image(0));
  await seed();
  const timings: SwitchTiming[] = [];
  const keep = { 'keep-releases': '5' };
  const timed = async (t: Promise<SwitchTiming>) => {
    const done = await t;
    timings.push(done);
    log(
      `${done.kind} ${done.release}: serving after ${done.servingSeconds}s, action ${done.actionSeconds}s, ${done.failedRequests}/${done.requests} failed`,
    );
  };
  // Two deploys, then a rollback to the first of them: rollbacks land in the blue and the green slot in turn
  // (the proxy prefers blue, so a rollback into green also waits for blue to leave rotation).
  for (let run = 0; run < runs; run++) {
    const [a, b] = [2 * run + 1, 2 * run + 2];
    await timed(
      timeSwitch('deploy', id(a), image(a), { ...deployInputs(id(a), image(a)), ...keep }, proxyUrl),
    );
    await timed(
      timeSwitch('deploy', id(b), image(b), { ...deployInputs(id(b), image(b)), ...keep }, proxyUrl),
    );
    const to = { ...connectionInputs(), to: id(a), list: 'false' };
    await timed(timeSwitch('rollback', id(a), image(a), to, proxyUrl));
  }
  const summary = summarize(timings);
  fs.writeFileSync(
    path.join(repoRoot, 'rollback-bench.json'),
    `${JSON.stringify({ summary, timings }, null, 2)}\n`,
  );
  process.stdout.write(
    `rollback-bench: median rollback ${summary.rollbackMedianSeconds}s (action ${summary.rollbackActionMedianSeconds}s), ` +
      `median deploy ${summary.deployMedianSeconds}s (action ${summary.deployActionMedianSeconds}s), ratio ${summary.ratio}, ` +
      `${summary.runs} switches, ${summary.failedRequests} failed requests: goal ${summary.goalMet ? 'met' : 'NOT met'}\n`,
  );
  return summary.goalMet ? 0 : 1;
}

process.exitCode = await main();
