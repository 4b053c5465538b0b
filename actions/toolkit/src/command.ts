/**
 * Commands as data. Planning code returns `Command` values and never runs anything; a `Runner` decides where
 * they run (this machine, or a remote host over SSH). Quoting for a remote shell happens in exactly one
 * function, `shellQuote`, and secret redaction in exactly one, `redact`.
 */
export interface Command {
  /** Program and arguments. Never put a secret here: pass it on `stdin` or in `env`. */
  readonly argv: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  readonly cwd?: string;
  readonly stdin?: string;
  /** Values that must never be shown: removed from logs, errors and captured output. */
  readonly secrets?: readonly string[];
  readonly timeoutMs?: number;
}

export function command(argv: readonly string[], opts: Omit<Command, 'argv'> = {}): Command {
  if (argv.length === 0 || argv[0] === '') throw new Error('command: argv must name a program');
  return { argv, ...opts };
}

const SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** Quotes one word for a POSIX shell (the remote side of SSH). The only quoting function in Slipway. */
export function shellQuote(word: string): string {
  if (word === '') return "''";
  if (SAFE.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** One shell line that runs `cmd` exactly: env assignments, cd, argv, each word quoted. */
export function toShellLine(cmd: Command): string {
  const parts: string[] = [];
  if (cmd.cwd) parts.push('cd', shellQuote(cmd.cwd), '&&');
  const env = Object.entries(cmd.env ?? {});
  if (env.length > 0) {
    parts.push('env');
    for (const [k, v] of env) {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k))
        throw new Error(`command: invalid environment variable name '${k}'`);
      parts.push(shellQuote(`${k}=${v}`));
    }
  }
  parts.push(...cmd.argv.map(shellQuote));
  return parts.join(' ');
}

/** Replaces every occurrence of each secret with `***`. Empty and one-character secrets are ignored. */
export function redact(text: string, secrets: readonly string[] = []): string {
  let out = text;
  const sorted = [...secrets].filter((s) => s.length > 1).sort((a, b) => b.length - a.length);
  for (const secret of sorted) out = out.split(secret).join('***');
  return out;
}

/** How a command is shown in logs: argv only (env values are never shown), secrets redacted. */
export function describe(cmd: Command): string {
  return redact(cmd.argv.map(shellQuote).join(' '), cmd.secrets);
}
