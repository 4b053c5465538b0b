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
