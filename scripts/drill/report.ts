/**
 * drill-report.json and the summary `make drill` prints. Pure: drill results in, report and text out.
 */
export interface DrillResult {
  name: string;
  ok: boolean;
  /** From the fault until the service answered correctly again; -1 when it never did. */
  rtoSeconds: number;
  /** Age of the data recovery went back to: 0 when nothing came from a backup. */
  rpoSeconds: number;
  /** Rows (or vectors) lost; only those written after the restored backup may be (the RPO). -1: unknown. */
  dataLostRows: number;
  detail: string;
}

export interface DrillReport {
  ok: boolean;
  startedAt: string;
  seconds: number;
  drills: DrillResult[];
}

const round = (x: number) => Math.round(x * 10) / 10;

export function buildReport(drills: readonly DrillResult[], startedAt: Date, finishedAt: Date): DrillReport {
  return {
    ok: drills.length > 0 && drills.every((d) => d.ok),
    startedAt: startedAt.toISOString(),
    seconds: round((finishedAt.getTime() - startedAt.getTime()) / 1000),
    drills: drills.map((d) => ({ ...d, rtoSeconds: round(d.rtoSeconds), rpoSeconds: round(d.rpoSeconds) })),
  };
}

export function renderSummary(report: DrillReport): string {
  const rows = report.drills.map(
    (d) =>
      `${d.ok ? 'ok  ' : 'FAIL'}  ${d.name.padEnd(20)} RTO ${String(d.rtoSeconds).padStart(6)} s  RPO ${String(d.rpoSeconds).padStart(6)} s  lost ${String(d.dataLostRows).padStart(3)}  ${d.detail}`,
  );
  return [
    ...rows,
    `drills: ${report.ok ? 'all recovered' : 'FAILED'} (${report.drills.filter((d) => d.ok).length}/${report.drills.length} ok, ${report.seconds} s)`,
  ].join('\n');
}
