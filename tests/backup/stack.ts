// An isolated copy of the VPS's infra project on the host engine for the backup tests: docker/compose.release.yaml
// (profile infra: postgres, chroma) as its own compose project with its own networks, an app dir laid out as the
// deploy engine makes it (state/, shared/secrets/db_password), the reference service's real migrate, scrape and
// embed to fill it, and backup-db.sh / restore-db.sh run against it the way the systemd unit runs them.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot, run, type RunResult } from '../sandbox/sandbox-env.js';

export const BACKUP_SCRIPT = path.join(repoRoot, 'infra', 'scripts', 'backup-db.sh');
export const RESTORE_SCRIPT = path.join(repoRoot, 'infra', 'scripts', 'restore-db.sh');
const RELEASE_COMPOSE = path.join(repoRoot, 'docker', 'compose.release.yaml');
/** The service image, built once per content of the service and its Dockerfile (the build cache does the rest). */
export const API_IMAGE = 'backup-it/api:test';

export function must(
  cmd: string,
  args: string[],
  options: { input?: string; timeoutMs?: number } = {},
): string {
  const r = run(cmd, args, { timeoutMs: 600_000, ...options });
  if (r.status !== 0) {
    throw new Error(
      `${cmd} ${args.slice(0, 6).join(' ')} failed (${r.status}):\n${(r.stderr + r.stdout).trim().slice(-2000)}`,
    );
  }
  return r.stdout;
}

/** The JSON of the last `SLIPWAY_RESULT {json}` line, or undefined. */
export function resultOf(stdout: string): Record<string, unknown> | undefined {
  const line = stdout
    .split('\n')
    .filter((l) => l.startsWith('SLIPWAY_RESULT '))
    .pop();
  return line ? (JSON.parse(line.slice(15)) as Record<string, unknown>) : undefined;
}

export function buildApiImage(): void {
  must('docker', [
    'build',
    '--network',
    'host',
    '-q',
    '-f',
    path.join(repoRoot, 'docker', 'service.Dockerfile'),
    '-t',
    API_IMAGE,
    path.join(repoRoot, 'service'),
  ]);
}

export interface Manifest {
  name: string;
  created: string;
  release: string;
  verified: boolean;
  tools: Record<string, string | null>;
  files: { name: string; bytes: number; sha256: string }[];
  bytes: number;
  encryption: { tool: string; plaintext: { name: string; sha256: string }[] } | null;
  postgres: {
    database: string;
    volume: string;
    stats: { tables: Record<string, { rows: number; checksum: string }>; knownQuery: { result: string } };
  };
  chroma: {
    volume: string;
    apiVersion: string;
    stats: Record<string, { count: number; probe: string | null; neighbours: string[] }>;
  };
  verification: { postgres: { restoreSeconds: number }; chroma: { restoreSeconds: number } };
  durations: Record<string, number>;
}

export interface ScriptRun extends RunResult {
  result: Record<string, unknown> | undefined;
}

export class Stack {
  readonly project: string;
  readonly appDir: string;
  readonly backupDir: string;
  private readonly override: string;
  readonly env: Record<string, string>;

  constructor(readonly name = `backup-it-${randomBytes(3).toString('hex')}`) {
    this.project = `${name}-infra`;
    const base = fs.mkdtempSync(path.join(os.tmpdir(), `${name}-`));
    this.appDir = path.join(base, 'app');
    this.backupDir = path.join(base, 'backups');
    fs.mkdirSync(path.join(this.appDir, 'shared', 'secrets'), { recursive: true, mode: 0o700 });
    fs.writeFileSync(
      path.join(this.appDir, 'shared', 'secrets', 'db_password'),
      randomBytes(18).toString('hex'),
      {
        mode: 0o644,
      },
    );
    this.override = path.join(base, 'compose.networks.yaml');
    fs.writeFileSync(
      this.override,
      `networks:\n  edge:\n    name: ${name}-edge\n  backend:\n    name: ${name}-backend\n`,
    );
    this.env = {
      SLIPWAY_INFRA_PROJECT: this.project,
      SLIPWAY_APP_DIR: this.appDir,
      SLIPWAY_BACKUP_DIR: this.backupDir,
      SLIPWAY_TEXTFILE_DIR: path.join(this.appDir, 'metrics'),
    };
  }

  compose(args: string[], extraEnv: Record<string, string> = {}, timeoutMs = 600_000): string {
    const r = run(
      'docker',
      ['compose', '-p', this.project, '-f', RELEASE_COMPOSE, '-f', this.override, ...args],
      {
        env: {
          ...process.env,
          SLIPWAY_SHARED_DIR: path.join(this.appDir, 'shared'),
          SLIPWAY_API_IMAGE: API_IMAGE,
          ...extraEnv,
        },
        timeoutMs,
      },
    );
    if (r.status !== 0) {
      const why = r.status === null ? `killed after ${timeoutMs / 1000} s` : `exit ${r.status}`;
      throw new Error(`compose ${args.join(' ')} failed (${why}):\n${(r.stderr + r.stdout).slice(-2000)}`);
    }
    return r.stdout;
  }

  up(): void {
    for (const [net, internal] of [
      [`${this.name}-edge`, false],
      [`${this.name}-backend`, true],
    ] as const) {
      if (run('docker', ['network', 'inspect', net]).status !== 0) {
        must('docker', ['network', 'create', ...(internal ? ['--internal'] : []), net]);
      }
    }
    this.compose(['--profile', 'infra', 'up', '-d', '--wait', '--pull', 'never', 'postgres', 'chroma']);
  }

  /** The reference service's own commands against this stack: migrate, scrape, embed (or anything else). */
  service(command: string, timeoutMs = 600_000): string {
    return this.compose(
      [
        '--profile',
        'migrate',
        'run',
        '--rm',
        '--no-deps',
        '-e',
        'CHROMA_URL=http://chroma:8000',
        // A batch upsert on a busy two-core machine can take longer than the api's 2 s budget for a query.
        '-e',
        'CHROMA_TIMEOUT_MS=60000',
        'migrate',
        command,
      ],
      {},
      timeoutMs,
    );
  }

  container(service: 'postgres' | 'chroma'): string {
    return must('docker', [
      'ps',
      '-aq',
      '--filter',
      `label=com.docker.compose.project=${this.project}`,
      '--filter',
      `label=com.docker.compose.service=${service}`,
    ]).trim();
  }

  psql(sql: string): string {
    return must(
      'docker',
      [
        'exec',
        '-i',
        this.container('postgres'),
        'psql',
        '-X',
        '-q',
        '-A',
        '-t',
        '-U',
        'slipway',
        '-d',
        'slipway',
      ],
      {
        input: sql,
      },
    ).trim();
  }

  /** Chroma's own API, through the curl of its image (the server publishes no port). */
  chroma(apiPath: string, body?: unknown): unknown {
    const args = ['exec', '-i', this.container('chroma'), 'curl', '-fsS'];
    if (body !== undefined)
      args.push('-X', 'POST', '-H', 'content-type: application/json', '--data-binary', '@-');
    args.push(`http://127.0.0.1:8000/api/v2/tenants/default_tenant/databases/default_database${apiPath}`);
    return JSON.parse(
      must('docker', args, { input: body === undefined ? '' : JSON.stringify(body) }),
    ) as unknown;
  }

  /** Vector count of every collection, keyed as the manifest keys them. */
  vectorCounts(): Record<string, number> {
    const collections = this.chroma('/collections') as { id: string; name: string }[];
    return Object.fromEntries(
      collections.map((c) => [
        `default_database/${c.name}`,
        this.chroma(`/collections/${c.id}/count`) as number,
      ]),
    );
  }

  rowCounts(): Record<string, number> {
    const tables = this.psql(
      "SELECT string_agg(schemaname || '.' || relname, ' ') FROM pg_stat_user_tables",
    ).split(' ');
    return Object.fromEntries(tables.map((t) => [t, Number(this.psql(`SELECT count(*) FROM ${t}`))]));
  }

  script(which: 'backup' | 'restore', args: string[], env: Record<string, string> = {}): ScriptRun {
    const r = run(which === 'backup' ? BACKUP_SCRIPT : RESTORE_SCRIPT, ['--config', '/dev/null', ...args], {
      env: { ...process.env, ...this.env, ...env },
      timeoutMs: 900_000,
    });
    return { ...r, result: resultOf(r.stdout) };
  }

  backups(): string[] {
    if (!fs.existsSync(this.backupDir)) return [];
    return fs.readdirSync(this.backupDir).sort();
  }

  manifest(name: string): Manifest {
    return JSON.parse(fs.readFileSync(path.join(this.backupDir, name, 'manifest.json'), 'utf8')) as Manifest;
  }

  /** Removes everything this stack made: containers and volumes, networks, its folders, throwaways left by a run. */
  down(): void {
    run(
      'docker',
      [
        'compose',
        '-p',
        this.project,
        '-f',
        RELEASE_COMPOSE,
        '-f',
        this.override,
        '--profile',
        'infra',
        'down',
        '-v',
        '-t',
        '5',
      ],
      {
        env: { ...process.env, SLIPWAY_SHARED_DIR: path.join(this.appDir, 'shared') },
      },
    );
    for (const net of [`${this.name}-edge`, `${this.name}-backend`]) run('docker', ['network', 'rm', net]);
    fs.rmSync(path.dirname(this.appDir), { recursive: true, force: true });
  }
}
