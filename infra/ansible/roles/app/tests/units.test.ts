// The supervisor's systemd units as role app and setup-vps.sh install them: rendered from the role's templates
// with the roles' defaults, then checked by systemd-analyze verify in a staged root (the machine's own unit
// tree, a stand-in docker.service, the engine and test(1) the ExecCondition runs; no running systemd needed).
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderUnit, roleDefaults, stageRoot, verify } from '../../../tests/role-units.js';

const UNITS = ['slipway-supervise.service', 'slipway-supervise.timer'];
let staged: string;

beforeAll(() => {
  const appDir = String(roleDefaults().app_dir);
  staged = stageRoot(
    {
      ...Object.fromEntries(UNITS.map((name) => [name, renderUnit('app', name)])),
      // The units require Docker's; a stand-in, as this machine may have none.
      'docker.service': '[Unit]\nDescription=stand-in\n[Service]\nExecStart=/bin/true\n',
    },
    { [`${appDir}/bin/slipway`]: 'infra/deploy-engine/bin/slipway', '/usr/bin/test': '/usr/bin/test' },
  );
});

afterAll(() => fs.rmSync(staged, { recursive: true, force: true }));

describe('slipway-supervise.service and .timer', () => {
  it('pass systemd-analyze verify without a warning', () => {
    const r = verify(staged, UNITS);
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('would be refused by systemd-analyze verify with a mistake in them (the check can fail)', () => {
    const timer = path.join(staged, 'etc', 'systemd', 'system', 'slipway-supervise.timer');
    const good = fs.readFileSync(timer, 'utf8');
    try {
      fs.writeFileSync(timer, good.replace('OnUnitActiveSec=15s', 'OnUnitActiveSec=fifteen'));
      expect(verify(staged, ['slipway-supervise.timer']).stderr).toMatch(
        /Failed to parse timer value, ignoring: fifteen/,
      );
    } finally {
      fs.writeFileSync(timer, good);
    }
  });

  it('run the engine supervise command every 15 seconds as the deploy user, skipped until the engine exists', () => {
    const service = renderUnit('app', 'slipway-supervise.service');
    const timer = renderUnit('app', 'slipway-supervise.timer');
    expect(service).toMatch(/^User=deploy$/m);
    expect(service).toMatch(/^Type=oneshot$/m);
    expect(service).toMatch(/^Environment=SLIPWAY_APP_DIR=\/srv\/slipway$/m);
    expect(service).toMatch(/^ExecCondition=\/usr\/bin\/test -x \/srv\/slipway\/bin\/slipway$/m);
    expect(service).toMatch(
      /^ExecStart=\/srv\/slipway\/bin\/slipway supervise --grace 30 --health-timeout 120$/m,
    );
    expect(timer).toMatch(/^OnUnitActiveSec=15s$/m);
    expect(timer).toMatch(/^WantedBy=timers.target$/m);
  });
});
