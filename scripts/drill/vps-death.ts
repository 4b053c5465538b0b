/**
 * VPS death: the whole host is lost. A second bare host (the off-site host, SLIPWAY_DRILL_OFFSITE_HOST, default
 * vps42, made for the drill and removed after it) holds the off-site copies; the drill's backup goes there through slipway-backup.service. Then the
 * VPS is destroyed and made again from scratch with one command (`scripts/sandbox/host recreate`: empty disk, new
 * host key), bootstrapped by setup-vps.sh, given the backup tools and settings by backup.yml, restored with
 * `restore-db.sh --from-offsite latest` (cold: no stack yet), and the last good release is deployed again from
 * the registry with the ssh-deploy bundle. Rows written after the backup are lost, as the RPO allows.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readSandboxEnv, repoRoot, run, sandboxVar } from '../../tests/sandbox/sandbox-env.js';
import type { DrillContext } from './drills.js';
import type { DrillResult } from './report.js';
import {
  asRootOnVps,
  backupThroughSystemd,
  deploy,
  documentCount,
  health,
  installTools,
  psql,
  restoreCommand,
  search,
  tool,
  until,
  vectorCount,
} from './vps.js';

const hostCommand = path.join(repoRoot, 'scripts/sandbox/host');
const OFFSITE_DIR = '/srv/offsite';
const KEY_ON_VPS = '/etc/slipway/offsite_ed25519';
const KNOWN_ON_VPS = '/etc/slipway/offsite_known_hosts';

function host(args: string[], timeoutMs = 900_000): string {
  const r = run(hostCommand, args, { timeoutMs });
  if (r.status !== 0)
    throw new Error(`scripts/sandbox/host ${args.join(' ')} failed: ${r.stderr.slice(-1500)}`);
  return r.stdout;
}

function must(r: { status: number | null; stderr: string }, what: string): void {
  if (r.status !== 0) throw new Error(`${what} failed: ${r.stderr.slice(-800)}`);
}

/**
 * setup-vps.sh on the new host over SSH as root, as on a new server. The sandbox's own VPS goes through
 * scripts/sandbox/up, which does exactly that and records it (the next `up` then reruns it through the
 * console, root's SSH login being gone); another host through `scripts/sandbox/host setup`.
 */
function bootstrap(vps: string): void {
  if (vps !== readSandboxEnv().SLIPWAY_VPS_NAME) {
    host(['setup', vps]);
    return;
  }
  const r = run(path.join(repoRoot, 'scripts/sandbox/up'), [], { timeoutMs: 900_000 });
  if (r.status !== 0) throw new Error(`scripts/sandbox/up failed: ${(r.stderr + r.stdout).slice(-1500)}`);
}

/** The off-site host: a bare host set up by setup-vps.sh whose deploy user also accepts the drill's key. */
function offsiteHost(name: string, publicKey: string): { target: string; knownHosts: string } {
  host(['create', name]);
  host(['setup', name, '--via', 'console']);
  const env = readSandboxEnv();
  const key = (field: string) => env[`SLIPWAY_HOST_${name.toUpperCase()}_${field}`]!;
  const allow = run('docker', ['exec', '-i', key('CONSOLE'), 'bash', '-s'], {
    input: [
      `install -d -m 0700 -o deploy -g deploy ${OFFSITE_DIR}`,
      `grep -qxF '${publicKey}' /home/deploy/.ssh/authorized_keys || echo '${publicKey}' >>/home/deploy/.ssh/authorized_keys`,
    ].join('\n'),
  });
  must(allow, `letting the drill's key in on ${name}`);
  return {
    target: `deploy@${key('ADDR')}:${OFFSITE_DIR}`,
    knownHosts: fs.readFileSync(key('KNOWN_HOSTS'), 'utf8'),
  };
}

/** The off-site settings on the VPS: the key (the deploy user's, 0600) and the pinned host key, then backup.yml. */
function installWithOffsite(privateKey: string, offsite: { target: string; knownHosts: string }): void {
  const put = (file: string, content: string, owner: string, mode: string) =>
    must(
      asRootOnVps(
        `install -d -m 0755 /etc/slipway && umask 077 && cat >${file} <<'SLIPWAY_DRILL'\n${content.trim()}\nSLIPWAY_DRILL\nchown ${owner} ${file} && chmod ${mode} ${file}`,
      ),
      `writing ${file}`,
    );
  put(KEY_ON_VPS, privateKey, 'deploy:deploy', '0600');
  put(KNOWN_ON_VPS, offsite.knownHosts, 'root:deploy', '0644');
  installTools({
    backup_offsite: offsite.target,
    backup_offsite_key: KEY_ON_VPS,
    backup_offsite_known_hosts: KNOWN_ON_VPS,
  });
}

export async function vpsDeath(ctx: DrillContext): Promise<DrillResult> {
  const name = 'vps-death';
  const offsiteName = process.env.SLIPWAY_DRILL_OFFSITE_HOST ?? 'vps42';
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'slipway-drill-offsite-'));
  try {
    const keyFile = path.join(scratch, 'offsite_ed25519');
    must(
      run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'slipway-drill-offsite', '-f', keyFile]),
      'ssh-keygen',
    );
    const privateKey = fs.readFileSync(keyFile, 'utf8');
    const offsite = offsiteHost(offsiteName, fs.readFileSync(`${keyFile}.pub`, 'utf8').trim());
    installWithOffsite(privateKey, offsite);
    const takenAt = Date.now();
    const backup = backupThroughSystemd();
    if (backup.status !== 0 || backup.result?.ok !== true || !backup.result.offsite)
      throw new Error(`the backup with its off-site copy failed:\n${backup.journal.slice(-1500)}`);
    const atBackup = documentCount();
    const vectorsAtBackup = vectorCount();
    const after = 2;
    for (let i = 0; i < after; i++)
      psql(
        `INSERT INTO documents (id, title, body, content_sha256) VALUES ('drill-lost-with-the-vps-${i}', 'late', 'after the backup', 'x')`,
      );

    const vps = sandboxVar('SLIPWAY_VPS_NAME');
    const fault = Date.now();
    host(['recreate', vps]);
    bootstrap(vps);
    installWithOffsite(privateKey, offsite);
    const restored = tool(restoreCommand('--from-offsite latest'));
    if (restored.status !== 0)
      throw new Error(
        `restore-db.sh --from-offsite failed: ${restored.stderr.trim().split('\n').slice(-3).join(' ')}`,
      );
    const redeploy = await deploy('drill-good', ctx.images.good!);
    if (redeploy.status !== 0)
      throw new Error(`redeploying the last good release failed:\n${redeploy.output.slice(-1500)}`);
    await until('the service healthy on the new host', 300, async () => (await health()).overall === 'ok');
    const rto = (Date.now() - fault) / 1000;
    const rows = documentCount();
    const vectors = vectorCount();
    const hits = await search('blue green deploy');
    return {
      name,
      ok: rows === atBackup && vectors === vectorsAtBackup && hits.ids.length > 0,
      rtoSeconds: rto,
      rpoSeconds: (fault - takenAt) / 1000,
      dataLostRows: atBackup + after - rows,
      detail:
        `${vps} destroyed and recreated, set up by setup-vps.sh and backup.yml; ${String(restored.result?.backup ?? '?')} ` +
        `restored from ${offsite.target}: ${rows} documents and ${vectors} vectors as at the backup; the ${after} rows ` +
        `written after it are lost, as the RPO allows; release drill-good deployed again and serving`,
    };
  } catch (err) {
    return {
      name,
      ok: false,
      rtoSeconds: -1,
      rpoSeconds: 0,
      dataLostRows: -1,
      detail: (err as Error).message,
    };
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
    // The off-site host is the drill's own: removed whatever happened, and the VPS's settings no longer name it.
    run(hostCommand, ['destroy', offsiteName], { timeoutMs: 300_000 });
    try {
      asRootOnVps(`rm -f ${KEY_ON_VPS} ${KNOWN_ON_VPS}`);
      installTools();
    } catch {
      // the drill's result already says what failed
    }
  }
}
