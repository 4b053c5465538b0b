import * as core from '@actions/core';
import { InputError, shown } from './errors.js';
import { type Rule, matches } from './rules.js';
import {
  type WorkspacePath,
  directoryPath,
  existingFile,
  outputFilePath,
  workspacePath,
  workspaceRoot,
} from './workspace-path.js';

/**
 * Where raw input strings come from. Production reads the runner's `INPUT_*` variables through @actions/core;
 * tests pass a plain map (and can record which names were read).
 */
export type InputSource = (name: string) => string;

export const actionsInputSource: InputSource = (name) => core.getInput(name);

/** An InputSource over a plain map, for tests and for callers that are not GitHub steps. */
export function mapInputSource(values: Record<string, string>): InputSource {
  return (name) => (values[name] ?? '').trim();
}

interface Common {
  required?: boolean;
}

/**
 * Typed, validated reads of action inputs. One instance per `getInputs()`; every helper returns the parsed
 * value or throws an InputError of the form "Input 'name': expected ..., got '...'."
 */
export class Inputs {
  constructor(private readonly source: InputSource = actionsInputSource) {}

  private raw(name: string, opts: Common = {}): string {
    const value = this.source(name).trim();
    if (opts.required && value === '') {
      throw new InputError(name, "required but empty. Set it in the step's `with:` block.");
    }
    return value;
  }

  /** A string; with `rule`, it must follow that domain rule (rules.ts) and the message uses the rule's hint. */
  string(
    name: string,
    opts: Common & { default?: string; pattern?: RegExp; rule?: Rule; hint?: string } = {},
  ): string {
    const value = this.raw(name, opts);
    if (value === '') return opts.default ?? '';
    if (opts.rule && !matches(opts.rule, value)) {
      throw new InputError(name, `expected ${opts.hint ?? opts.rule.hint}, got ${shown(value)}.`);
    }
    if (opts.pattern && !opts.pattern.test(value)) {
      throw new InputError(
        name,
        `expected ${opts.hint ?? `a value matching ${opts.pattern}`}, got ${shown(value)}.`,
      );
    }
    return value;
  }

  /** A secret: registered with the runner for masking before anything else happens, never echoed. */
  secret(name: string, opts: Common = {}): string {
    const value = this.source(name);
    if (value.trim() !== '') core.setSecret(value);
    if (opts.required && value.trim() === '') {
      throw new InputError(name, 'required but empty. Pass it from a secret, e.g. `${{ secrets.NAME }}`.');
    }
    return value;
  }

  boolean(name: string, opts: Common & { default?: boolean } = {}): boolean {
    const value = this.raw(name, opts);
    if (value === '') return opts.default ?? false;
    if (/^(true|yes|on|1)$/i.test(value)) return true;
    if (/^(false|no|off|0)$/i.test(value)) return false;
    throw new InputError(name, `expected true or false, got ${shown(value)}.`);
  }

  enum<const T extends string>(name: string, values: readonly T[], opts: Common & { default?: T } = {}): T {
    const value = this.raw(name, opts);
    if (value === '' && opts.default !== undefined) return opts.default;
    if ((values as readonly string[]).includes(value)) return value as T;
    throw new InputError(name, `expected one of ${values.join('|')}, got ${shown(value)}.`);
  }

  integer(name: string, opts: Common & { default?: number; min?: number; max?: number } = {}): number {
    const value = this.raw(name, opts);
    if (value === '' && opts.default !== undefined) return opts.default;
    const range =
      opts.min !== undefined && opts.max !== undefined
        ? ` between ${opts.min} and ${opts.max}`
        : opts.min !== undefined
          ? ` >= ${opts.min}`
          : opts.max !== undefined
            ? ` <= ${opts.max}`
            : '';
    if (!/^-?\d+$/.test(value))
      throw new InputError(name, `expected an integer${range}, got ${shown(value)}.`);
    const n = Number(value);
    if ((opts.min !== undefined && n < opts.min) || (opts.max !== undefined && n > opts.max)) {
      throw new InputError(name, `expected an integer${range}, got ${shown(value)}.`);
    }
    return n;
  }

  /** Newline- or comma-separated; blank entries and `#` comments dropped. */
  list(name: string, opts: Common & { default?: string[] } = {}): string[] {
    const value = this.raw(name, opts);
    if (value === '') return opts.default ?? [];
    return value
      .split(/[\n,]/)
      .map((s) => s.trim())
      .filter((s) => s !== '' && !s.startsWith('#'));
  }

  /** A JSON object whose values are strings, e.g. `{"api": "ghcr.io/o/r/api@sha256:..."}`. */
  jsonMap(name: string, opts: Common = {}): Record<string, string> {
    const value = this.raw(name, opts);
    if (value === '') return {};
    let parsed: unknown;
    try {
      parsed = JSON.parse(value);
    } catch (err) {
      throw new InputError(
        name,
        `expected a JSON object of strings, got invalid JSON (${(err as Error).message}).`,
      );
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new InputError(
        name,
        `expected a JSON object of strings, got ${Array.isArray(parsed) ? 'an array' : typeof parsed}.`,
      );
    }
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(parsed)) {
      if (typeof v !== 'string') {
        throw new InputError(
          name,
          `expected a JSON object of strings, but key ${shown(k)} holds ${typeof v}.`,
        );
      }
      out[k] = v;
    }
    return out;
  }

  /** Where path inputs are resolved: GITHUB_WORKSPACE (or the working directory), symlinks resolved. */
  get workspace(): string {
    return workspaceRoot();
  }

  /**
   * A file the action reads, relative to the workspace, which it must stay inside (symlinks followed). With
   * `mustExist` (the default) it must exist now and be a file; pass false for a file an earlier part of the
   * action writes, and check it again when reading (readWorkspaceFile).
   */
  file(
    name: string,
    opts: Common & { default?: string; mustExist?: boolean } = {},
  ): WorkspacePath | undefined {
    const value = this.raw(name, opts) || opts.default || '';
    if (value === '') return undefined;
    const p = workspacePath(name, value, this.workspace);
    if (opts.mustExist !== false) existingFile(p);
    return p;
  }

  /** A list of existing files (newline- or comma-separated), each checked as `file()` does. */
  files(name: string, opts: Common & { default?: string[] } = {}): WorkspacePath[] {
    return this.list(name, opts).map((value) => {
      const p = workspacePath(name, value, this.workspace);
      existingFile(p);
      return p;
    });
  }

  /** A folder inside the workspace; refused when it exists and is not a folder. */
  directory(
    name: string,
    opts: Common & { default?: string; mustExist?: boolean } = {},
  ): WorkspacePath | undefined {
    const value = this.raw(name, opts) || opts.default || '';
    if (value === '') return undefined;
    const p = workspacePath(name, value, this.workspace);
    directoryPath(p, opts);
    return p;
  }

  /** A file the action writes, inside the workspace; refused when it is an existing folder. */
  outputFile(name: string, opts: Common & { default?: string } = {}): WorkspacePath | undefined {
    const value = this.raw(name, opts) || opts.default || '';
    if (value === '') return undefined;
    const p = workspacePath(name, value, this.workspace);
    outputFilePath(p);
    return p;
  }
}

/** Wraps a source so tests can see every name getInputs() asked for. */
export function recordingSource(source: InputSource): { source: InputSource; names: Set<string> } {
  const names = new Set<string>();
  return {
    names,
    source: (name) => {
      names.add(name);
      return source(name);
    },
  };
}
