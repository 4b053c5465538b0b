// The drills of docs/DISASTER_RECOVERY.md, each a test, on the sandbox VPS in the order `make drill` runs them
// (scripts/drill). Then one drill made to fail: recovering from a damaged backup must report ok=false, not
// pretend. Deploys to the shared VPS: hold /run/lock/slipway-vps-tests.lock around the run on a shared machine.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  badDeploy,
  chromaCorruption,
  containerCrash,
  databaseCorruption,
  type DrillContext,
} from '../../scripts/drill/drills.js';
import { prepare } from '../../scripts/drill/main.js';
import { vpsDeath } from '../../scripts/drill/vps-death.js';
import type { DrillResult } from '../../scripts/drill/report.js';
import { matches, RULES } from '../../actions/toolkit/src/rules.js';
import {
  asRootOnVps,
  BACKUPS,
  health,
  installTools,
  mustOnVps,
  restoreCommand,
  tool,
} from '../../scripts/drill/vps.js';

let ctx: DrillContext;
const results: DrillResult[] = [];
const record = (r: DrillResult) => {
  results.push(r);
  return r;
};

beforeAll(async () => {
  ctx = await prepare();
  ctx.backup();
}, 1_200_000);

afterAll(() => {
  for (const r of results)
    console.log(
      `${r.name}: ok=${r.ok} RTO ${r.rtoSeconds.toFixed(1)} s RPO ${r.rpoSeconds.toFixed(1)} s lost ${r.dataLostRows}: ${r.detail}`,
    );
});

describe('the backup on the host, as an operator installs it', () => {
  it('backup.yml installed tools and timer (a second run changes nothing); the service ran through systemd', () => {
    expect(installTools().changed).toBe(0);
    const timer = asRootOnVps(
      'systemctl is-enabled slipway-backup.timer; systemctl is-active slipway-backup.timer; systemctl show -p Persistent --value slipway-backup.timer',
    );
    expect(timer.stdout.trim().split('\n')).toEqual(['enabled', 'active', 'yes']);
    // prepare() took the drills' backup with `systemctl start slipway-backup.service` and read its journal.
    expect(matches(RULES.backupName, ctx.backup().name)).toBe(true);
  });
});

describe('disaster-recovery drills', () => {
  it('container crash: api, PostgreSQL and ChromaDB killed one after another come back on their own, nothing lost', async () => {
    const r = record(await containerCrash());
    expect(r.ok, r.detail).toBe(true);
    expect(r.dataLostRows).toBe(0);
    expect(r.rtoSeconds).toBeGreaterThan(0);
  });

  it('bad deploy: rollback to the previous release under load, no failed request, nothing lost', async () => {
    const r = record(await badDeploy(ctx));
    expect(r.ok, r.detail).toBe(true);
    expect(r.dataLostRows).toBe(0);
  });

  it('database corruption: restore-db.sh brings back the backup; only rows written after it are lost', async () => {
    const r = record(await databaseCorruption(ctx));
    expect(r.ok, r.detail).toBe(true);
    expect(r.dataLostRows).toBe(3);
    expect(r.rpoSeconds).toBeGreaterThan(0);
  });

  it('ChromaDB corruption: the volume restored and re-embedded from PostgreSQL, no vector lost', async () => {
    const r = record(await chromaCorruption(ctx));
    expect(r.ok, r.detail).toBe(true);
    expect(r.dataLostRows).toBe(0);
  });

  it('VPS death: a new host from scratch, bootstrapped, the off-site backup restored, the last good release redeployed', async () => {
    const r = record(await vpsDeath(ctx));
    expect(r.ok, r.detail).toBe(true);
    expect(r.dataLostRows).toBe(2);
    expect(r.rtoSeconds).toBeGreaterThan(0);
    // The new host took its backup tools and settings from backup.yml: the drills below use them.
    // A harness limit, not a goal: the RTO is reported (about 140 s here); a host made from bare on a busy
    // 2-core machine (apt, image pulls, a restore) has taken close to the 300 s default.
  }, 900_000);

  it('a drill whose recovery fails reports ok=false: restoring from a damaged backup is refused', async () => {
    // The newest verified backup on the (new) host: the VPS-death drill restored it from off site.
    const good = mustOnVps(`ls ${BACKUPS} | grep -E '^[0-9]{8}T[0-9]{6}Z$' | sort | tail -n 1`).trim();
    const damaged = '20000101T000000Z';
    mustOnVps(
      `rm -rf ${BACKUPS}/${damaged} && cp -a ${BACKUPS}/${good} ${BACKUPS}/${damaged} && printf 'X' | dd of=${BACKUPS}/${damaged}/postgres.dump bs=1 seek=4096 conv=notrunc status=none`,
    );
    const r = record(
      await databaseCorruption({ ...ctx, backup: () => ({ name: damaged, takenAt: Date.now() }) }),
    );
    expect(r.ok).toBe(false);
    expect(r.detail).toContain(`backup ${damaged} fails its checksums`);
    // Leave the VPS as the drills found it: the good backup restored, the service healthy.
    const repair = tool(restoreCommand(good));
    expect(repair.status, repair.stderr).toBe(0);
    mustOnVps(`rm -rf ${BACKUPS}/${damaged}`);
    expect((await health()).overall).toBe('ok');
  });
});
