import {
  ActionError,
  type Command,
  CommandError,
  check,
  command,
  lastLine,
  redact,
  type Runner,
  shown,
} from '../../toolkit/src/index.js';

/**
 * The eval as data: the `command` input runs through bash exactly as a workflow `run:` line does
 * (`bash --noprofile --norc -eo pipefail -c`), so pipes, `&&` and variables work. It runs in the workspace.
 */
export function evalCommand(line: string, cwd: string, secrets: readonly string[]): Command {
  return command(['bash', '--noprofile', '--norc', '-eo', 'pipefail', '-c', line], { cwd, secrets });
}

/**
 * The environment the eval sees: the step's, minus the action's own inputs (INPUT_GITHUB-TOKEN among them)
 * and the runtime token, which a plain `run:` step would not get either.
 */
export function evalEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(env).filter(([k]) => !k.startsWith('INPUT_') && k !== 'ACTIONS_RUNTIME_TOKEN'),
  );
}

/**
 * Runs the eval (main passes a streaming runner, so its output shows live); a failure keeps the last stderr
 * line. The command is echoed with the command's secrets (the `github-token` input, which a workflow may also
 * have written into `command`) redacted, and cut to a readable length.
 */
export async function runEval(runner: Runner, cmd: Command): Promise<void> {
  const line = shown(redact(cmd.argv[cmd.argv.length - 1] ?? '', cmd.secrets), 200);
  try {
    await check(runner, cmd);
  } catch (err) {
    if (!(err instanceof CommandError)) throw err;
    const why = lastLine(err.result.stderr || err.result.stdout) || 'no output';
    throw new ActionError(
      `eval-check: the eval command failed (exit ${err.result.exitCode}): ${why}. Run ${line} locally to see the whole output (it is also in the debug log).`,
    );
  }
}
