// The supervisor's systemd units (infra/systemd) as systemd itself reads them: `systemd-analyze verify` on a
// staged root (the host's unit tree, a stand-in docker.service and engine), which needs no running systemd.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { repoRoot } from '../sandbox/sandbox-env.js';

const UNITS = ['slipway-supervise.service', 'slipway-supervise.timer'];
const SYSTEM_UNITS = ['/usr/lib/systemd/system', '/lib/systemd/system'].find((d) => fs.existsSync(d));
let root: string | undefined;

/** Stages ROOT/etc/systemd/system with the units (after EDIT) and verifies them; returns what systemd said. */
function verify(edit: (name: string, text: string) => string = (_n, t) => t): {
  status: number | null;
  said: string;
} {
  if (!SYSTEM_UNITS)
    throw new Error('no systemd unit tree on this machine: install systemd (apt-get install systemd)');
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'slipway-units-'));
  const etc = path.join(root, 'etc', 'systemd', 'system');
  fs.mkdirSync(etc, { recursive: true });
  fs.cpSync(SYSTEM_UNITS, path.join(root, 'usr', 'lib', 'systemd', 'system'), { recursive: true });
  fs.writeFileSync(
    path.join(etc, 'docker.service'),
    '[Unit]\nDescription=stand-in\n[Service]\nExecStart=/bin/true\n',
  );
  fs.mkdirSync(path.join(root, 'srv', 'slipway', 'bin'), { recursive: true });
  fs.copyFileSync(
    path.join(repoRoot, 'infra', 'deploy-engine', 'bin', 'slipway'),
    path.join(root, 'srv', 'slipway', 'bin', 'slipway'),
  );
  fs.chmodSync(path.join(root, 'srv', 'slipway', 'bin', 'slipway'), 0o755);
  for (const name of UNITS) {
    const text = fs.readFileSync(path.join(repoRoot, 'infra', 'systemd', name), 'utf8');
    fs.writeFileSync(path.join(etc, name), edit(name, text));
  }
  const r = spawnSync(
    'systemd-analyze',
    ['verify', `--root=${root}`, ...UNITS.map((u) => path.join(etc, u))],
    {
      encoding: 'utf8',
    },
  );
  if (r.error) throw new Error(`systemd-analyze could not run (${r.error.message}): install systemd`);
  return { status: r.status, said: `${r.stdout}${r.stderr}`.trim() };
}

afterEach(() => {
  if (root) fs.rmSync(root, { recursive: true, force: true });
  root = undefined;
});

describe('infra/systemd units of the supervisor', () => {
  it('verify cleanly', () => {
    expect(verify()).toEqual({ status: 0, said: '' });
  });

  it('the check speaks up about a broken unit (it can fail)', () => {
    const { said } = verify((name, text) =>
      name.endsWith('.timer') ? text.replace('15s', 'fifteen') : text,
    );
    expect(said).toMatch(/Failed to parse timer value, ignoring: fifteen/);
  });

  it('run the engine supervise command every 15 seconds as the deploy user', () => {
    const service = fs.readFileSync(
      path.join(repoRoot, 'infra', 'systemd', 'slipway-supervise.service'),
      'utf8',
    );
    const timer = fs.readFileSync(path.join(repoRoot, 'infra', 'systemd', 'slipway-supervise.timer'), 'utf8');
    expect(service).toMatch(/^ExecStart=\/srv\/slipway\/bin\/slipway supervise /m);
    expect(service).toMatch(/^User=deploy$/m);
    expect(service).toMatch(/^Type=oneshot$/m);
    expect(timer).toMatch(/^OnUnitActiveSec=15s$/m);
    expect(timer).toMatch(/^WantedBy=timers.target$/m);
  });
});
