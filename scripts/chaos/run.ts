/**
 * Runs the fault drills against the live release on the VPS, one at a time, each under a bounded load through
 * the proxy: inject the fault, wait for the site to serve again by itself, keep the load a little longer, then
 * wait until every container is healthy before the next drill. Used by `make chaos` and its integration test.
 */
import fs from 'node:fs';
import path from 'node:path';
import { onVpsAsync } from '../../tests/deploy/harness.js';
import { repoRoot } from '../../tests/sandbox/sandbox-env.js';
import { startLoad } from '../rehearsal/load.js';
import {
  type ChaosReport,
  type Drill,
  type DrillOptions,
  type DrillResult,
  buildChaosReport,
  drilled,
  fillBytes,
  judge,
  planDrills,
} from './plan.js';
import {
  type ContainerState,
  dockerDataFs,
  fillDisk,
  healthy,
  inspect,
  liveStatus,
  oom,
  releaseDisk,
  restartEngine,
} from './vps.js';

export interface ChaosOptions extends Omit<DrillOptions, 'liveRestore'> {
  proxyUrl: string;
  /** Run only the drills whose name starts with one of these (all when empty). */
  only: string[];
  log: (message: string) => void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const GiB = 1024 ** 3;

/** The site serves when both the liveness URL and a search (PostgreSQL and the vector store) answer 2xx. */
async function siteServes(proxyUrl: string): Promise<boolean> {
  try {
    for (const p of ['/health', '/search?q=chaos+drill&k=3']) {
      const res = await fetch(`${proxyUrl}${p}`, { signal: AbortSignal.timeout(3000) });
      await res.arrayBuffer();
      if (!res.ok) return false;
    }
    return true;
  } catch {
    return false;
  }
}

/** True once the fault has visibly happened: the container it targeted started again. */
function faultSeen(drill: Drill, before: ContainerState[], now: ContainerState[]): boolean {
  const f = drill.fault;
  if (f.kind !== 'oom') return true;
  const was = before.find((s) => s.name === f.container);
  const is = now.find((s) => s.name === f.container);
  return !!was && !!is && is.startedAt !== was.startedAt;
}

/** Seconds from `since` until the site serves and every container runs again (after the fault was seen). */
async function waitRecovered(
  drill: Drill,
  names: string[],
  before: ContainerState[],
  since: number,
  proxyUrl: string,
  notes: string[],
): Promise<number | null> {
  const limit = since + (drill.maxRecoverySeconds + 15) * 1000;
  let restartNoted = false;
  while (Date.now() < limit) {
    const [serves, states] = await Promise.all([siteServes(proxyUrl), inspect(names)]);
    const seen = states !== null && faultSeen(drill, before, states);
    if (seen && !restartNoted && drill.fault.kind === 'oom') {
      const target = drill.fault.container;
      const started = Date.parse(states.find((s) => s.name === target)!.startedAt);
      notes.push(`Docker started it again ${((started - since) / 1000).toFixed(1)}s after it died`);
      restartNoted = true;
    }
    if (serves && seen && states.every((s) => s.state === 'running')) return (Date.now() - since) / 1000;
    await sleep(250);
  }
  return null;
}

async function waitHealthy(names: string[], seconds: number): Promise<ContainerState[] | null> {
  const limit = Date.now() + seconds * 1000;
  let states: ContainerState[] | null = null;
  while (Date.now() < limit) {
    states = await inspect(names);
    if (states?.every(healthy)) return states;
    await sleep(500);
  }
  return null;
}

/** Injects the fault; returns when it struck (ms): the process died, the disk was full, the engine stopped. */
async function inject(drill: Drill, image: string, notes: string[]): Promise<number> {
  const f = drill.fault;
  switch (f.kind) {
    case 'oom':
      notes.push(await oom(f.container));
      return Date.now();
    case 'engine-restart': {
      const stopping = Date.now();
      notes.push(await restartEngine());
      return stopping;
    }
    case 'disk': {
      const before = await dockerDataFs(image);
      const bytes = fillBytes(before, f.percent);
      await fillDisk(image, bytes);
      const after = await dockerDataFs(image);
      notes.push(
        `Docker's data filesystem (${(before.size / GiB).toFixed(0)} GiB) went from ${pct(before)}% to ${pct(after)}% used (${(bytes / GiB).toFixed(1)} GiB allocated) for ${f.holdSeconds}s`,
      );
      return Date.now();
    }
  }
}

const pct = (fs: { used: number; available: number }) =>
  Math.round((fs.used * 100) / (fs.used + fs.available));

async function runDrill(drill: Drill, names: string[], image: string, o: ChaosOptions): Promise<DrillResult> {
  o.log(`${drill.name} ...`);
  const notes: string[] = [];
  let error: string | undefined;
  let recoverySeconds: number | null = null;
  const before = await inspect(names);
  if (!before?.every(healthy)) {
    const seen = { requests: 0, failed: 0, recoverySeconds: null, notes };
    return judge(drill, { ...seen, error: 'not run: the release was not healthy when the drill was due' });
  }
  const load = startLoad(o.proxyUrl, o.concurrency, 300, { failurePauseMs: 100 });
  await sleep(1500);
  try {
    const since = await inject(drill, image, notes);
    recoverySeconds = await waitRecovered(drill, names, before, since, o.proxyUrl, notes);
    if (drill.fault.kind === 'disk')
      await sleep(Math.max(0, since + drill.fault.holdSeconds * 1000 - Date.now()));
  } catch (err) {
    error = (err as Error).message;
  } finally {
    if (drill.fault.kind === 'disk') await releaseDisk();
  }
  await sleep(1500);
  const load_ = await load.stop();
  if (load_.samples.length)
    notes.push(`first failures: ${[...new Set(load_.samples)].slice(0, 3).join(', ')}`);
  // A release that never came back is not waited for again: it is repaired at once for the next drill.
  let after = recoverySeconds === null ? null : await waitHealthy(names, 60);
  if (!after) {
    error ??= 'not every container was healthy again 60s after the drill';
    notes.push(await repair(names));
    after = await waitHealthy(names, 60);
  }
  if (after) {
    const restarted = after.filter(
      (s) => s.restarts > (before.find((b) => b.name === s.name)?.restarts ?? 0),
    );
    if (restarted.length) notes.push(`restarted by Docker: ${restarted.map((s) => s.name).join(', ')}`);
  }
  const result = judge(drill, {
    requests: load_.requests,
    failed: load_.failed,
    recoverySeconds,
    notes,
    error,
  });
  o.log(`${drill.name}: ${result.detail}`);
  return result;
}

/**
 * What an operator would do so the next drill starts from a healthy release: restart the containers that are
 * not healthy. Only used after a drill already failed.
 */
async function repair(names: string[]): Promise<string> {
  const sick = ((await inspect(names)) ?? []).filter((s) => !healthy(s)).map((s) => s.name);
  if (!sick.length) return 'nothing left to repair';
  // A container that joins another's network namespace must start after it.
  const modes = await onVpsAsync(`docker inspect -f '{{.HostConfig.NetworkMode}}' ${sick.join(' ')}`);
  const joins = modes.stdout.split('\n').map((m) => m.startsWith('container:'));
  const ordered = sick
    .map((name, i) => ({ name, late: joins[i] ? 1 : 0 }))
    .sort((a, b) => a.late - b.late)
    .map((c) => c.name);
  for (const name of ordered) await onVpsAsync(`docker restart -t 5 ${name}`);
  return `repaired by hand for the next drill (docker restart ${sick.join(' ') || 'nothing'})`;
}

/** Runs every planned drill (or those named in `only`) against the live release and returns the report. */
export async function runDrills(o: ChaosOptions): Promise<ChaosReport> {
  const startedAt = new Date();
  await releaseDisk();
  const live = await liveStatus();
  if (live.health.status !== 'ok')
    throw new Error(
      `the live release ${live.current || '(none)'} is not healthy before the drills: ${live.health.problems.join('; ')}`,
    );
  const names = drilled(live.containers).map((c) => c.name);
  const api = live.containers.find((c) => c.service === 'api' && c.release === live.current);
  if (!api) throw new Error(`no api container of ${live.current} in slipway status`);
  const image = (await onVpsAsync(`docker inspect -f '{{.Config.Image}}' ${api.name}`)).stdout.trim();
  const liveRestore =
    (await onVpsAsync(`docker info --format '{{.LiveRestoreEnabled}}'`)).stdout.trim() === 'true';
  o.log(`the VPS's Docker engine runs with live-restore ${liveRestore ? 'on' : 'off'}`);
  const drills = planDrills(live.containers, { ...o, liveRestore }).filter(
    (d) => o.only.length === 0 || o.only.some((prefix) => d.name.startsWith(prefix)),
  );
  const results: DrillResult[] = [];
  for (const drill of drills) results.push(await runDrill(drill, names, image, o));
  return buildChaosReport({ startedAt, finishedAt: new Date(), release: live.current, drills: results });
}

export interface MemoryPeak {
  service: string;
  peakUsageMiB: number;
  peakRssMiB: number;
  limitMiB: number | null;
}

/** Peak memory of every live container under a /search load (for sizing limits; printed by make chaos). */
export async function measureMemory(o: ChaosOptions, seconds: number): Promise<MemoryPeak[]> {
  const live = await liveStatus();
  const script = fs.readFileSync(
    path.join(repoRoot, 'scripts', 'chaos', 'probes', 'memory-peaks.sh'),
    'utf8',
  );
  const load = startLoad(o.proxyUrl, 8, seconds + 5, { paths: ['/search?q=blue+green+deploy&k=5'] });
  const names = drilled(live.containers).map((c) => c.name);
  const r = await onVpsAsync(`bash -s -- ${seconds} ${names.join(' ')}`, script, (seconds + 60) * 1000);
  const report = await load.stop();
  o.log(
    `memory under /search load: ${report.requests} requests in ${report.seconds.toFixed(0)}s, ${report.failed} failed`,
  );
  const MiB = (n: number) => Math.round((n / 1048576) * 10) / 10;
  return r.stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { name: string; peakUsage: number; peakRss: number; limit: string })
    .map((m) => ({
      service: live.containers.find((c) => c.name === m.name)?.service ?? m.name,
      peakUsageMiB: MiB(m.peakUsage),
      peakRssMiB: MiB(m.peakRss),
      limitMiB: /^\d+$/.test(m.limit) && Number(m.limit) < 2 ** 60 ? MiB(Number(m.limit)) : null,
    }));
}
