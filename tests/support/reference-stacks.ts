// The reference stack (docker/compose.yaml + compose.prod.yaml: api, chroma, postgres, proxy) and the
// monitoring stack (infra/monitoring/compose.yaml, without Grafana) under the caller's own compose project
// names, on the host's Docker engine, for the monitoring integration test and the metrics overhead benchmark.
import { execFileSync, type ExecFileSyncOptions } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import yaml from 'js-yaml';

export const ROOT = path.resolve(import.meta.dirname, '..', '..');
const MONITORING = path.join(ROOT, 'infra', 'monitoring');

export function sh(argv: string[], options: ExecFileSyncOptions & { input?: string } = {}): string {
  try {
    return execFileSync(argv[0]!, argv.slice(1), { cwd: ROOT, stdio: 'pipe', ...options }).toString();
  } catch (err) {
    const e = err as { stderr?: Buffer; stdout?: Buffer; message: string };
    const tail = `${e.stdout?.toString() ?? ''}${e.stderr?.toString() ?? ''}`.trim().split('\n').slice(-15);
    throw new Error(`${argv.slice(0, 6).join(' ')} failed:\n${tail.join('\n') || e.message}`);
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** Hands the machine's CA bundle to the build when npm's TLS goes through an intercepting proxy. */
function npmCaSecret(): string[] {
  const candidates = [process.env.SLIPWAY_NPM_CA_FILE, process.env.NODE_EXTRA_CA_CERTS];
  try {
    candidates.push(execFileSync('npm', ['config', 'get', 'cafile'], { stdio: 'pipe' }).toString().trim());
  } catch {
    // npm without a cafile setting: the registry's public certificate chain is trusted as is.
  }
  const file = candidates.find((c) => c && c !== 'null' && c !== 'undefined' && fs.existsSync(c));
  return file ? ['--secret', `id=npm_ca,src=${file}`] : [];
}

export class ReferenceStack {
  readonly project: string;
  readonly tag: string;
  readonly image: string;
  readonly dir: string;
  proxyPort = 0;
  private env: NodeJS.ProcessEnv = {};
  private readonly files = ['-f', 'docker/compose.yaml', '-f', 'docker/compose.prod.yaml'];

  constructor(readonly prefix: string) {
    this.tag = randomBytes(3).toString('hex');
    this.project = `${prefix}-${this.tag}`;
    this.image = `${prefix}/api:${this.tag}`;
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
  }

  /** The compose network of this stack, e.g. frontend or backend. */
  network(name: string): string {
    return `${this.project}_${name}`;
  }

  compose(args: string[], extraFiles: string[] = []): string {
    return sh(['docker', 'compose', '-p', this.project, ...this.files, ...extraFiles, ...args], {
      env: this.env,
    });
  }

  /** Builds the service image, starts the stack and fills the database and ChromaDB. */
  async up(extraFiles: string[] = [], extraEnv: Record<string, string> = {}): Promise<void> {
    fs.mkdirSync(path.join(this.dir, 'secrets'), { recursive: true });
    const password = path.join(this.dir, 'secrets', 'db_password');
    fs.writeFileSync(password, randomBytes(24).toString('base64url'));
    // Compose bind-mounts file secrets with host permissions; the containers' users must be able to read it.
    fs.chmodSync(password, 0o644);
    this.proxyPort = await freePort();
    this.env = {
      ...process.env,
      SLIPWAY_IMAGE_PREFIX: this.prefix,
      SLIPWAY_TAG: this.tag,
      SLIPWAY_SECRETS_DIR: path.dirname(password),
      SLIPWAY_PROXY_PORT: String(this.proxyPort),
      SLIPWAY_RELEASE_ID: `${this.prefix}-release`,
      COMPOSE_PROFILES: '',
      ...extraEnv,
    };
    sh(
      [
        'docker',
        'build',
        '--network',
        'host',
        '-q',
        ...npmCaSecret(),
        '-f',
        'docker/service.Dockerfile',
        '-t',
        this.image,
        'service',
      ],
      { env: { ...this.env, DOCKER_BUILDKIT: '1' } },
    );
    this.compose(['up', '--detach', '--no-build', '--wait', '--wait-timeout', '180'], extraFiles);
    for (const job of ['migrate', 'scrape', 'embed']) {
      this.compose(['--profile', 'tools', 'run', '--rm', '--no-deps', job], extraFiles);
    }
  }

  get passwordFile(): string {
    return path.join(this.dir, 'secrets', 'db_password');
  }

  down(extraFiles: string[] = []): void {
    try {
      this.compose(
        ['--profile', 'tools', 'down', '--volumes', '--remove-orphans', '--timeout', '5'],
        extraFiles,
      );
    } finally {
      try {
        sh(['docker', 'image', 'rm', '-f', this.image]);
      } finally {
        fs.rmSync(this.dir, { recursive: true, force: true });
      }
    }
  }
}

export interface MonitoringOptions {
  textfileDir: string;
  dbPasswordFile: string;
  edgeNetwork: string;
  backendNetwork: string;
  /** Scrape and rule evaluation interval of the test's Prometheus (production: 15s). */
  intervalSeconds: number;
  /** The api targets, as in prometheus/targets/api.yml. */
  apiTargets: string[];
}

/** infra/monitoring/compose.yaml without Grafana, with the test's intervals and targets. */
export class MonitoringStack {
  readonly project: string;
  readonly dir: string;
  prometheusPort = 0;
  private readonly extra: string[];

  constructor(prefix: string) {
    this.project = `${prefix}-mon-${randomBytes(3).toString('hex')}`;
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-mon-`));
    this.extra = [
      '-f',
      path.join(this.dir, 'compose.override.yaml'),
      '--env-file',
      path.join(this.dir, '.env'),
    ];
  }

  compose(args: string[]): string {
    return sh([
      'docker',
      'compose',
      '-p',
      this.project,
      '-f',
      path.join(MONITORING, 'compose.yaml'),
      ...this.extra,
      ...args,
    ]);
  }

  get url(): string {
    return `http://127.0.0.1:${this.prometheusPort}`;
  }

  async up(options: MonitoringOptions): Promise<void> {
    this.prometheusPort = await freePort();
    // The committed Prometheus configuration, rules and all, with only the intervals and api targets changed.
    const config = path.join(this.dir, 'prometheus');
    fs.cpSync(path.join(MONITORING, 'prometheus'), config, { recursive: true });
    const main = yaml.load(fs.readFileSync(path.join(config, 'prometheus.yml'), 'utf8')) as {
      global: Record<string, string>;
    };
    main.global.scrape_interval = `${options.intervalSeconds}s`;
    main.global.scrape_timeout = `${options.intervalSeconds}s`;
    main.global.evaluation_interval = `${options.intervalSeconds}s`;
    fs.writeFileSync(path.join(config, 'prometheus.yml'), yaml.dump(main));
    fs.writeFileSync(path.join(config, 'targets', 'api.yml'), yaml.dump([{ targets: options.apiTargets }]));
    fs.chmodSync(this.dir, 0o755);
    const grafanaPassword = path.join(this.dir, 'grafana_admin_password');
    fs.writeFileSync(grafanaPassword, 'not-used-grafana-does-not-run-here');
    const env: Record<string, string> = {
      MONITORING_BIND_ADDRESS: '127.0.0.1',
      MONITORING_PROMETHEUS_PORT: String(this.prometheusPort),
      MONITORING_GRAFANA_PORT: String(await freePort()),
      MONITORING_PROMETHEUS_RETENTION_TIME: '1d',
      MONITORING_PROMETHEUS_RETENTION_SIZE: '256MB',
      MONITORING_PROMETHEUS_MEMORY: '384M',
      MONITORING_NODE_EXPORTER_MEMORY: '64M',
      MONITORING_POSTGRES_EXPORTER_MEMORY: '64M',
      MONITORING_GRAFANA_MEMORY: '256M',
      MONITORING_TEXTFILE_DIR: options.textfileDir,
      MONITORING_DB_PASSWORD_FILE: options.dbPasswordFile,
      MONITORING_GRAFANA_ADMIN_PASSWORD_FILE: grafanaPassword,
      MONITORING_EDGE_NETWORK: options.edgeNetwork,
      MONITORING_BACKEND_NETWORK: options.backendNetwork,
    };
    fs.writeFileSync(
      path.join(this.dir, '.env'),
      Object.entries(env)
        .map(([k, v]) => `${k}=${v}\n`)
        .join(''),
    );
    fs.writeFileSync(
      path.join(this.dir, 'compose.override.yaml'),
      yaml.dump({
        services: {
          prometheus: { volumes: [`${config}:/etc/prometheus:ro`, 'prometheus-data:/prometheus'] },
        },
      }),
    );
    this.compose([
      'up',
      '--detach',
      '--wait',
      '--wait-timeout',
      '120',
      'prometheus',
      'node-exporter',
      'postgres-exporter',
    ]);
  }

  down(): void {
    try {
      this.compose(['down', '--volumes', '--remove-orphans', '--timeout', '5']);
    } finally {
      fs.rmSync(this.dir, { recursive: true, force: true });
    }
  }
}
