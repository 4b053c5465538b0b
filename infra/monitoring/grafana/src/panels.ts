// The few panel shapes Slipway's dashboards use, on top of @grafana/grafana-foundation-sdk: every panel gets the
// one Prometheus datasource, its queries, a unit and a place on the grid. Dashboards (dashboards.ts) only say
// what to plot.
import * as common from '@grafana/grafana-foundation-sdk/common';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as prometheus from '@grafana/grafana-foundation-sdk/prometheus';
import * as stat from '@grafana/grafana-foundation-sdk/stat';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';

/** The datasource provisioned in grafana/provisioning/datasources/prometheus.yml. */
export const DATASOURCE = { type: 'prometheus', uid: 'slipway-prometheus' } as const;

export interface Query {
  expr: string;
  /** Grafana's legend template, e.g. '{{route}}'. */
  legend?: string;
}

export interface PanelSpec {
  title: string;
  description: string;
  unit: string;
  queries: Query[];
  /** Grid columns out of 24 (default 12). */
  width?: number;
  height?: number;
  min?: number;
  max?: number;
  /** Color steps: [value, color] above `base` (default green for time series, blue for stats). */
  thresholds?: [number, string][];
  base?: string;
}

function target(query: Query, index: number): prometheus.DataqueryBuilder {
  const refId = String.fromCharCode(65 + index);
  const built = new prometheus.DataqueryBuilder().datasource(DATASOURCE).expr(query.expr).refId(refId);
  return query.legend === undefined ? built : built.legendFormat(query.legend);
}

function thresholdsOf(spec: PanelSpec, fallback: string): dashboard.ThresholdsConfigBuilder {
  return new dashboard.ThresholdsConfigBuilder()
    .mode(dashboard.ThresholdsMode.Absolute)
    .steps([
      { value: null, color: spec.base ?? fallback },
      ...(spec.thresholds ?? []).map(([value, color]) => ({ value, color })),
    ]);
}

/** Lays panels out left to right, wrapping at 24 columns; ids follow the order of placement. */
export class Grid {
  private x = 0;
  private y = 0;
  private rowHeight = 0;
  private nextId = 1;

  place(width: number, height: number): { id: number; gridPos: dashboard.GridPos } {
    if (this.x + width > 24) {
      this.x = 0;
      this.y += this.rowHeight;
      this.rowHeight = 0;
    }
    const gridPos = { x: this.x, y: this.y, w: width, h: height };
    this.x += width;
    this.rowHeight = Math.max(this.rowHeight, height);
    return { id: this.nextId++, gridPos };
  }
}

export function timeseriesPanel(grid: Grid, spec: PanelSpec): timeseries.PanelBuilder {
  const { id, gridPos } = grid.place(spec.width ?? 12, spec.height ?? 8);
  const panel = new timeseries.PanelBuilder()
    .id(id)
    .title(spec.title)
    .description(spec.description)
    .datasource(DATASOURCE)
    .gridPos(gridPos)
    .unit(spec.unit)
    .fillOpacity(10)
    .thresholds(thresholdsOf(spec, 'green'))
    .legend(
      new common.VizLegendOptionsBuilder()
        .showLegend(true)
        .displayMode(common.LegendDisplayMode.List)
        .placement(common.LegendPlacement.Bottom),
    );
  spec.queries.forEach((q, i) => panel.withTarget(target(q, i)));
  if (spec.min !== undefined) panel.min(spec.min);
  if (spec.max !== undefined) panel.max(spec.max);
  return panel;
}

/** A single figure (the last value); with textMode name, the series' legend (a release id, say). */
export function statPanel(grid: Grid, spec: PanelSpec & { showName?: boolean }): stat.PanelBuilder {
  const { id, gridPos } = grid.place(spec.width ?? 6, spec.height ?? 4);
  const panel = new stat.PanelBuilder()
    .id(id)
    .title(spec.title)
    .description(spec.description)
    .datasource(DATASOURCE)
    .gridPos(gridPos)
    .unit(spec.unit)
    .graphMode(common.BigValueGraphMode.None)
    .colorMode(common.BigValueColorMode.Value)
    .textMode(spec.showName ? common.BigValueTextMode.Name : common.BigValueTextMode.Value)
    .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false))
    .thresholds(thresholdsOf(spec, spec.thresholds ? 'green' : 'blue'));
  spec.queries.forEach((q, i) => panel.withTarget(target(q, i)));
  if (spec.min !== undefined) panel.min(spec.min);
  if (spec.max !== undefined) panel.max(spec.max);
  return panel;
}

export interface DashboardSpec {
  uid: string;
  title: string;
  description: string;
  build: (grid: Grid, d: dashboard.DashboardBuilder) => void;
}

export function buildDashboard(spec: DashboardSpec): dashboard.Dashboard {
  const d = new dashboard.DashboardBuilder(spec.title)
    .uid(spec.uid)
    .description(spec.description)
    .tags(['slipway'])
    .refresh('30s')
    .time({ from: 'now-6h', to: 'now' })
    .timezone('browser')
    .readonly();
  spec.build(new Grid(), d);
  return d.build();
}
