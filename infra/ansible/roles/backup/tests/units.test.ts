// The backup's systemd units as role backup and setup-vps.sh install them: rendered from the role's templates
// with the roles' defaults, then checked by systemd-analyze verify in a staged root (the machine's own unit
// tree, the scripts at their install path; no running systemd needed), and the timer's schedule read back by
// systemd-analyze calendar.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyze, renderUnit, roleDefaults, stageRoot, verify } from '../../../tests/role-units.js';

const UNITS = ['slipway-backup.service', 'slipway-backup.timer'];
let staged: string;

beforeAll(() => {
  const vars = roleDefaults();
  staged = stageRoot(Object.fromEntries(UNITS.map((name) => [name, renderUnit('backup', name)])), {
    [`${String(vars.backup_install_dir)}/infra/scripts/backup-db.sh`]: 'infra/scripts/backup-db.sh',
  });
});

afterAll(() => fs.rmSync(staged, { recursive: true, force: true }));

describe('slipway-backup.service and .timer', () => {
  it('pass systemd-analyze verify without a warning', () => {
    const r = verify(staged, UNITS);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('would be refused by systemd-analyze verify with a mistake in them (the check can fail)', () => {
    const timer = path.join(staged, 'etc', 'systemd', 'system', 'slipway-backup.timer');
    const good = fs.readFileSync(timer, 'utf8');
    try {
      fs.writeFileSync(timer, good.replace('OnCalendar=', 'OnCalender='));
      const r = verify(staged, ['slipway-backup.timer']);
      expect(r.status).not.toBe(0);
      expect(r.stderr).toContain("Unknown key 'OnCalender'");
    } finally {
      fs.writeFileSync(timer, good);
    }
  });

  it('run daily at 03:00 UTC, catch up after downtime, and start at most a few minutes late', () => {
    const timer = renderUnit('backup', 'slipway-backup.timer');
    const calendar = /^OnCalendar=(.*)$/m.exec(timer)![1]!;
    const r = analyze(['calendar', '--iterations', '2', calendar]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('Normalized form: *-*-* 03:00:00 UTC');
    expect(r.stdout).toMatch(/Next elapse: \w{3} \d{4}-\d\d-\d\d 03:00:00 UTC/);
    expect(timer).toMatch(/^Persistent=true$/m);
    const delay = /^RandomizedDelaySec=(\d+)min$/m.exec(timer);
    expect(Number(delay?.[1])).toBeGreaterThan(0);
    expect(Number(delay?.[1])).toBeLessThanOrEqual(30);
  });

  it('run the backup as the engine user, confined to the app dir and the backup dir', () => {
    const service = renderUnit('backup', 'slipway-backup.service');
    expect(service).toMatch(/^User=deploy$/m);
    expect(service).toMatch(
      /^ExecStart=\/usr\/local\/lib\/slipway\/infra\/scripts\/backup-db\.sh --config \/etc\/slipway\/backup\.env$/m,
    );
    expect(service).toMatch(/^ProtectSystem=strict$/m);
    expect(service).toMatch(/^ReadWritePaths=\/srv\/slipway \/var\/backups\/slipway$/m);
  });
});
