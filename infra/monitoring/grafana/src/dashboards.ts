// Slipway's Grafana dashboards. `npm run dashboards` writes them to grafana/dashboards/<uid>.json (committed;
// `npm run check` fails when they are stale). Every query must return data on a live stack:
// infra/monitoring/tests/monitoring.int.test.ts runs each one against a real Prometheus. Queries that would be
// empty on a healthy system (no errors yet) fall back to an explicit 0.
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { DATASOURCE, buildDashboard, statPanel, timeseriesPanel, type DashboardSpec } from './panels.js';

/** Requests of the API proper: the gate's liveness polls of /health would drown them. */
const API = 'route!~"/health.*"';
const RATE = '$__rate_interval';
const FS = 'fstype!~"tmpfs|overlay|squashfs|nsfs|ramfs"';

const percentile = (q: number, by = '') =>
  `histogram_quantile(${q}, sum by (le${by}) (rate(slipway_http_request_duration_seconds_bucket{${API}}[${RATE}])))`;

const service: DashboardSpec = {
  uid: 'slipway-service',
  title: 'Slipway / Service overview',
  description: 'The reference service: request rate, errors, latency percentiles, in-flight requests, slots.',
  build: (grid, d) => {
    d.withPanel(
      statPanel(grid, {
        title: 'Slots up',
        description: 'Api slots Prometheus reaches on :9464 (one, except during a switch).',
        unit: 'none',
        queries: [{ expr: 'sum(up{job="api"})' }],
        base: 'red',
        thresholds: [[1, 'green']],
      }),
    )
      .withPanel(
        statPanel(grid, {
          title: 'Requests / s',
          description: 'All API requests (health polls excluded), over 5 minutes.',
          unit: 'reqps',
          queries: [{ expr: 'slipway:http_requests:rate5m' }],
        }),
      )
      .withPanel(
        statPanel(grid, {
          title: '5xx ratio',
          description: 'Share of API requests answered 5xx, over 5 minutes (alert: above 5% for 5 minutes).',
          unit: 'percentunit',
          queries: [{ expr: 'slipway:http_5xx_ratio:rate5m' }],
          thresholds: [
            [0.01, 'orange'],
            [0.05, 'red'],
          ],
        }),
      )
      .withPanel(
        statPanel(grid, {
          title: '/search p95',
          description: '95th percentile of /search, over 5 minutes (alert: above 500 ms for 10 minutes).',
          unit: 's',
          queries: [{ expr: 'slipway:search_latency_seconds:p95_5m' }],
          thresholds: [
            [0.25, 'orange'],
            [0.5, 'red'],
          ],
        }),
      )
      .withPanel(
        timeseriesPanel(grid, {
          title: 'Requests by route',
          description: 'Requests per second by route template (unmatched: any path the API does not serve).',
          unit: 'reqps',
          queries: [
            {
              expr: `sum by (route) (rate(slipway_http_requests_total{${API}}[${RATE}]))`,
              legend: '{{route}}',
            },
          ],
        }),
      )
      .withPanel(
        timeseriesPanel(grid, {
          title: 'Responses by status',
          description:
            'Responses per second by status code; aborted: the client left before the response ended.',
          unit: 'reqps',
          queries: [
            { expr: `sum by (status) (rate(slipway_http_requests_total[${RATE}]))`, legend: '{{status}}' },
          ],
        }),
      )
      .withPanel(
        timeseriesPanel(grid, {
          title: 'Latency percentiles',
          description: 'p50, p95 and p99 of every API request (health polls excluded).',
          unit: 's',
          queries: [
            { expr: percentile(0.5), legend: 'p50' },
            { expr: percentile(0.95), legend: 'p95' },
            { expr: percentile(0.99), legend: 'p99' },
          ],
        }),
      )
      .withPanel(
        timeseriesPanel(grid, {
          title: 'p95 by route',
          description: '95th percentile latency per route template.',
          unit: 's',
          queries: [{ expr: percentile(0.95, ', route'), legend: '{{route}}' }],
        }),
      )
      .withPanel(
        timeseriesPanel(grid, {
          title: 'Errors',
          description: '5xx responses and aborted requests per second (0 when there are none).',
          unit: 'reqps',
          queries: [
            {
              expr: `sum(rate(slipway_http_requests_total{status=~"5.."}[${RATE}])) or vector(0)`,
              legend: '5xx',
            },
            {
              expr: `sum(rate(slipway_http_requests_total{status="aborted"}[${RATE}])) or vector(0)`,
              legend: 'aborted',
            },
          ],
        }),
      )
      .withPanel(
        timeseriesPanel(grid, {
          title: 'In-flight requests',
          description: 'Requests being served right now, per slot.',
          unit: 'none',
          queries: [{ expr: 'sum by (slot) (slipway_http_requests_in_flight)', legend: '{{slot}}' }],
        }),
      )
      .withPanel(
        timeseriesPanel(grid, {
          title: 'Api memory',
          description: 'Resident memory of each api process (the release compose file limits it to 512 MiB).',
          unit: 'bytes',
          queries: [{ expr: 'process_resident_memory_bytes{job="api"}', legend: '{{slot}} {{instance}}' }],
        }),
      )
      .withPanel(
        timeseriesPanel(grid, {
          title: 'Api CPU and event loop lag',
          description: 'CPU seconds per second, and the p99 of the Node.js event loop delay.',
          unit: 's',
          queries: [
            { expr: `rate(process_cpu_seconds_total{job="api"}[${RATE}])`, legend: 'cpu {{slot}}' },
            { expr: 'nodejs_eventloop_lag_p99_seconds{job="api"}', legend: 'loop p99 {{slot}}' },
          ],
        }),
      );
  },
};

const deploys: DashboardSpec = {
  uid: 'slipway-deploys',
  title: 'Slipway / Deploys',
  description:
    'The live release, deploys and rollbacks from the engine ledger, switch durations, errors per slot.',
  build: (grid, d) => {
    d.annotation(
      new dashboard.AnnotationQueryBuilder()
        .name('Deploys and rollbacks')
        .datasource(DATASOURCE)
        .enable(true)
        .iconColor('blue')
        // One point per finished op: the window equals the step, so each change is seen exactly once. The
        // counters exist from the first write on (at 0), so even the first rollback ever is a change.
        .expr('changes(slipway_deploy_operations_total[1m]) > 0')
        .step('1m')
        .titleFormat('{{kind}} {{result}}')
        .tagKeys('kind,result'),
    )
      .withPanel(
        statPanel(grid, {
          title: 'Live release',
          description: 'state/current of the deploy engine, with its slot.',
          unit: 'none',
          queries: [{ expr: 'slipway_live_release_info', legend: '{{release}} ({{slot}})' }],
          showName: true,
          width: 8,
        }),
      )
      .withPanel(
        statPanel(grid, {
          title: 'Serving build',
          description: 'What the running api processes report (build_info): release and git sha.',
          unit: 'none',
          queries: [
            { expr: 'count by (release, git_sha) (slipway_build_info)', legend: '{{release}} {{git_sha}}' },
          ],
          showName: true,
          width: 8,
        }),
      )
      .withPanel(
        statPanel(grid, {
          title: 'Live for',
          description: 'Time since the live release went live.',
          unit: 's',
          queries: [{ expr: 'time() - slipway_live_release_since_timestamp_seconds' }],
          width: 8,
        }),
      )
      .withPanel(
        timeseriesPanel(grid, {
          title: 'Last switch duration',
          description: 'How long the last deploy and the last rollback took, start to switch (ledger times).',
          unit: 's',
          queries: [
            { expr: 'slipway_deploy_last_duration_seconds', legend: '{{kind}} {{release}} {{result}}' },
          ],
        }),
      )
      .withPanel(
        timeseriesPanel(grid, {
          title: 'Mean switch duration',
          description: 'Mean duration of succeeded deploys and rollbacks.',
          unit: 's',
          queries: [
            {
              expr: 'slipway_deploy_duration_seconds_sum / (slipway_deploy_duration_seconds_count > 0)',
              legend: '{{kind}}',
            },
          ],
        }),
      )
      .withPanel(
        timeseriesPanel(grid, {
          title: 'Deploys and rollbacks by result',
          description: 'Counts recorded in the ledger (succeeded, failed, interrupted).',
          unit: 'none',
          queries: [
            {
              expr: 'sum by (kind, result) (slipway_deploy_operations_total)',
              legend: '{{kind}} {{result}}',
            },
          ],
        }),
      )
      .withPanel(
        timeseriesPanel(grid, {
          title: 'Last op succeeded',
          description: '1 when the last deploy (or rollback) succeeded; 0 raises SlipwayDeployFailed.',
          unit: 'none',
          min: 0,
          max: 1,
          queries: [{ expr: 'slipway_deploy_last_success', legend: '{{kind}}' }],
        }),
      )
      .withPanel(
        timeseriesPanel(grid, {
          title: 'Requests by slot',
          description:
            'API requests per second per slot: a switch moves the traffic from one slot to the other.',
          unit: 'reqps',
          queries: [
            {
              expr: `sum by (slot) (rate(slipway_http_requests_total{${API}}[${RATE}]))`,
              legend: '{{slot}}',
            },
          ],
        }),
      )
      .withPanel(
        timeseriesPanel(grid, {
          title: 'Server errors by slot',
          description: '5xx and aborted requests per second per slot; a clean switch keeps this at 0.',
          unit: 'reqps',
          queries: [
            {
              expr: `sum by (slot) (rate(slipway_http_requests_total{status=~"5..|aborted"}[${RATE}])) or sum by (slot) (rate(slipway_http_requests_total[${RATE}])) * 0`,
              legend: '{{slot}}',
            },
          ],
        }),
      );
  },
};

const dataStores: DashboardSpec = {
  uid: 'slipway-data',
  title: 'Slipway / PostgreSQL and ChromaDB',
  description:
    'Search time per store, PostgreSQL activity, size and cache, from the api and the PostgreSQL exporter.',
  build: (grid, d) => {
    const store = (metric: string) => `sum by (store, operation) (rate(${metric}[${RATE}]))`;
    d.withPanel(
      statPanel(grid, {
        title: 'PostgreSQL up',
        description: 'pg_up from the exporter (alert: 0 for a minute).',
        unit: 'none',
        queries: [{ expr: 'pg_up' }],
        base: 'red',
        thresholds: [[1, 'green']],
      }),
    )
      .withPanel(
        statPanel(grid, {
          title: 'Database size',
          description: 'Size of the slipway database.',
          unit: 'bytes',
          queries: [{ expr: 'pg_database_size_bytes{datname="slipway"}' }],
        }),
      )
      .withPanel(
        statPanel(grid, {
          title: 'Connections',
          description: 'Backends connected to the slipway database.',
          unit: 'none',
          queries: [{ expr: 'pg_stat_database_numbackends{datname="slipway"}' }],
        }),
      )
      .withPanel(
        statPanel(grid, {
          title: 'Cache hit ratio',
          description: 'Share of block reads served from shared buffers.',
          unit: 'percentunit',
          queries: [
            {
              expr: `sum(rate(pg_stat_database_blks_hit{datname="slipway"}[${RATE}])) / (sum(rate(pg_stat_database_blks_hit{datname="slipway"}[${RATE}])) + sum(rate(pg_stat_database_blks_read{datname="slipway"}[${RATE}])))`,
            },
          ],
        }),
      )
      .withPanel(
        timeseriesPanel(grid, {
          title: 'Search time per store, p95',
          description: 'How long search waits on PostgreSQL (full text, titles) and on ChromaDB.',
          unit: 's',
          queries: [
            {
              expr: `histogram_quantile(0.95, sum by (le, store, operation) (rate(slipway_search_store_duration_seconds_bucket[${RATE}])))`,
              legend: '{{store}} {{operation}}',
            },
          ],
        }),
      )
      .withPanel(
        timeseriesPanel(grid, {
          title: 'Store calls and errors',
          description:
            'Calls per second from search to each store, and failed calls (0 when there are none).',
          unit: 'reqps',
          queries: [
            {
              expr: store('slipway_search_store_duration_seconds_count'),
              legend: 'calls {{store}} {{operation}}',
            },
            {
              expr: `${store('slipway_search_store_errors_total')} or ${store('slipway_search_store_duration_seconds_count')} * 0`,
              legend: 'errors {{store}} {{operation}}',
            },
          ],
        }),
      )
      .withPanel(
        timeseriesPanel(grid, {
          title: 'Transactions',
          description: 'Commits and rollbacks per second in the slipway database.',
          unit: 'ops',
          queries: [
            { expr: `rate(pg_stat_database_xact_commit{datname="slipway"}[${RATE}])`, legend: 'commit' },
            { expr: `rate(pg_stat_database_xact_rollback{datname="slipway"}[${RATE}])`, legend: 'rollback' },
          ],
        }),
      )
      .withPanel(
        timeseriesPanel(grid, {
          title: 'Sessions by state',
          description: 'pg_stat_activity of the slipway database, by state.',
          unit: 'none',
          queries: [
            { expr: 'sum by (state) (pg_stat_activity_count{datname="slipway"})', legend: '{{state}}' },
          ],
        }),
      )
      .withPanel(
        timeseriesPanel(grid, {
          title: 'Rows read and written',
          description: 'Tuples fetched, inserted, updated and deleted per second.',
          unit: 'ops',
          queries: [
            { expr: `rate(pg_stat_database_tup_fetched{datname="slipway"}[${RATE}])`, legend: 'fetched' },
            { expr: `rate(pg_stat_database_tup_inserted{datname="slipway"}[${RATE}])`, legend: 'inserted' },
            { expr: `rate(pg_stat_database_tup_updated{datname="slipway"}[${RATE}])`, legend: 'updated' },
            { expr: `rate(pg_stat_database_tup_deleted{datname="slipway"}[${RATE}])`, legend: 'deleted' },
          ],
        }),
      )
      .withPanel(
        timeseriesPanel(grid, {
          title: 'Locks and deadlocks',
          description: 'Locks held by mode, and deadlocks per second.',
          unit: 'none',
          queries: [
            { expr: 'sum by (mode) (pg_locks_count{datname="slipway"})', legend: '{{mode}}' },
            { expr: `rate(pg_stat_database_deadlocks{datname="slipway"}[${RATE}])`, legend: 'deadlocks/s' },
          ],
        }),
      );
  },
};

const host: DashboardSpec = {
  uid: 'slipway-host',
  title: 'Slipway / Host',
  description: 'The VPS: CPU, memory, swap, disk and load, from node exporter.',
  build: (grid, d) => {
    d.withPanel(
      statPanel(grid, {
        title: 'Fullest disk',
        description: 'The fullest real filesystem (alert: above 85% for 10 minutes).',
        unit: 'percentunit',
        queries: [
          { expr: `max(1 - node_filesystem_avail_bytes{${FS}} / node_filesystem_size_bytes{${FS}})` },
        ],
        thresholds: [
          [0.75, 'orange'],
          [0.85, 'red'],
        ],
      }),
    )
      .withPanel(
        statPanel(grid, {
          title: 'Memory available',
          description: 'MemAvailable: what can be allocated without swapping.',
          unit: 'bytes',
          queries: [{ expr: 'node_memory_MemAvailable_bytes' }],
        }),
      )
      .withPanel(
        statPanel(grid, {
          title: 'Swap used',
          description: 'Swap in use (0 on a host without swap).',
          unit: 'bytes',
          queries: [{ expr: 'node_memory_SwapTotal_bytes - node_memory_SwapFree_bytes' }],
        }),
      )
      .withPanel(
        statPanel(grid, {
          title: 'Uptime',
          description: 'Time since the host booted.',
          unit: 's',
          queries: [{ expr: 'time() - node_boot_time_seconds' }],
        }),
      )
      .withPanel(
        timeseriesPanel(grid, {
          title: 'CPU',
          description: 'Share of CPU time by mode, all cores together.',
          unit: 'percentunit',
          min: 0,
          queries: [
            {
              expr: `sum by (mode) (rate(node_cpu_seconds_total{mode!="idle"}[${RATE}])) / scalar(count(node_cpu_seconds_total{mode="idle"}))`,
              legend: '{{mode}}',
            },
          ],
        }),
      )
      .withPanel(
        timeseriesPanel(grid, {
          title: 'Memory',
          description: 'Used (total minus available), available, and swap used.',
          unit: 'bytes',
          queries: [
            { expr: 'node_memory_MemTotal_bytes - node_memory_MemAvailable_bytes', legend: 'used' },
            { expr: 'node_memory_MemAvailable_bytes', legend: 'available' },
            { expr: 'node_memory_SwapTotal_bytes - node_memory_SwapFree_bytes', legend: 'swap used' },
          ],
        }),
      )
      .withPanel(
        timeseriesPanel(grid, {
          title: 'Disk used',
          description: 'Share used of each real filesystem.',
          unit: 'percentunit',
          min: 0,
          max: 1,
          queries: [
            {
              expr: `1 - node_filesystem_avail_bytes{${FS}} / node_filesystem_size_bytes{${FS}}`,
              legend: '{{mountpoint}}',
            },
          ],
        }),
      )
      .withPanel(
        timeseriesPanel(grid, {
          title: 'Load',
          description: 'Load averages over 1, 5 and 15 minutes.',
          unit: 'none',
          queries: [
            { expr: 'node_load1', legend: '1m' },
            { expr: 'node_load5', legend: '5m' },
            { expr: 'node_load15', legend: '15m' },
          ],
        }),
      )
      .withPanel(
        timeseriesPanel(grid, {
          title: 'Disk I/O',
          description: 'Bytes read and written per second, all devices.',
          unit: 'Bps',
          queries: [
            { expr: `sum(rate(node_disk_read_bytes_total[${RATE}]))`, legend: 'read' },
            { expr: `sum(rate(node_disk_written_bytes_total[${RATE}]))`, legend: 'written' },
          ],
        }),
      );
  },
};

const backups: DashboardSpec = {
  uid: 'slipway-backups',
  title: 'Slipway / Backups',
  description: 'What the backup job recorded (slipway record-backup): age, size, verification, runs.',
  build: (grid, d) => {
    d.withPanel(
      statPanel(grid, {
        title: 'Last successful backup, age',
        description: 'Time since the last successful backup per target (alert: older than 26 hours).',
        unit: 's',
        queries: [{ expr: 'time() - slipway_backup_last_success_timestamp_seconds', legend: '{{target}}' }],
        thresholds: [
          [24 * 3600, 'orange'],
          [26 * 3600, 'red'],
        ],
        width: 8,
      }),
    )
      .withPanel(
        statPanel(grid, {
          title: 'Verified',
          description: '1 when the last successful backup passed its restore check (alert: 0).',
          unit: 'none',
          queries: [{ expr: 'slipway_backup_last_verified', legend: '{{target}}' }],
          width: 8,
        }),
      )
      .withPanel(
        statPanel(grid, {
          title: 'Last run succeeded',
          description: '1 when the last backup run succeeded.',
          unit: 'none',
          queries: [{ expr: 'slipway_backup_last_run_success', legend: '{{target}}' }],
          width: 8,
        }),
      )
      .withPanel(
        timeseriesPanel(grid, {
          title: 'Backup size',
          description: 'Size of the last successful backup per target.',
          unit: 'bytes',
          queries: [{ expr: 'slipway_backup_last_size_bytes', legend: '{{target}}' }],
        }),
      )
      .withPanel(
        timeseriesPanel(grid, {
          title: 'Backup duration',
          description: 'How long the last backup run took per target.',
          unit: 's',
          queries: [{ expr: 'slipway_backup_last_run_duration_seconds', legend: '{{target}}' }],
        }),
      )
      .withPanel(
        timeseriesPanel(grid, {
          title: 'Backup age',
          description: 'Age of the last successful backup over time: a saw tooth when backups run daily.',
          unit: 's',
          queries: [{ expr: 'time() - slipway_backup_last_success_timestamp_seconds', legend: '{{target}}' }],
        }),
      )
      .withPanel(
        timeseriesPanel(grid, {
          title: 'Runs by result',
          description: 'Backup runs recorded, by target and result.',
          unit: 'none',
          queries: [{ expr: 'slipway_backup_runs_total', legend: '{{target}} {{result}}' }],
        }),
      );
  },
};

export const DASHBOARDS: DashboardSpec[] = [service, deploys, dataStores, host, backups];

export const buildAll = (): dashboard.Dashboard[] => DASHBOARDS.map(buildDashboard);
