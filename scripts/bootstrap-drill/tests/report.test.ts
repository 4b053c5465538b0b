import { describe, expect, it } from 'vitest';
import {
  type HostResult,
  buildReport,
  type SupervisionSeen,
  compareFacts,
  judgeSupervision,
  parseFacts,
  parseRecap,
  parseSetupVps,
  renderSummary,
  setupFromRecap,
} from '../report.js';

const at = (s: number) => new Date(Date.UTC(2026, 10, 29, 9, 0, s));
const host = (over: Partial<HostResult> = {}): HostResult => ({
  name: 'vps2',
  method: 'setup-vps',
  firstRunSeconds: 61.2,
  firstRunChanged: 13,
  secondRunChanged: 0,
  secondRunSeconds: 6.2,
  deploySeconds: 70.1,
  bareToServingSeconds: 131.3,
  release: 'drill-1',
  serving: true,
  supervised: true,
  supervisorRestoreSeconds: 47.3,
  ...over,
});
const both = (over: Partial<HostResult> = {}) => [host(), host({ name: 'vps3', method: 'ansible', ...over })];

describe('parseSetupVps', () => {
  it.each([
    ['setup-vps: packages ok\nsetup-vps: sshd ok\nsetup-vps: 0 changed\n', { changed: 0 }],
    ['setup-vps: packages changed: install jq\nsetup-vps: 12 changed', { changed: 12 }],
    [
      'setup-vps: packages ok\nsetup-vps: registry-login failed: docker login to r as u failed\nsetup-vps: stopped at registry-login',
      { changed: null, failure: 'registry-login failed: docker login to r as u failed' },
    ],
    [
      "setup-vps: error: --skip: unknown step 'x'.",
      { changed: null, failure: "error: --skip: unknown step 'x'." },
    ],
    [
      'ssh: connect to host 10.201.0.12 port 22: Connection refused',
      {
        changed: null,
        failure: 'no summary line: ssh: connect to host 10.201.0.12 port 22: Connection refused',
      },
    ],
    [
      'setup-vps: 3 would change (dry run: nothing was changed)',
      { changed: null, failure: 'no summary line: setup-vps: 3 would change (dry run: nothing was changed)' },
    ],
  ])('%j', (output, expected) => expect(parseSetupVps(output)).toEqual(expected));
});

describe('parseRecap and setupFromRecap', () => {
  const recap =
    'PLAY RECAP ****\nvps3                       : ok=37   changed=0    unreachable=0    failed=0    skipped=10   rescued=0    ignored=0   \n';
  it('reads the counts of the named host only', () => {
    expect(parseRecap(recap, 'vps3')).toEqual({ ok: 37, changed: 0, unreachable: 0, failed: 0 });
    expect(parseRecap(recap, 'vps30')).toBeUndefined();
    expect(parseRecap(recap, 'vps')).toBeUndefined();
  });
  it.each([
    [recap, 0, { changed: 0 }],
    [recap.replace('changed=0', 'changed=18'), 0, { changed: 18 }],
    [
      'fatal: [vps3]: FAILED! => {"msg": "Unable to start service nftables"}\n' +
        recap.replace('failed=0', 'failed=1'),
      2,
      { changed: null, failure: 'fatal: [vps3]: FAILED! => {"msg": "Unable to start service nftables"}' },
    ],
    [
      'ERROR! the playbook could not be found',
      1,
      { changed: null, failure: 'ansible-playbook failed without a fatal line' },
    ],
  ])('exit %s', (output, code, expected) => expect(setupFromRecap(output, 'vps3', code)).toEqual(expected));
});

describe('compareFacts', () => {
  const a = parseFacts(
    'sshd\tpermitrootlogin\tno\npackage\tjq\t1.6 ii\nfile\t/etc/x\t644 root:root sha256=ab\n',
  );
  it('finds nothing between identical hosts', () =>
    expect(compareFacts(a, new Map(a), ['setup-vps', 'ansible'])).toEqual([]));
  it('names every fact that differs or exists on one side only', () => {
    const b = parseFacts(
      'sshd\tpermitrootlogin\twithout-password\nfile\t/etc/x\t644 root:root sha256=ab\npackage\tpython3-docker\t5 ii\n',
    );
    expect(compareFacts(a, b, ['setup-vps', 'ansible'])).toEqual([
      'package jq: setup-vps 1.6 ii | ansible (absent)',
      'package python3-docker: setup-vps (absent) | ansible 5 ii',
      'sshd permitrootlogin: setup-vps no | ansible without-password',
    ]);
  });
});

describe('buildReport', () => {
  it.each([
    ['both hosts good and equivalent', both(), [], true, true],
    ['a difference', both(), ['sshd permitrootlogin: setup-vps no | ansible without-password'], false, false],
    ['a second run that changed something', both({ secondRunChanged: 1 }), [], false, true],
    ['a host that does not serve', both({ serving: false, release: null }), [], false, true],
    [
      'a supervisor that did not restore the site',
      both({ supervised: false, supervisorRestoreSeconds: null, error: 'supervise: …' }),
      [],
      false,
      true,
    ],
    ['a supervisor not tried', both({ supervised: null, supervisorRestoreSeconds: null }), [], false, true],
    [
      'a failed step',
      [host({ secondRunChanged: null, serving: false, error: 'first run: registry-login failed: …' })],
      undefined,
      false,
      false,
    ],
    ['one method only', [host()], undefined, false, false],
  ])('%s -> ok %s, equivalent %s', (_name, hosts, differences, ok, equivalent) => {
    const report = buildReport({ startedAt: at(0), finishedAt: at(95), hosts, differences });
    expect(report).toMatchObject({ ok, equivalent, seconds: 95, hosts });
    if (differences === undefined)
      expect(report.differences).toEqual(['not compared: both methods must set up a host']);
  });

  it('summarises each host and the differences', () => {
    const report = buildReport({
      startedAt: at(0),
      finishedAt: at(95),
      hosts: both(),
      differences: ['sshd x: setup-vps a | ansible b'],
    });
    const text = renderSummary(report);
    expect(text).toContain('bootstrap drill: FAILED in 95 s');
    expect(text).toContain('vps3   ansible    first run   61.2 s (13 changed), second run 6.2 s (0 changed)');
    expect(text).toContain(
      'bare→serving 131.3 s, serving drill-1, supervisor restored a stopped api in 47.3 s',
    );
    expect(text).toContain('NOT equivalent:\n    sshd x: setup-vps a | ansible b');
  });
});

describe('judgeSupervision', () => {
  const journal = [
    'Starting slipway-supervise.service - Slipway: supervise the live release…',
    'SLIPWAY_RESULT {"ok":true,"command":"supervise","release":"drill-1","action":"waiting","health":"unhealthy"}',
    'SLIPWAY_RESULT {"ok":true,"command":"supervise","release":"drill-1","action":"restarted","health":"ok"}',
    'SLIPWAY_RESULT {"ok":tr',
  ].join('\n');
  const seen = (over: Partial<SupervisionSeen> = {}): SupervisionSeen => ({
    timer: 'enabled',
    wentDown: true,
    restoredSeconds: 47.3,
    limitSeconds: 120,
    journal,
    ledger: [{ kind: 'supervise', result: 'restored', action: 'restart' }],
    ...over,
  });
  it.each([
    ['all seen', seen(), { ok: true, detail: 'restored in 47.3 s' }],
    [
      'a timer that is not installed',
      seen({ timer: '' }),
      { ok: false, detail: 'slipway-supervise.timer is missing, not enabled' },
    ],
    [
      'a disabled timer',
      seen({ timer: 'disabled' }),
      { ok: false, detail: 'slipway-supervise.timer is disabled, not enabled' },
    ],
    [
      'a site that never went down',
      seen({ wentDown: false }),
      { ok: false, detail: 'the site kept serving with its api stopped: nothing was measured' },
    ],
    [
      'a site that did not come back',
      seen({ restoredSeconds: null }),
      { ok: false, detail: 'the site did not serve again within 120 s of docker stop' },
    ],
    [
      'a site back without the supervisor',
      seen({ journal: journal.replace('"restarted"', '"none"') }),
      {
        ok: false,
        detail:
          'the site serves again, but journalctl -u slipway-supervise shows no restart by the supervisor',
      },
    ],
    [
      'an unrecorded restart',
      seen({ ledger: [{ kind: 'deploy', result: 'succeeded' }] }),
      {
        ok: false,
        detail: 'the site serves again, but the ledger records no restored supervise op',
      },
    ],
  ])('%s', (_name, input, expected) => expect(judgeSupervision(input)).toEqual(expected));
});
