import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  parseApi,
  parseBuildInfo,
  parseCommon,
  parseChroma,
  parseDatabase,
  parseInternal,
  type Env,
  type ReadTextFile,
} from '../src/config.js';

const files: Record<string, string> = {
  '/run/secrets/db': 's3cret-from-file\n',
  '/run/secrets/empty': '',
};
const readFile: ReadTextFile = (path) => {
  const content = files[path];
  if (content === undefined) throw Object.assign(new Error('nope'), { code: 'ENOENT' });
  return content;
};

function problems(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return [...err.problems];
    throw err;
  }
  return [];
}

describe('parseDatabase', () => {
  const base: Env = { DATABASE_HOST: 'postgres', DATABASE_PASSWORD_FILE: '/run/secrets/db' };

  it.each<[string, Env, Partial<ReturnType<typeof parseDatabase>['config']>]>([
    ['defaults', base, { host: 'postgres', port: 5432, database: 'slipway', user: 'slipway', poolMax: 10 }],
    ['password from file, trailing newline removed', base, { password: 's3cret-from-file' }],
    [
      'explicit values',
      { ...base, DATABASE_PORT: '5433', DATABASE_NAME: 'app', DATABASE_USER: 'u' },
      { port: 5433, database: 'app', user: 'u' },
    ],
    [
      'plain password outside production',
      { DATABASE_HOST: 'h', DATABASE_PASSWORD: 'pw', NODE_ENV: 'development' },
      { password: 'pw' },
    ],
  ])('%s', (_name, env, expected) => {
    expect(parseDatabase(env, readFile).config).toMatchObject(expected);
  });

  it('warns when a plain password is used outside production', () => {
    const { warnings } = parseDatabase({ DATABASE_HOST: 'h', DATABASE_PASSWORD: 'pw' }, readFile);
    expect(warnings).toEqual([expect.stringContaining('DATABASE_PASSWORD_FILE')]);
  });

  it('warns that the plain variable is ignored when both are set', () => {
    const { config, warnings } = parseDatabase({ ...base, DATABASE_PASSWORD: 'other' }, readFile);
    expect(config.password).toBe('s3cret-from-file');
    expect(warnings).toEqual([expect.stringContaining('ignored')]);
  });

  it.each<[string, Env, string[]]>([
    ['host missing', { DATABASE_PASSWORD_FILE: '/run/secrets/db' }, ['DATABASE_HOST: is not set.']],
    [
      'bad port',
      { ...base, DATABASE_PORT: '70000' },
      ['DATABASE_PORT: "70000" is not an integer from 1 to 65535.'],
    ],
    ['port not a number', { ...base, DATABASE_PORT: '54x' }, ['DATABASE_PORT: "54x" is not an integer']],
    ['no password at all', { DATABASE_HOST: 'h' }, ['DATABASE_PASSWORD_FILE: is not set.']],
    [
      'unreadable file',
      { DATABASE_HOST: 'h', DATABASE_PASSWORD_FILE: '/nope' },
      ['DATABASE_PASSWORD_FILE: cannot read "/nope" (ENOENT)'],
    ],
    ['empty file', { DATABASE_HOST: 'h', DATABASE_PASSWORD_FILE: '/run/secrets/empty' }, ['is empty']],
    [
      'plain password in production',
      { DATABASE_HOST: 'h', DATABASE_PASSWORD: 'hunter2', NODE_ENV: 'production' },
      ['DATABASE_PASSWORD: a plain password variable is refused when NODE_ENV=production'],
    ],
    [
      'several problems at once',
      { DATABASE_PORT: '0' },
      ['DATABASE_HOST', 'DATABASE_PORT', 'DATABASE_PASSWORD_FILE'],
    ],
  ])('rejects: %s', (_name, env, expected) => {
    const found = problems(() => parseDatabase(env, readFile));
    expect(found).toHaveLength(expected.length);
    expected.forEach((fragment, i) => expect(found[i]).toContain(fragment));
  });

  it('never quotes a secret value in an error', () => {
    const found = problems(() =>
      parseDatabase({ DATABASE_HOST: 'h', DATABASE_PASSWORD: 'hunter2', NODE_ENV: 'production' }, readFile),
    );
    expect(found.join('\n')).not.toContain('hunter2');
  });
});

describe('parseApi', () => {
  it.each<[string, Env, Partial<ReturnType<typeof parseApi>>]>([
    [
      'defaults',
      {},
      {
        host: '0.0.0.0',
        port: 8080,
        dataDir: '/tmp',
        drainMs: 3000,
        healthTimeoutMs: 1000,
        shutdownTimeoutMs: 10_000,
      },
    ],
    ['drain seconds', { DRAIN_SECONDS: '0' }, { drainMs: 0 }],
    ['disk threshold in MB', { DISK_MIN_FREE_MB: '1' }, { diskMinFreeBytes: 1024 * 1024 }],
    ['data dir', { DATA_DIR: '/data' }, { dataDir: '/data' }],
  ])('%s', (_name, env, expected) => {
    expect(parseApi(env, '/tmp')).toMatchObject(expected);
  });

  it.each<[Env, string]>([
    [{ PORT: 'eighty' }, 'PORT: "eighty"'],
    [{ DRAIN_SECONDS: '-1' }, 'DRAIN_SECONDS: "-1"'],
    [{ HEALTH_CHECK_TIMEOUT_MS: '10' }, 'HEALTH_CHECK_TIMEOUT_MS: "10" is not an integer from 50'],
  ])('rejects %j', (env, fragment) => {
    expect(problems(() => parseApi(env, '/tmp'))[0]).toContain(fragment);
  });
});

describe('parseInternal', () => {
  it.each<[string, Env, ReturnType<typeof parseInternal>]>([
    ['defaults', {}, { host: '0.0.0.0', port: 9464, metricsEnabled: true }],
    [
      'explicit',
      { INTERNAL_HOST: '127.0.0.1', INTERNAL_PORT: '9999' },
      expect.objectContaining({ port: 9999 }),
    ],
    ['metrics off', { METRICS_ENABLED: 'false' }, expect.objectContaining({ metricsEnabled: false })],
    ['metrics off as 0', { METRICS_ENABLED: '0' }, expect.objectContaining({ metricsEnabled: false })],
    ['metrics on as TRUE', { METRICS_ENABLED: 'TRUE' }, expect.objectContaining({ metricsEnabled: true })],
  ])('%s', (_name, env, expected) => {
    expect(parseInternal(env, 8080)).toEqual(expected);
  });

  it.each<[Env, string]>([
    [{ INTERNAL_PORT: 'metrics' }, 'INTERNAL_PORT: "metrics" is not an integer from 1 to 65535'],
    [{ INTERNAL_PORT: '8080' }, 'INTERNAL_PORT: 8080 is also PORT'],
    [{ METRICS_ENABLED: 'yes please' }, 'METRICS_ENABLED: "yes please" is not a boolean. Use true or false.'],
  ])('rejects %j', (env, fragment) => {
    expect(problems(() => parseInternal(env, 8080))[0]).toContain(fragment);
  });
});

describe('parseChroma', () => {
  it.each<[Env, string | null]>([
    [{ CHROMA_URL: 'http://chroma:8000/' }, null],
    [{ CHROMA_URL: 'https://chroma.internal', CHROMA_COLLECTION: 'docs.v2_en-1' }, null],
    [{}, 'CHROMA_URL: is not set. Set it to the ChromaDB server, e.g. http://chroma:8000.'],
    [{ CHROMA_URL: 'chroma:8000' }, 'must use http or https'],
    [{ CHROMA_URL: 'not a url' }, 'is not a URL'],
    [
      { CHROMA_URL: 'http://chroma:8000/api/v2' },
      'CHROMA_URL: "http://chroma:8000/api/v2" has a path or query',
    ],
    [{ CHROMA_URL: 'http://chroma:8000/?tenant=x' }, 'has a path or query'],
    [
      { CHROMA_URL: 'http://c', CHROMA_COLLECTION: 'Bad Name' },
      'CHROMA_COLLECTION: "Bad Name" is not a valid',
    ],
    [{ CHROMA_URL: 'http://c', CHROMA_COLLECTION: 'ab' }, 'CHROMA_COLLECTION: "ab"'],
    [{ CHROMA_URL: 'http://c', CHROMA_COLLECTION: 'docs-' }, 'CHROMA_COLLECTION: "docs-"'],
    [{ CHROMA_URL: 'http://c', CHROMA_COLLECTION: 'a..b' }, 'CHROMA_COLLECTION: "a..b"'],
    [
      { CHROMA_URL: 'http://c', CHROMA_TIMEOUT_MS: '10' },
      'CHROMA_TIMEOUT_MS: "10" is not an integer from 50',
    ],
  ])('%j', (env, fragment) => {
    const found = problems(() => parseChroma(env));
    if (fragment === null) expect(found).toEqual([]);
    else expect(found[0]).toContain(fragment);
  });

  it('strips the trailing slash and applies defaults', () => {
    expect(parseChroma({ CHROMA_URL: 'http://chroma:8000/' })).toEqual({
      url: 'http://chroma:8000',
      collection: 'documents',
      timeoutMs: 2000,
    });
  });
});

describe('parseCommon, parseBuildInfo', () => {
  it.each<[Env, ReturnType<typeof parseCommon> | string]>([
    [{}, { production: false, logLevel: 'info' }],
    [
      { NODE_ENV: 'production', LOG_LEVEL: 'warn' },
      { production: true, logLevel: 'warn' },
    ],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL: "loud" is not a level'],
  ])('common %j', (env, expected) => {
    if (typeof expected === 'string') expect(problems(() => parseCommon(env))[0]).toContain(expected);
    else expect(parseCommon(env)).toEqual(expected);
  });

  it('build info falls back to unknown values', () => {
    expect(parseBuildInfo({})).toEqual({
      releaseId: 'unknown',
      version: '0.0.0-dev',
      gitSha: 'unknown',
      buildDate: 'unknown',
      imageDigest: null,
    });
    expect(
      parseBuildInfo({ RELEASE_ID: 'r1', APP_VERSION: '1.2.3', GIT_SHA: 'abc', IMAGE_DIGEST: 'sha256:x' }),
    ).toMatchObject({
      releaseId: 'r1',
      version: '1.2.3',
      gitSha: 'abc',
      imageDigest: 'sha256:x',
    });
  });
});
