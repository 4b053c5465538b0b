// Configuration comes only from the environment and is validated once, at start, per command.
// Every problem is collected and reported together as `<VARIABLE>: <why>. <what to do>`; secret values are never
// quoted back. Parsers are pure: they take the environment and a file reader, so tests need no real process.
import { isLogLevel, type LogLevel } from './log.js';

export type Env = Readonly<Record<string, string | undefined>>;
export type ReadTextFile = (path: string) => string;

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

export interface CommonConfig {
  production: boolean;
  logLevel: LogLevel;
}

export interface DatabaseConfig {
  host: string;
  port: number;
  database: string;
  user: string;
  password: string;
  poolMax: number;
  connectTimeoutMs: number;
}

export interface BuildInfo {
  /** The deploy engine's release id (RELEASE_ID), so metrics and logs name the release that served. */
  releaseId: string;
  version: string;
  gitSha: string;
  buildDate: string;
  imageDigest: string | null;
}

export interface ChromaConfig {
  url: string;
  collection: string;
  timeoutMs: number;
}

export interface ApiConfig {
  host: string;
  port: number;
  /** The proxy's health check port: 200 while in rotation, 503 otherwise (rotation.ts). */
  rotationPort: number;
  /** The deploy engine's rotation file (`in` or `out`); '' when the instance is always in rotation. */
  rotationFile: string;
  /** How long a search's database read retries while PostgreSQL restarts (db.ts readWithRetry); 0: never. */
  dbReadRetryMs: number;
  dataDir: string;
  diskMinFreeBytes: number;
  healthTimeoutMs: number;
  drainMs: number;
  shutdownTimeoutMs: number;
}

/** The internal listener: /metrics and the detailed health report, on a port the proxy never publishes. */
export interface InternalConfig {
  host: string;
  port: number;
  metricsEnabled: boolean;
}

export interface Parsed<T> {
  config: T;
  warnings: string[];
}

interface IntRule {
  fallback?: number;
  min: number;
  max: number;
  hint: string;
}

/** Reads variables and records every problem instead of stopping at the first one. */
class EnvReader {
  readonly problems: string[] = [];
  constructor(private readonly env: Env) {}

  has(name: string): boolean {
    return (this.env[name] ?? '').trim() !== '';
  }

  text(name: string, fallback: string | undefined, hint: string): string {
    const raw = this.env[name]?.trim();
    if (raw) return raw;
    if (fallback !== undefined) return fallback;
    this.problems.push(`${name}: is not set. ${hint}`);
    return '';
  }

  int(name: string, rule: IntRule): number {
    const raw = this.env[name]?.trim();
    if (!raw) {
      if (rule.fallback !== undefined) return rule.fallback;
      this.problems.push(`${name}: is not set. ${rule.hint}`);
      return 0;
    }
    const value = Number(raw);
    if (!/^-?\d+$/.test(raw) || value < rule.min || value > rule.max) {
      this.problems.push(`${name}: "${raw}" is not an integer from ${rule.min} to ${rule.max}. ${rule.hint}`);
      return rule.fallback ?? 0;
    }
    return value;
  }

  bool(name: string, fallback: boolean, hint: string): boolean {
    const raw = this.env[name]?.trim().toLowerCase();
    if (!raw) return fallback;
    if (raw === 'true' || raw === '1') return true;
    if (raw === 'false' || raw === '0') return false;
    this.problems.push(`${name}: "${raw}" is not a boolean. ${hint}`);
    return fallback;
  }

  httpUrl(name: string, hint: string): string {
    const raw = this.text(name, undefined, hint);
    if (!raw) return '';
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      this.problems.push(`${name}: "${raw}" is not a URL. ${hint}`);
      return '';
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      this.problems.push(`${name}: "${raw}" must use http or https. ${hint}`);
      return '';
    }
    return url.toString().replace(/\/+$/, '');
  }

  done<T>(config: T, warnings: string[] = []): Parsed<T> {
    if (this.problems.length > 0) throw new ConfigError(this.problems);
    return { config, warnings };
  }
}

const PORT_RANGE = { min: 1, max: 65535 };

export function parseCommon(env: Env): CommonConfig {
  const r = new EnvReader(env);
  const level = r.text('LOG_LEVEL', 'info', '');
  if (!isLogLevel(level)) {
    r.problems.push(`LOG_LEVEL: "${level}" is not a level. Use debug, info, warn or error.`);
  }
  return r.done({ production: env.NODE_ENV === 'production', logLevel: isLogLevel(level) ? level : 'info' })
    .config;
}

export function parseDatabase(env: Env, readFile: ReadTextFile): Parsed<DatabaseConfig> {
  const r = new EnvReader(env);
  const warnings: string[] = [];
  const production = env.NODE_ENV === 'production';
  const host = r.text('DATABASE_HOST', undefined, 'Set it to the PostgreSQL host name, e.g. postgres.');
  const port = r.int('DATABASE_PORT', { fallback: 5432, ...PORT_RANGE, hint: 'Set the PostgreSQL port.' });
  const database = r.text('DATABASE_NAME', 'slipway', '');
  const user = r.text('DATABASE_USER', 'slipway', '');
  const poolMax = r.int('DATABASE_POOL_MAX', { fallback: 10, min: 1, max: 100, hint: 'Size the pool.' });
  const connectTimeoutMs = r.int('DATABASE_CONNECT_TIMEOUT_MS', {
    fallback: 2000,
    min: 100,
    max: 60_000,
    hint: 'Give a connect timeout in milliseconds.',
  });

  let password = '';
  if (r.has('DATABASE_PASSWORD_FILE')) {
    const path = env.DATABASE_PASSWORD_FILE!.trim();
    try {
      password = readFile(path).replace(/\r?\n$/, '');
      if (password === '')
        r.problems.push(`DATABASE_PASSWORD_FILE: "${path}" is empty. Write the password into it.`);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
      r.problems.push(
        `DATABASE_PASSWORD_FILE: cannot read "${path}" (${code}). Mount the secret file or fix the path.`,
      );
    }
    if (r.has('DATABASE_PASSWORD')) {
      warnings.push('DATABASE_PASSWORD is ignored because DATABASE_PASSWORD_FILE is set. Remove it.');
    }
  } else if (r.has('DATABASE_PASSWORD')) {
    if (production) {
      r.problems.push(
        'DATABASE_PASSWORD: a plain password variable is refused when NODE_ENV=production. ' +
          'Mount the password as a secret file and set DATABASE_PASSWORD_FILE to its path.',
      );
    } else {
      password = env.DATABASE_PASSWORD!;
      warnings.push(
        'DATABASE_PASSWORD is set as a plain variable; this is accepted only outside production. ' +
          'Use DATABASE_PASSWORD_FILE.',
      );
    }
  } else {
    r.problems.push('DATABASE_PASSWORD_FILE: is not set. Point it at a file holding the database password.');
  }
  return r.done({ host, port, database, user, password, poolMax, connectTimeoutMs }, warnings);
}

export function parseBuildInfo(env: Env): BuildInfo {
  return {
    releaseId: env.RELEASE_ID?.trim() || 'unknown',
    version: env.APP_VERSION?.trim() || '0.0.0-dev',
    gitSha: env.GIT_SHA?.trim() || 'unknown',
    buildDate: env.BUILD_DATE?.trim() || 'unknown',
    imageDigest: env.IMAGE_DIGEST?.trim() || null,
  };
}

/** Chroma's collection-name rule (3-512 of [a-zA-Z0-9._-], alphanumeric at both ends), narrowed to lowercase. */
const COLLECTION_NAME = /^[a-z0-9][a-z0-9._-]{1,61}[a-z0-9]$/;

export function parseChroma(env: Env): ChromaConfig {
  const r = new EnvReader(env);
  const hint = 'Set it to the ChromaDB server, e.g. http://chroma:8000.';
  const url = r.httpUrl('CHROMA_URL', hint);
  // The chromadb client takes host, port and ssl only: a path, query or fragment would be silently dropped.
  const parsed = url ? new URL(url) : null;
  if (parsed && (parsed.pathname !== '/' || parsed.search || parsed.hash)) {
    r.problems.push(`CHROMA_URL: "${url}" has a path or query; Chroma serves at the root. ${hint}`);
  }
  const collection = r.text('CHROMA_COLLECTION', 'documents', '');
  if (!COLLECTION_NAME.test(collection) || collection.includes('..')) {
    r.problems.push(
      `CHROMA_COLLECTION: "${collection.slice(0, 80)}" is not a valid name. ` +
        'Use 3 to 63 lowercase letters, digits, ".", "-" and "_", starting and ending with a letter or digit.',
    );
  }
  const timeoutMs = r.int('CHROMA_TIMEOUT_MS', {
    fallback: 2000,
    min: 50,
    max: 60_000,
    hint: 'Give a request timeout in milliseconds.',
  });
  return r.done({ url, collection, timeoutMs }).config;
}

export function parseApi(env: Env, defaultDataDir: string): ApiConfig {
  const r = new EnvReader(env);
  const config: ApiConfig = {
    host: r.text('HOST', '0.0.0.0', ''),
    port: r.int('PORT', { fallback: 8080, ...PORT_RANGE, hint: 'Set the port the API listens on.' }),
    rotationPort: r.int('ROTATION_PORT', {
      fallback: 8082,
      ...PORT_RANGE,
      hint: "Set the port the proxy's health check asks whether this instance is in rotation.",
    }),
    rotationFile: r.text('ROTATION_FILE', '', ''),
    dbReadRetryMs: r.int('DATABASE_READ_RETRY_MS', {
      fallback: 5000,
      min: 0,
      max: 60_000,
      hint: 'Give how long a read may wait for PostgreSQL to come back, in milliseconds (0: fail at once).',
    }),
    dataDir: r.text('DATA_DIR', defaultDataDir, ''),
    diskMinFreeBytes:
      r.int('DISK_MIN_FREE_MB', { fallback: 512, min: 0, max: 10_000_000, hint: 'Give megabytes.' }) *
      1024 *
      1024,
    healthTimeoutMs: r.int('HEALTH_CHECK_TIMEOUT_MS', {
      fallback: 1000,
      min: 50,
      max: 30_000,
      hint: 'Give the per-check timeout in milliseconds.',
    }),
    drainMs:
      r.int('DRAIN_SECONDS', { fallback: 3, min: 0, max: 300, hint: 'Give the drain period in seconds.' }) *
      1000,
    shutdownTimeoutMs:
      r.int('SHUTDOWN_TIMEOUT_SECONDS', {
        fallback: 10,
        min: 1,
        max: 600,
        hint: 'Give how long to wait for in-flight requests, in seconds.',
      }) * 1000,
  };
  return r.done(config).config;
}

/** INTERNAL_HOST, INTERNAL_PORT (default 9464) and METRICS_ENABLED (default true) of `serve`. */
export function parseInternal(env: Env, apiPort: number): InternalConfig {
  const r = new EnvReader(env);
  const config: InternalConfig = {
    host: r.text('INTERNAL_HOST', '0.0.0.0', ''),
    port: r.int('INTERNAL_PORT', {
      fallback: 9464,
      ...PORT_RANGE,
      hint: 'Set the port of the internal listener (metrics, detailed health).',
    }),
    metricsEnabled: r.bool('METRICS_ENABLED', true, 'Use true or false.'),
  };
  if (config.port === apiPort) {
    r.problems.push(
      `INTERNAL_PORT: ${config.port} is also PORT. Give the internal listener its own port, e.g. 9464.`,
    );
  }
  return r.done(config).config;
}
