// infra/scripts/setup-vps.sh on Debian 13 (vps4, remade from the trixie bare image): the same steps, Compose v2
// from the system's apt instead of the private trixie state Debian 12 needs, the docker command from its own
// package, and a second run that changes nothing.
import { beforeAll, describe, expect, it } from 'vitest';
import { host, hostVars, onConsole, ssh, stepLines } from './hosts.js';

const NAME = 'vps4';

beforeAll(() => {
  const made = host(['recreate', NAME, '--release', 'trixie']);
  expect(made.status, made.stderr).toBe(0);
}, 900_000);

describe('setup-vps.sh on Debian 13', () => {
  it('sets the host up with Compose from apt, then changes nothing on a second run', () => {
    expect(onConsole(NAME, '. /etc/os-release; echo "$VERSION_ID $VERSION_CODENAME"').stdout).toBe(
      '13 trixie\n',
    );
    const first = host(['setup', NAME, '--via', 'ssh']);
    expect(first.status, first.stdout + first.stderr).toBe(0);
    const lines = stepLines(first.stdout);
    expect(lines.compose).toBe('changed: install docker-compose');
    expect(lines.docker).toMatch(/^changed: install docker\.io; install docker-cli\b/);
    expect(
      onConsole(NAME, 'test -e /var/lib/slipway/apt-compose && echo private state || echo none').stdout,
    ).toBe('none\n');
    const second = host(['setup', NAME, '--via', 'console']);
    expect(second.stdout).toMatch(/\nsetup-vps: 0 changed\n$/);
    const deploy = ssh(
      NAME,
      'deploy',
      hostVars(NAME).deployKey,
      'docker compose version --short; docker network ls --format "{{.Name}}" | sort',
    );
    expect(deploy.stdout).toMatch(/^2\.\d+\.\d+[^\n]*\nbridge\nhost\nnone\nslipway-backend\nslipway-edge\n$/);
  }, 900_000);
});
