/**
 * An error a person can act on: `<what failed>: <why>. <what to do>`.
 * `run()` reports its message as the step's failure; anything else is treated as a bug and also logs its stack.
 */
export class ActionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ActionError';
  }
}

/** A bad action input. The message always names the input as action.yml spells it. */
export class InputError extends ActionError {
  constructor(
    readonly input: string,
    detail: string,
  ) {
    super(`Input '${input}': ${detail}`);
    this.name = 'InputError';
  }
}

/** Values echoed in messages are cut to this many characters. */
export const SHOWN_MAX = 80;

/**
 * How a message shows a value someone gave (an input, a name from a file): quoted, control characters
 * replaced with `?`, and cut to SHOWN_MAX characters so a pasted file does not flood the log. Never a secret.
 */
export function shown(value: string, max = SHOWN_MAX): string {
  // eslint-disable-next-line no-control-regex
  const clean = value.replace(/[\u0000-\u001f\u007f]/g, '?');
  return clean.length > max ? `'${clean.slice(0, max)}...' (${value.length} characters)` : `'${clean}'`;
}
