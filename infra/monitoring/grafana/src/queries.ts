// Every PromQL expression a dashboard runs: panel targets and annotation queries. Used by the tests (each must
// return data on a live stack) and kept next to the dashboards so a new panel kind cannot be missed.

export interface DashboardJson {
  uid: string;
  title: string;
  panels?: PanelJson[];
  annotations?: { list?: { name?: string; expr?: string; datasource?: { uid?: string } }[] };
}

export interface PanelJson {
  id?: number;
  type: string;
  title: string;
  datasource?: { type?: string; uid?: string };
  targets?: { expr?: string; refId?: string; datasource?: { uid?: string } }[];
  panels?: PanelJson[];
}

export interface PanelQuery {
  dashboard: string;
  /** The panel's title, or `annotation: <name>`. */
  source: string;
  expr: string;
  annotation: boolean;
}

function panelsOf(panels: PanelJson[] = []): PanelJson[] {
  return panels.flatMap((p) => [p, ...panelsOf(p.panels)]);
}

export function queriesOf(dashboard: DashboardJson): PanelQuery[] {
  const fromPanels = panelsOf(dashboard.panels).flatMap((p) =>
    (p.targets ?? []).map((t) => ({
      dashboard: dashboard.uid,
      source: p.title,
      expr: t.expr ?? '',
      annotation: false,
    })),
  );
  const fromAnnotations = (dashboard.annotations?.list ?? [])
    .filter((a) => a.expr !== undefined)
    .map((a) => ({
      dashboard: dashboard.uid,
      source: `annotation: ${a.name ?? ''}`,
      expr: a.expr!,
      annotation: true,
    }));
  return [...fromPanels, ...fromAnnotations];
}

/**
 * Grafana's built-in variables as a Prometheus API client sees them for a given step and scrape interval:
 * $__rate_interval is max(step + scrape interval, 4 x scrape interval).
 */
export function interpolate(expr: string, stepSeconds: number, scrapeSeconds: number): string {
  const rateInterval = Math.max(stepSeconds + scrapeSeconds, 4 * scrapeSeconds);
  return expr.replaceAll('$__rate_interval', `${rateInterval}s`).replaceAll('$__interval', `${stepSeconds}s`);
}
