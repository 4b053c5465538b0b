// A throwaway PostgreSQL cluster for integration tests: initdb in a temp dir, a random loopback port, scram
// authentication with a generated password. PostgreSQL refuses to run as root, so as root it runs as `postgres`.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './processes.js';

export interface TestPostgres {
  host: string;
  port: number;
  user: string;
  password: string;
  passwordFile: string;
  database: string;
  stop: () => void;
}

function binDir(): string {
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root).sort((a, b) => Number(b) - Number(a));
    for (const v of versions) if (existsSync(join(root, v, 'bin', 'initdb'))) return join(root, v, 'bin');
  }
  return '';
}

function postgresUser(): { uid: number; gid: number } | null {
  if (process.getuid?.() !== 0) return null;
  const id = (flag: string): number => Number(execFileSync('id', [flag, 'postgres']).toString().trim());
  return { uid: id('-u'), gid: id('-g') };
}

export async function startPostgres(): Promise<TestPostgres> {
  const bin = binDir();
  const tool = (name: string): string => (bin ? join(bin, name) : name);
  const owner = postgresUser();
  const asOwner = (argv: string[]): void => {
    const full = owner ? ['runuser', '-u', 'postgres', '--', ...argv] : argv;
    execFileSync(full[0]!, full.slice(1), { stdio: 'pipe' });
  };

  const dir = mkdtempSync(join(tmpdir(), 'slipway-pg-'));
  chmodSync(dir, 0o755);
  const password = randomBytes(18).toString('base64url');
  const pwfile = join(dir, 'pwfile');
  writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
  if (owner) {
    chownSync(dir, owner.uid, owner.gid);
    chownSync(pwfile, owner.uid, owner.gid);
  }
  const data = join(dir, 'data');
  asOwner([
    tool('initdb'),
    '-D',
    data,
    '-U',
    'slipway',
    `--pwfile=${pwfile}`,
    '--auth=scram-sha-256',
    '-E',
    'UTF8',
    '--locale=C',
  ]);
  const port = await freePort();
  asOwner([
    tool('pg_ctl'),
    '-D',
    data,
    '-l',
    join(dir, 'postgres.log'),
    '-w',
    '-o',
    `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`,
    'start',
  ]);
  const stop = (): void => {
    try {
      asOwner([tool('pg_ctl'), '-D', data, '-m', 'immediate', '-w', 'stop']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  return {
    host: '127.0.0.1',
    port,
    user: 'slipway',
    password,
    passwordFile: pwfile,
    database: 'postgres',
    stop,
  };
}
