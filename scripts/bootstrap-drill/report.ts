/**
 * The bootstrap drill's report: pure functions from what the drill saw (setup output, Ansible recaps, host
 * facts, deploy results) to `bootstrap-report.json` and the summary printed at the end.
 */
export type Method = 'setup-vps' | 'ansible';

export interface HostResult {
  name: string;
  method: Method;
  /** The first setup run on the bare host (setup-vps.sh, or ansible-playbook setup.yml). */
  firstRunSeconds: number | null;
  firstRunChanged: number | null;
  /** Changes the second run reported: 0 for an idempotent setup. */
  secondRunChanged: number | null;
  secondRunSeconds: number | null;
  /** The deploy after setup (ssh-deploy for setup-vps, deploy.yml for ansible). */
  deploySeconds: number | null;
  /** First setup run plus the deploy: bare host to a serving release. */
  bareToServingSeconds: number | null;
  release: string | null;
  /** /health answered 200 through the host's proxy and /version reported the deployed image. */
  serving: boolean;
  /** The installed supervisor brought the site back after its api was stopped (null: not tried). */
  supervised: boolean | null;
  /** From `docker stop` of the live api to the site serving again by the supervisor's hand. */
  supervisorRestoreSeconds: number | null;
  error?: string;
}

export interface BootstrapReport {
  ok: boolean;
  equivalent: boolean;
  /** Facts that differ between the two hosts ("section key: setup-vps … | ansible …"), or why none were compared. */
  differences: string[];
  hosts: HostResult[];
  startedAt: string;
  finishedAt: string;
  seconds: number;
}

export interface SetupRun {
  changed: number | null;
  /** `<step> failed: <why>` when a step failed. */
  failure?: string;
}

/** setup-vps.sh's own lines: the last says `setup-vps: N changed`, a failed step says `setup-vps: S failed: …`. */
export function parseSetupVps(output: string): SetupRun {
  const lines = output.split('\n');
  const failed = lines.find((l) => /^setup-vps: \S+ failed: /.test(l));
  const total = lines
    .map((l) => /^setup-vps: (\d+) changed$/.exec(l))
    .filter(Boolean)
    .pop();
  if (failed) return { changed: null, failure: failed.replace(/^setup-vps: /, '') };
  if (total) return { changed: Number(total[1]) };
  const error = lines.find((l) => l.startsWith('setup-vps: error: '));
  return {
    changed: null,
    failure:
      error?.replace(/^setup-vps: /, '') ?? `no summary line: ${lines.filter(Boolean).pop() ?? 'no output'}`,
  };
}

/** What the drill saw of the supervisor on a host, after stopping the live api with `docker stop`. */
export interface SupervisionSeen {
  /** `systemctl is-enabled slipway-supervise.timer`. */
  timer: string;
  /** The site stopped serving after the stop (else the stop broke nothing and nothing was measured). */
  wentDown: boolean;
  /** Seconds from the stop to the site serving again; null when it did not within the limit. */
  restoredSeconds: number | null;
  limitSeconds: number;
  /** `journalctl -u slipway-supervise -o cat` since the stop. */
  journal: string;
  /** The ledger (`slipway list --json`) entries that started at or after the stop. */
  ledger: { kind?: string; result?: string; action?: string }[];
}

/** The engine's `SLIPWAY_RESULT {json}` lines in a text (a journal), parsed; lines that do not parse are left out. */
export function resultLines(text: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter((l) => l.startsWith('SLIPWAY_RESULT '))
    .flatMap((l) => {
      try {
        return [JSON.parse(l.slice('SLIPWAY_RESULT '.length)) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
}

/** What the supervisor's journal or the ledger lacks of a restart (undefined: both record it). */
export function missingRecord(seen: Pick<SupervisionSeen, 'journal' | 'ledger'>): string | undefined {
  if (!resultLines(seen.journal).some((r) => r.command === 'supervise' && r.action === 'restarted'))
    return 'journalctl -u slipway-supervise shows no restart by the supervisor';
  if (!seen.ledger.some((e) => e.kind === 'supervise' && e.result === 'restored' && e.action === 'restart'))
    return 'the ledger records no restored supervise op';
  return undefined;
}

/** Whether the supervisor, through systemd, restored the site and recorded it; else why not. */
export function judgeSupervision(seen: SupervisionSeen): { ok: boolean; detail: string } {
  const fail = (detail: string) => ({ ok: false, detail });
  if (seen.timer !== 'enabled')
    return fail(`slipway-supervise.timer is ${seen.timer || 'missing'}, not enabled`);
  if (!seen.wentDown) return fail('the site kept serving with its api stopped: nothing was measured');
  if (seen.restoredSeconds === null)
    return fail(`the site did not serve again within ${seen.limitSeconds} s of docker stop`);
  const missing = missingRecord(seen);
  if (missing) return fail(`the site serves again, but ${missing}`);
  return { ok: true, detail: `restored in ${seen.restoredSeconds.toFixed(1)} s` };
}

export interface Recap {
  ok: number;
  changed: number;
  unreachable: number;
  failed: number;
}

/** The PLAY RECAP line of one host. */
export function parseRecap(output: string, host: string): Recap | undefined {
  const line = output
    .split('\n')
    .find((l) => new RegExp(`^${host.replace(/\./g, '\\.')}\\s+:\\s+ok=`).test(l));
  if (!line) return undefined;
  const num = (key: string) => Number(new RegExp(`${key}=(\\d+)`).exec(line)?.[1] ?? NaN);
  return { ok: num('ok'), changed: num('changed'), unreachable: num('unreachable'), failed: num('failed') };
}

/** The first fatal error Ansible printed, for the report. */
export function ansibleFailure(output: string): string {
  const fatal = output.split('\n').find((l) => /^(fatal|failed): \[/.test(l));
  return fatal?.slice(0, 400) ?? 'ansible-playbook failed without a fatal line';
}

export function setupFromRecap(output: string, host: string, exitCode: number | null): SetupRun {
  const recap = parseRecap(output, host);
  if (exitCode === 0 && recap && recap.failed === 0 && recap.unreachable === 0)
    return { changed: recap.changed };
  return { changed: null, failure: ansibleFailure(output) };
}

/** `section\tkey\tvalue` lines (scripts/bootstrap-drill/host-facts.sh) to a map keyed by "section key". */
export function parseFacts(text: string): Map<string, string> {
  const facts = new Map<string, string>();
  for (const line of text.split('\n')) {
    const [section, key, ...value] = line.split('\t');
    if (section && key !== undefined) facts.set(`${section} ${key}`, value.join('\t'));
  }
  return facts;
}

/** Every fact that differs, or exists on one host only. Empty: the hosts are equivalent. */
export function compareFacts(
  a: Map<string, string>,
  b: Map<string, string>,
  names: [string, string],
): string[] {
  const keys = [...new Set([...a.keys(), ...b.keys()])].sort();
  return keys
    .filter((k) => a.get(k) !== b.get(k))
    .map((k) => `${k}: ${names[0]} ${a.get(k) ?? '(absent)'} | ${names[1]} ${b.get(k) ?? '(absent)'}`);
}

export function buildReport(input: {
  startedAt: Date;
  finishedAt: Date;
  hosts: HostResult[];
  differences: string[] | undefined;
}): BootstrapReport {
  const methods = new Set(input.hosts.map((h) => h.method));
  const compared = input.differences !== undefined && methods.size === 2;
  const equivalent = compared && input.differences!.length === 0;
  const hostsOk = input.hosts.every(
    (h) => !h.error && h.secondRunChanged === 0 && h.serving && h.supervised === true,
  );
  return {
    ok: hostsOk && equivalent,
    equivalent,
    differences: compared ? input.differences! : ['not compared: both methods must set up a host'],
    hosts: input.hosts,
    startedAt: input.startedAt.toISOString(),
    finishedAt: input.finishedAt.toISOString(),
    seconds: Math.round((input.finishedAt.getTime() - input.startedAt.getTime()) / 100) / 10,
  };
}

const s = (n: number | null) => (n === null ? '-' : `${n.toFixed(1)} s`);

export function renderSummary(report: BootstrapReport): string {
  const rows = report.hosts.map(
    (h) =>
      `  ${h.name.padEnd(6)} ${h.method.padEnd(10)} first run ${s(h.firstRunSeconds).padStart(8)} (${h.firstRunChanged ?? '-'} changed), ` +
      `second run ${s(h.secondRunSeconds)} (${h.secondRunChanged ?? '-'} changed), deploy ${s(h.deploySeconds)}, bare→serving ${s(h.bareToServingSeconds)}, ` +
      `${h.serving ? `serving ${h.release}` : 'NOT serving'}, ` +
      `${h.supervised ? `supervisor restored a stopped api in ${s(h.supervisorRestoreSeconds)}` : 'supervisor NOT seen restoring'}` +
      `${h.error ? `\n         error: ${h.error}` : ''}`,
  );
  const diff = report.equivalent
    ? '  equivalent: users, sshd, firewall, packages, engine, managed files and units match'
    : `  NOT equivalent:\n${report.differences.map((d) => `    ${d}`).join('\n')}`;
  return [`bootstrap drill: ${report.ok ? 'ok' : 'FAILED'} in ${report.seconds} s`, ...rows, diff].join('\n');
}
