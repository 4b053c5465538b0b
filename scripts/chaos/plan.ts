/**
 * The fault drills of `make chaos`, as data: which drills a live release gets (one per container, found by
 * compose service name so a renamed or replaced service is drilled too), what each may cost and why, how a
 * drill is judged, and chaos-report.json. Pure: the side effects live in vps.ts and run.ts.
 */

/** One container of the live release, as `slipway status --json` lists it. */
export interface LiveContainer {
  name: string;
  project: string;
  service: string;
  /** The compose label org.slipway.role: app | database | vector-store | proxy | init ('' when unlabelled). */
  role: string;
  /** The release a slot's container runs (label org.slipway.release); '' for the infra services. */
  release: string;
  state: string;
  health: string;
  startedAt: string;
  restarts: number;
}

export type Fault =
  | { kind: 'oom'; container: string; service: string }
  | { kind: 'disk'; percent: number; holdSeconds: number }
  | { kind: 'engine-restart' };

export interface Drill {
  name: string;
  fault: Fault;
  /** The most failed requests the drill may cost; null: every request sent while the fault lasts fails. */
  maxFailed: number | null;
  /** From the fault to the site serving again with every container healthy. */
  maxRecoverySeconds: number;
  /** Why it costs what it costs: goes into the report's detail. */
  why: string;
}

export interface DrillOptions {
  /** Keep-alive clients of the load that runs during every drill. */
  concurrency: number;
  diskPercent: number;
  diskHoldSeconds: number;
  /** Whether the VPS's Docker engine keeps containers running while it restarts (daemon.json live-restore). */
  liveRestore: boolean;
}

/** What each role of container costs when it is killed, and why. Unlabelled services get the app's budget. */
function killBudget(
  role: string,
  concurrency: number,
): Pick<Drill, 'maxFailed' | 'maxRecoverySeconds' | 'why'> {
  switch (role) {
    case 'proxy':
      return {
        maxFailed: null,
        maxRecoverySeconds: 10,
        why: 'the only listener on the public port: connections are refused until Docker restarts it, and open ones are reset',
      };
    case 'database':
      return {
        maxFailed: concurrency,
        maxRecoverySeconds: 20,
        why: 'queries in flight lose their connection; new ones wait for PostgreSQL to restart (the api retries reads)',
      };
    case 'vector-store':
      return {
        maxFailed: 0,
        maxRecoverySeconds: 20,
        why: 'search falls back to full-text while the vector store restarts (answers list "vector" in degraded)',
      };
    default:
      return {
        maxFailed: concurrency,
        maxRecoverySeconds: 15,
        why: 'requests in flight on the killed process are lost; new ones wait in the proxy (lb_try_duration) until it is back',
      };
  }
}

/**
 * The containers the drills kill and watch: all but one-shots (role init, e.g. chroma-init), which did their
 * work and exited; there is no process to kill and no restart to wait for.
 */
export function drilled<C extends Pick<LiveContainer, 'role'>>(live: readonly C[]): C[] {
  return live.filter((c) => c.role !== 'init');
}

/**
 * One OOM drill per container: the container runs into its memory limit and the kernel kills its main process
 * with SIGKILL, which is also what any crash looks like to Docker. (`docker kill` is no stand-in: Docker
 * records it as a deliberate stop and, with `restart: unless-stopped`, never starts the container again.)
 */
export function planDrills(live: readonly LiveContainer[], o: DrillOptions): Drill[] {
  const drills: Drill[] = drilled(live).map((c) => ({
    name: `oom ${c.service}`,
    fault: { kind: 'oom', container: c.name, service: c.service },
    ...killBudget(c.role, o.concurrency),
  }));
  drills.push({
    name: `disk ${o.diskPercent}%`,
    fault: { kind: 'disk', percent: o.diskPercent, holdSeconds: o.diskHoldSeconds },
    maxFailed: 0,
    maxRecoverySeconds: 5,
    why: `the filesystem of Docker's data root (volumes, images, logs) filled to ${o.diskPercent}% for ${o.diskHoldSeconds}s: reads keep working`,
  });
  drills.push({
    name: 'docker engine restart',
    fault: { kind: 'engine-restart' },
    ...(o.liveRestore
      ? {
          maxFailed: 0,
          maxRecoverySeconds: 60,
          why: 'with live-restore the containers keep running while the engine restarts',
        }
      : {
          maxFailed: null,
          maxRecoverySeconds: 90,
          why: 'without live-restore every container stops with the engine; the restart policy starts them again',
        }),
  });
  return drills;
}

export interface Observed {
  requests: number;
  failed: number;
  /** Seconds from the fault to the site serving with every container healthy; null when that never happened. */
  recoverySeconds: number | null;
  /** What happened, in a few words (the fault's own output, first failures seen by the load). */
  notes: string[];
  error?: string;
}

export interface DrillResult {
  name: string;
  ok: boolean;
  failedRequests: number;
  requests: number;
  recoverySeconds: number | null;
  detail: string;
}

export function judge(drill: Drill, seen: Observed): DrillResult {
  const reasons: string[] = [];
  if (seen.error) reasons.push(seen.error);
  if (seen.recoverySeconds === null)
    reasons.push(`the site did not serve again by itself within ${drill.maxRecoverySeconds}s`);
  else if (seen.recoverySeconds > drill.maxRecoverySeconds)
    reasons.push(`recovery took ${seen.recoverySeconds}s (at most ${drill.maxRecoverySeconds}s)`);
  if (drill.maxFailed !== null && seen.failed > drill.maxFailed)
    reasons.push(`${seen.failed} failed requests (at most ${drill.maxFailed})`);
  if (seen.requests === 0) reasons.push('no request was sent: a drill without load proves nothing');
  const budget = drill.maxFailed === null ? 'no budget' : `budget ${drill.maxFailed}`;
  const detail = [
    reasons.length ? `FAILED: ${reasons.join('; ')}` : 'ok',
    `${seen.failed} failed of ${seen.requests} (${budget}: ${drill.why})`,
    ...seen.notes,
  ].join('. ');
  return {
    name: drill.name,
    ok: reasons.length === 0,
    failedRequests: seen.failed,
    requests: seen.requests,
    recoverySeconds: seen.recoverySeconds === null ? null : round(seen.recoverySeconds),
    detail,
  };
}

export interface ChaosReport {
  ok: boolean;
  startedAt: string;
  seconds: number;
  release: string;
  drills: DrillResult[];
}

export function buildChaosReport(input: {
  startedAt: Date;
  finishedAt: Date;
  release: string;
  drills: DrillResult[];
}): ChaosReport {
  return {
    ok: input.drills.length > 0 && input.drills.every((d) => d.ok),
    startedAt: input.startedAt.toISOString(),
    seconds: round((input.finishedAt.getTime() - input.startedAt.getTime()) / 1000),
    release: input.release,
    drills: input.drills,
  };
}

export function renderSummary(report: ChaosReport): string {
  const rows = report.drills.map(
    (d) =>
      `  ${d.ok ? 'ok    ' : 'FAILED'} ${d.name.padEnd(26)} ${String(d.failedRequests).padStart(5)} failed / ${String(d.requests).padStart(5)}  recovered ${d.recoverySeconds === null ? 'never' : `${d.recoverySeconds}s`}`,
  );
  return [
    `chaos: ${report.ok ? 'ok' : 'FAILED'} (release ${report.release}, ${report.seconds}s)`,
    ...rows,
    '',
  ].join('\n');
}

/** Bytes to add to a filesystem so it is `percent` full, as df counts it (used / (used + available)). */
export function fillBytes(fs: { used: number; available: number }, percent: number): number {
  const target = Math.ceil(((fs.used + fs.available) * percent) / 100);
  return Math.max(0, target - fs.used);
}

const round = (n: number) => Math.round(n * 10) / 10;
