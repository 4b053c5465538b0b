import * as core from '@actions/core';
import fs from 'node:fs';
import path from 'node:path';
import { InputError } from './errors.js';

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

/** Quotes a value for an error message; never used for secrets. */
function shown(value: string): string {
  return `'${value}'`;
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

  string(name: string, opts: Common & { default?: string; pattern?: RegExp; hint?: string } = {}): string {
    const value = this.raw(name, opts);
    if (value === '') return opts.default ?? '';
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
        throw new InputError(name, `expected a JSON object of strings, but key '${k}' holds ${typeof v}.`);
      }
      out[k] = v;
    }
    return out;
  }

  /**
   * A path relative to `base` (the workspace), which must stay inside it. With `mustExist`, the path must
   * exist and be of the given kind.
   */
  path(
    name: string,
    opts: Common & { default?: string; base?: string; mustExist?: boolean; kind?: 'file' | 'directory' } = {},
  ): string {
    const value = this.raw(name, opts) || opts.default || '';
    if (value === '') return '';
    const base = path.resolve(opts.base ?? process.env.GITHUB_WORKSPACE ?? process.cwd());
    const resolved = path.resolve(base, value);
    if (resolved !== base && !resolved.startsWith(base + path.sep)) {
      throw new InputError(name, `expected a path inside the workspace, got ${shown(value)}.`);
    }
    if (opts.mustExist || opts.kind) {
      let stat: fs.Stats | undefined;
      try {
        stat = fs.statSync(resolved);
      } catch {
        if (opts.mustExist)
          throw new InputError(
            name,
            `${shown(value)} does not exist. Check the path relative to the repository root.`,
          );
      }
      if (stat && opts.kind === 'file' && !stat.isFile())
        throw new InputError(name, `expected a file, got ${shown(value)} which is not a file.`);
      if (stat && opts.kind === 'directory' && !stat.isDirectory())
        throw new InputError(name, `expected a directory, got ${shown(value)} which is not a directory.`);
    }
    return resolved;
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
