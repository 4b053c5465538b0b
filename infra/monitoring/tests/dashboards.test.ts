// The generated Grafana dashboards: committed JSON matches the TypeScript, every panel has the provisioned
// datasource and a query, uids and panel ids are stable, panels sit on the grid without overlapping, and every
// query is valid PromQL (promtool checks them as recording rules). Whether they return data is the integration
// test's job (monitoring.int.test.ts).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { buildAll } from '../grafana/src/dashboards.js';
import { DATASOURCE } from '../grafana/src/panels.js';
import { interpolate, queriesOf, type DashboardJson, type PanelJson } from '../grafana/src/queries.js';

const root = path.resolve(import.meta.dirname, '..', '..', '..');
const grafana = path.join(root, 'infra', 'monitoring', 'grafana');
const committed = (): DashboardJson[] =>
  fs
    .readdirSync(path.join(grafana, 'dashboards'))
    .sort()
    .map((f) => JSON.parse(fs.readFileSync(path.join(grafana, 'dashboards', f), 'utf8')) as DashboardJson);

describe('generated dashboards', { timeout: 30_000 }, () => {
  it('are committed as built (npm run dashboards)', () => {
    const built = buildAll().map((d) => JSON.parse(JSON.stringify(d)) as DashboardJson);
    const byUid = (list: DashboardJson[]) => Object.fromEntries(list.map((d) => [d.uid, d]));
    expect(byUid(committed())).toEqual(byUid(built));
  });

  it('keep their uids, one file each', () => {
    expect(committed().map((d) => d.uid)).toEqual([
      'slipway-backups',
      'slipway-data',
      'slipway-deploys',
      'slipway-host',
      'slipway-service',
    ]);
    for (const d of committed()) {
      expect(fs.existsSync(path.join(grafana, 'dashboards', `${d.uid}.json`))).toBe(true);
    }
  });

  it('use the datasource uid that provisioning creates', () => {
    const provisioned = yaml.load(
      fs.readFileSync(path.join(grafana, 'provisioning', 'datasources', 'prometheus.yml'), 'utf8'),
    ) as { datasources: { uid: string; type: string }[] };
    expect(provisioned.datasources).toEqual([
      expect.objectContaining({ uid: DATASOURCE.uid, type: DATASOURCE.type }),
    ]);
  });

  it.each(committed().map((d) => [d.uid, d] as const))(
    '%s: every panel has the datasource, a query and a unique id, on the grid without overlaps',
    (_uid, d) => {
      const panels = (d.panels ?? []) as (PanelJson & {
        gridPos: { x: number; y: number; w: number; h: number };
      })[];
      expect(panels.length).toBeGreaterThanOrEqual(5);
      for (const p of panels) {
        expect(p.datasource, p.title).toEqual(DATASOURCE);
        expect(p.targets?.length, p.title).toBeGreaterThan(0);
        for (const t of p.targets ?? []) {
          expect(t.expr?.trim(), p.title).toBeTruthy();
          expect(t.datasource, p.title).toEqual(DATASOURCE);
        }
        expect(p.gridPos.x + p.gridPos.w, p.title).toBeLessThanOrEqual(24);
      }
      expect(new Set(panels.map((p) => p.id)).size).toBe(panels.length);
      const cells = new Set<string>();
      for (const p of panels) {
        for (let x = p.gridPos.x; x < p.gridPos.x + p.gridPos.w; x++) {
          for (let y = p.gridPos.y; y < p.gridPos.y + p.gridPos.h; y++) {
            const cell = `${x},${y}`;
            expect(cells.has(cell), `${p.title} overlaps at ${cell}`).toBe(false);
            cells.add(cell);
          }
        }
      }
      for (const a of d.annotations?.list ?? []) expect(a.datasource).toEqual(DATASOURCE);
    },
  );

  it('have only valid PromQL (promtool checks every query as a recording rule)', () => {
    const queries = committed().flatMap(queriesOf);
    const rules = {
      groups: [
        {
          name: 'dashboard-queries',
          rules: queries.map((q, i) => ({
            record: `dashboard:query_${i}`,
            expr: interpolate(q.expr, 15, 15),
          })),
        },
      ],
    };
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'obs-dashboards-'));
    try {
      const file = path.join(dir, 'queries.yml');
      fs.writeFileSync(file, yaml.dump(rules));
      const r = spawnSync(path.join(root, '.venv', 'bin', 'promtool'), ['check', 'rules', file], {
        encoding: 'utf8',
      });
      expect(r.status, `${r.stdout}${r.stderr}`).toBe(0);
      expect(r.stdout).toContain(`SUCCESS: ${queries.length} rules found`);
      // The check can fail: a broken query is refused.
      fs.writeFileSync(
        file,
        yaml.dump({ groups: [{ name: 'x', rules: [{ record: 'x:y', expr: 'sum(rate(x[5m])' }] }] }),
      );
      expect(spawnSync(path.join(root, '.venv', 'bin', 'promtool'), ['check', 'rules', file]).status).toBe(1);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('interpolates Grafana variables the way Grafana does for Prometheus', () => {
    expect(interpolate('rate(x[$__rate_interval])', 15, 15)).toBe('rate(x[60s])');
    expect(interpolate('rate(x[$__rate_interval])', 60, 15)).toBe('rate(x[75s])');
    expect(interpolate('sum_over_time(x[$__interval])', 30, 15)).toBe('sum_over_time(x[30s])');
  });
});
