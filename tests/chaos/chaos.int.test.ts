// `make chaos` as a test: every fault drill against a fresh release of this checkout on the sandbox VPS, under
// load, must end with the site serving by itself within its budget; and a drill must be able to say no: with
// the api's restart policy taken away, the same OOM drill reports ok=false.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onVps, vps } from '../deploy/harness.js';
import { renderSummary } from '../../scripts/chaos/plan.js';
import { freshLiveRelease } from '../../scripts/chaos/release.js';
import { type ChaosOptions, runDrills } from '../../scripts/chaos/run.js';
import { liveStatus } from '../../scripts/chaos/vps.js';

const lines: string[] = [];
const options = (only: string[]): ChaosOptions => ({
  proxyUrl: `http://${vps().host}`,
  concurrency: 4,
  diskPercent: 95,
  diskHoldSeconds: 6,
  only,
  log: (m) => lines.push(m),
});

beforeAll(async () => {
  await freshLiveRelease(`chaos-it-${Date.now().toString(36)}`, ['chaos-it']);
}, 600_000);

afterAll(() => {
  if (lines.length) console.log(`chaos drills:\n  ${lines.join('\n  ')}`);
});

describe('fault drills of the live release', () => {
  it('every container OOM, a 95% full disk and a Docker engine restart end with the site serving by itself', async () => {
    const report = await runDrills(options([]));
    lines.push(renderSummary(report));
    const names = report.drills.map((d) => d.name);
    expect(names).toEqual(
      expect.arrayContaining(['oom api', 'oom postgres', 'oom proxy', 'disk 95%', 'docker engine restart']),
    );
    for (const drill of report.drills) expect(drill, drill.detail).toMatchObject({ ok: true });
    expect(report.ok).toBe(true);
    expect((await liveStatus()).health.status).toBe('ok');
  });

  it('says ok=false when the release does not come back by itself (the api has no restart policy)', async () => {
    const api = (await liveStatus()).containers.find((c) => c.service === 'api')!.name;
    expect(onVps(`docker update --restart no ${api}`).status).toBe(0);
    try {
      const report = await runDrills(options(['oom api']));
      lines.push(renderSummary(report));
      expect(report.ok).toBe(false);
      expect(report.drills[0]).toMatchObject({ name: 'oom api', ok: false, recoverySeconds: null });
      expect(report.drills[0]!.detail).toMatch(/did not serve again by itself/);
    } finally {
      onVps(`docker update --restart unless-stopped ${api} && docker start ${api}`);
    }
    const deadline = Date.now() + 60_000;
    while ((await liveStatus()).health.status !== 'ok' && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 1000));
    expect((await liveStatus()).health.status).toBe('ok');
  });
});
