/**
 * The disaster-recovery drills of docs/DISASTER_RECOVERY.md, each run against the sandbox VPS with the commands
 * the document gives an operator. A drill injects its fault, recovers, and measures:
 *   rtoSeconds    from the fault until the service answers correctly again (through the VPS's proxy);
 *   rpoSeconds    the age of the data recovery went back to (0 when nothing was restored from a backup);
 *   dataLostRows  rows (or vectors) that existed before the fault and not after: 0, except rows written after
 *                 the backup a restore went back to, which the RPO allows (the detail says how many).
 * A drill returns ok=false (never throws) when recovery did not bring the service back as it should.
 */
import { startLoad } from '../../tests/deploy/harness.js';
import type { DrillResult } from './report.js';
import {
  APP_DIR,
  crash,
  deploy,
  documentCount,
  health,
  infraContainer,
  liveApiContainer,
  liveDigest,
  mustOnVps,
  PROXY,
  psql,
  restoreCommand,
  search,
  service,
  tool,
  toolAsync,
  until,
  vectorCount,
} from './vps.js';

export interface DrillContext {
  images: Record<string, string>;
  /** A backup of the live stores taken by backup-db.sh (the drills' "last nightly backup"). */
  backup: () => { name: string; takenAt: number };
}

const healthy = async () => {
  const h = await health();
  return h.status === 200 && h.overall === 'ok';
};

async function attempt(name: string, work: () => Promise<Omit<DrillResult, 'name'>>): Promise<DrillResult> {
  try {
    return { name, ...(await work()) };
  } catch (err) {
    return {
      name,
      ok: false,
      rtoSeconds: -1,
      rpoSeconds: 0,
      dataLostRows: -1,
      detail: (err as Error).message,
    };
  }
}

/** Container crash: the live api, then PostgreSQL, then ChromaDB killed (SIGKILL); Docker's restart policy brings each back. */
export function containerCrash(): Promise<DrillResult> {
  return attempt('container-crash', async () => {
    const rows = documentCount();
    const vectors = vectorCount();
    // A write committed just before PostgreSQL dies must survive its crash recovery.
    psql(
      "INSERT INTO documents (id, title, body, content_sha256) VALUES ('drill-crash-marker', 'marker', 'marker', 'x')",
    );
    const times: string[] = [];
    let worst = 0;
    for (const [what, container] of [
      ['api', liveApiContainer()],
      ['postgres', infraContainer('postgres')],
      ['chroma', infraContainer('chroma')],
    ] as const) {
      const started = Date.now();
      crash(container);
      await until(`${what} back after SIGKILL`, 180, healthy);
      const seconds = (Date.now() - started) / 1000;
      worst = Math.max(worst, seconds);
      times.push(`${what} ${seconds.toFixed(1)} s`);
    }
    const marker = psql("SELECT count(*) FROM documents WHERE id = 'drill-crash-marker'");
    psql("DELETE FROM documents WHERE id = 'drill-crash-marker'");
    const lost =
      Math.max(0, rows - documentCount()) + Math.max(0, vectors - vectorCount()) + (marker === '1' ? 0 : 1);
    return {
      ok: lost === 0,
      rtoSeconds: worst,
      rpoSeconds: 0,
      dataLostRows: lost,
      detail: `SIGKILL, then healthy again: ${times.join(', ')}; the row committed just before the crash ${marker === '1' ? 'survived' : 'was LOST'}`,
    };
  });
}

/** Bad deploy: a release that is healthy but wrong goes live; `slipway rollback` brings the previous one back under load. */
export function badDeploy(ctx: DrillContext): Promise<DrillResult> {
  return attempt('bad-deploy', async () => {
    const good = await liveDigest();
    const rows = documentCount();
    const bad = await deploy(`drill-bad-${Date.now().toString(36)}`, ctx.images.bad!);
    if (bad.status !== 0) throw new Error(`deploying the bad release failed: ${bad.output.slice(-400)}`);
    if ((await liveDigest()) !== ctx.images.bad) throw new Error('the bad release did not go live');
    const load = startLoad(PROXY(), 4, 120);
    const started = Date.now();
    const r = await toolAsync(`${APP_DIR}/bin/slipway rollback`);
    const rto = (Date.now() - started) / 1000;
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const report = await load.stop();
    const back = (await liveDigest()) === good;
    const lost = Math.max(0, rows - documentCount());
    return {
      ok: r.status === 0 && back && report.failed === 0 && lost === 0,
      rtoSeconds: rto,
      rpoSeconds: 0,
      dataLostRows: lost,
      detail: `rollback ${r.status === 0 ? 'succeeded' : `failed: ${r.stderr.slice(-300)}`}; previous release live again: ${back}; ${report.requests} requests during it, ${report.failed} failed`,
    };
  });
}

/**
 * Database corruption: rows are written after the last backup, then a bad statement destroys the documents;
 * restore-db.sh brings back the backup. The rows written after it are lost, as the RPO allows, and no other.
 */
export function databaseCorruption(ctx: DrillContext): Promise<DrillResult> {
  return attempt('database-corruption', async () => {
    const { name, takenAt } = ctx.backup();
    const atBackup = documentCount();
    const after = 3;
    for (let i = 0; i < after; i++) {
      psql(
        `INSERT INTO documents (id, title, body, content_sha256) VALUES ('drill-after-backup-${i}', 'late', 'written after the backup', 'x')`,
      );
    }
    const fault = Date.now();
    psql("UPDATE documents SET body = '', title = 'corrupted'; DELETE FROM documents WHERE id < 'm'");
    const load = startLoad(PROXY(), 2, 600);
    const r = await toolAsync(restoreCommand(name));
    const reads = await load.stop();
    if (r.status !== 0) throw new Error(`restore-db.sh failed: ${r.stderr.trim().split('\n').pop()}`);
    await until('the service healthy after the restore', 120, healthy);
    const rto = (Date.now() - fault) / 1000;
    const rows = documentCount();
    const corrupted = Number(psql("SELECT count(*) FROM documents WHERE title = 'corrupted'"));
    const hits = await search('blue green deploy');
    const lost = atBackup + after - rows;
    return {
      ok: rows === atBackup && corrupted === 0 && hits.ids.length > 0 && lost === after,
      rtoSeconds: rto,
      rpoSeconds: (fault - takenAt) / 1000,
      dataLostRows: lost,
      detail:
        `restored ${name}: ${rows} documents (as at the backup), ${corrupted} corrupted left; the ${after} rows written ` +
        `after the backup are lost, as the RPO allows; writes refused ${String(r.result?.writesRefusedSeconds ?? '?')} s, ` +
        `reads went on: ${reads.requests} requests, ${reads.failed} failed`,
    };
  });
}

/**
 * ChromaDB corruption: its SQLite file is overwritten while it runs stopped; search degrades to full-text.
 * restore-db.sh --only chroma puts the volume back (the api keeps serving), then the service's `embed`
 * re-embeds every document from PostgreSQL, so vectors written after the backup come back too.
 */
export function chromaCorruption(ctx: DrillContext): Promise<DrillResult> {
  return attempt('chroma-corruption', async () => {
    const { name, takenAt } = ctx.backup();
    const documents = documentCount();
    const chroma = infraContainer('chroma');
    const fault = Date.now();
    mustOnVps(
      `docker stop ${chroma} >/dev/null && docker run --rm --network none -v $(docker inspect -f '{{range .Mounts}}{{.Name}}{{end}}' ${chroma}):/data --entrypoint dd chromadb/chroma:1.5.9 if=/dev/urandom of=/data/chroma.sqlite3 bs=4096 count=16 conv=notrunc status=none && docker start ${chroma} >/dev/null`,
    );
    const degraded = await until('search degraded to full-text', 60, async () =>
      (await search('health check')).degraded.includes('vector'),
    );
    const r = tool(restoreCommand(`--only chroma ${name}`));
    if (r.status !== 0)
      throw new Error(`restore-db.sh --only chroma failed: ${r.stderr.trim().split('\n').pop()}`);
    service('embed');
    await until('vector search back', 60, async () => (await search('health check')).degraded.length === 0);
    const rto = (Date.now() - fault) / 1000;
    const vectors = vectorCount();
    return {
      ok: vectors === documents && (await healthy()),
      rtoSeconds: rto,
      rpoSeconds: (fault - takenAt) / 1000,
      dataLostRows: Math.max(0, documents - vectors),
      detail: `search degraded after ${degraded.toFixed(1)} s; volume restored from ${name} (api kept serving), then embed re-embedded from PostgreSQL: ${vectors} vectors for ${documents} documents`,
    };
  });
}
