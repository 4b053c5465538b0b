/**
 * Slipway's domain rules, each defined once: what a release id, a service name, an image reference, a path on
 * the host and the facts of a run (commit, actor, run URL) may look like. Every action validates with these,
 * and the deploy engine's bash patterns are generated from them (`npm run rules` writes
 * infra/deploy-engine/lib/rules.generated.sh; `npm run check` fails when it is stale).
 *
 * A pattern is written in the subset of regular expressions that means the same in JavaScript and in POSIX
 * extended regular expressions (bash `=~`): anchored with ^ and $, plain (capturing) groups, bracket
 * expressions without backslashes, `{m,n}` counts, `\.`-style escapes only outside brackets. `checkPortable`
 * enforces the subset; tests/unit/domain-rules.test.ts runs a table of values through both engines.
 */

export interface Rule {
  /** The bash name: the engine gets `<bash>_RE` (the pattern) and `<bash>_MAX` (the longest value). */
  readonly bash?: string;
  readonly pattern: string;
  /** The longest value accepted, whatever the pattern says. */
  readonly maxLength: number;
  /** What is expected, for error messages: "a release id (1-64 letters, ...)". */
  readonly hint: string;
}

/** One path component of an image name: lower-case alphanumerics joined by `.`, `_`, `__` or runs of `-`. */
const COMPONENT = '[a-z0-9]+(([._]|__|-+)[a-z0-9]+)*';
/** A registry host: DNS labels or an IPv4 address, optional port. */
const LABEL = '[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?';
const DOMAIN = `${LABEL}(\\.${LABEL})*(:[0-9]+)?`;
const PATH = `${COMPONENT}(/${COMPONENT})*`;
const TAG = '[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}';
const DIGEST = 'sha256:[0-9a-f]{64}';
/** distribution/reference NameTotalLengthMax: registry and path together. */
export const IMAGE_NAME_MAX = 255;

const rule = (r: Rule): Rule => r;

export const RULES = {
  /** A release on the host: the folder name under releases/ and the id in the ledger. */
  releaseId: rule({
    bash: 'RELEASE_ID',
    pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$',
    maxLength: 64,
    hint: 'a release id (1-64 letters, digits, . _ -, starting with a letter or digit)',
  }),
  /**
   * A compose service that Slipway builds, pushes and deploys. The engine turns it into an environment
   * variable (`SLIPWAY_<SERVICE>_IMAGE`, `-` -> `_`), so no `_` (api_v2 and api-v2 would collide) and no
   * upper case; it is also the last component of the pushed image's path.
   */
  serviceName: rule({
    bash: 'SERVICE',
    pattern: '^[a-z][a-z0-9-]{0,31}$',
    maxLength: 32,
    hint: 'a service name (1-32 lower-case letters, digits and -, starting with a letter)',
  }),
  /** A Docker tag. */
  tag: rule({
    pattern: `^${TAG}$`,
    maxLength: 128,
    hint: 'a Docker tag (letters, digits, _ . -, not starting with . or -, at most 128)',
  }),
  /** A registry host, optionally with a port: ghcr.io, 10.200.0.1:5000. */
  registry: rule({
    pattern: `^${DOMAIN}$`,
    maxLength: IMAGE_NAME_MAX,
    hint: 'a registry host like ghcr.io or host:port',
  }),
  /** A repository path under a registry, lower case: acme/shop. */
  repository: rule({
    pattern: `^${PATH}$`,
    maxLength: IMAGE_NAME_MAX,
    hint: 'a lower-case repository path like acme/shop',
  }),
  /** An image name without tag or digest, the registry optional: ghcr.io/acme/shop. */
  imageName: rule({
    pattern: `^(${DOMAIN}/)?${PATH}$`,
    maxLength: IMAGE_NAME_MAX,
    hint: 'a lower-case image name like ghcr.io/acme/shop',
  }),
  /** A local image as `docker tag` takes it: `[host[:port]/]path[:tag][@sha256:...]`. */
  imageRef: rule({
    pattern: `^(${DOMAIN}/)?${PATH}(:${TAG})?(@${DIGEST})?$`,
    maxLength: IMAGE_NAME_MAX + 1 + 128 + 1 + DIGEST.length,
    hint: 'an image reference like name:tag or name@sha256:...',
  }),
  /** What a release runs: an image pinned by digest, so the host runs exactly what was built and pushed. */
  pinnedImageRef: rule({
    bash: 'IMAGE',
    pattern: `^(${DOMAIN}/)?${PATH}(:${TAG})?@${DIGEST}$`,
    maxLength: IMAGE_NAME_MAX + 1 + 128 + 1 + DIGEST.length,
    hint: 'an image pinned by digest (name@sha256:<64 hex>)',
  }),
  /** The commit a release was built from, as recorded on the host; `unknown` outside a workflow. */
  gitSha: rule({
    bash: 'SHA',
    pattern: '^([0-9a-f]{7,64}|unknown)$',
    maxLength: 64,
    hint: 'a lower-case commit SHA or unknown',
  }),
  /** A full commit SHA (GITHUB_SHA): 40 hex digits, or 64 in a SHA-256 repository. */
  commitSha: rule({
    pattern: '^([0-9a-f]{40}|[0-9a-f]{64})$',
    maxLength: 64,
    hint: 'a full lower-case commit SHA',
  }),
  /** Who started a deploy or rollback: a GitHub login (bots end in [bot]) or user@host on the VPS. */
  actor: rule({
    bash: 'ACTOR',
    pattern: '^[A-Za-z0-9][A-Za-z0-9._@ -]{0,63}(\\[bot\\])?$',
    maxLength: 64,
    hint: 'a user name (letters, digits, . _ @ space -, optionally ending in [bot]; at most 64)',
  }),
  /** The workflow run behind a deploy, recorded in the ledger. */
  runUrl: rule({
    bash: 'URL',
    pattern: '^https?://[A-Za-z0-9._~:/?#=&%+-]{1,400}$',
    maxLength: 408,
    hint: 'an http(s) URL of at most 400 plain characters',
  }),
  /** owner/repo, as GITHUB_REPOSITORY spells it. */
  githubRepository: rule({
    pattern: '^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$',
    maxLength: 200,
    hint: 'owner/repo',
  }),
  /** The engine's folder on the host. `..` is refused separately (a pattern cannot say "no .. segment"). */
  appDir: rule({
    bash: 'APP_DIR',
    pattern: '^/[A-Za-z0-9._/-]*$',
    maxLength: 255,
    hint: 'an absolute path of letters, digits, . _ / - without ..',
  }),
  /** A backup's folder, on the host and off site: the UTC time its run started (infra/scripts/backup-db.sh). */
  backupName: rule({
    bash: 'BACKUP_NAME',
    pattern: '^[0-9]{8}T[0-9]{6}Z$',
    maxLength: 16,
    hint: 'a backup folder name: the UTC time it was taken, YYYYMMDDTHHMMSSZ',
  }),
  /** A GitHub environment name (deployments). */
  environment: rule({
    pattern: '^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$',
    maxLength: 64,
    hint: 'an environment name of letters, digits, space . _ -',
  }),
} as const satisfies Record<string, Rule>;

const compiled = new Map<Rule, RegExp>();

/** The rule's pattern as a JavaScript RegExp. */
export function ruleRegExp(r: Rule): RegExp {
  let re = compiled.get(r);
  if (!re) {
    re = new RegExp(r.pattern);
    compiled.set(r, re);
  }
  return re;
}

/** True when `value` follows the rule: not longer than its maximum, and matching its pattern. */
export function matches(r: Rule, value: string): boolean {
  return value.length <= r.maxLength && ruleRegExp(r).test(value);
}

/**
 * Throws unless `pattern` is in the subset that JavaScript and POSIX ERE read the same way (see the header).
 * Used by the generator, so an unportable rule cannot reach the engine.
 */
export function checkPortable(name: string, pattern: string): void {
  const problems: string[] = [];
  if (!pattern.startsWith('^') || !pattern.endsWith('$')) problems.push('not anchored with ^...$');
  if (pattern.includes('(?')) problems.push('(?...) groups are JavaScript only');
  if (/\\[dDwWsSbB0-9]/.test(pattern)) problems.push('\\d \\w \\s \\b and back-references are not ERE');
  if (/[*+?}]\?|[*+}]\+/.test(pattern)) problems.push('lazy or possessive quantifiers are not ERE');
  if (pattern.includes("'")) problems.push("a ' cannot be single-quoted for bash");
  for (let i = 0; i < pattern.length; i++) {
    if (pattern[i] === '\\') {
      i++;
      continue;
    }
    if (pattern[i] !== '[') continue;
    let end = pattern.indexOf(']', i + (pattern[i + 1] === '^' ? 3 : 2));
    if (end === -1) end = pattern.length;
    const bracket = pattern.slice(i, end + 1);
    if (bracket.includes('\\')) problems.push(`a backslash inside ${bracket} is literal in ERE`);
    i = end;
  }
  if (problems.length) throw new Error(`rule ${name}: pattern ${pattern}: ${problems.join('; ')}`);
}

/** The engine's rules file: one `_RE` and `_MAX` per rule with a bash name. Pure. */
export function renderBashRules(source = 'actions/toolkit/src/rules.ts'): string {
  const lines = [
    '#!/usr/bin/env bash',
    `# Generated by \`npm run rules\` from ${source}. Do not edit: change the rule there.`,
    '# Sourced by lib/common.sh; `need_rule NAME VALUE RULE` checks a value against <RULE>_RE and <RULE>_MAX.',
    '# shellcheck disable=SC2034 # used by the files that source this one',
  ];
  for (const [name, r] of Object.entries(RULES) as [string, Rule][]) {
    if (!r.bash) continue;
    checkPortable(name, r.pattern);
    lines.push('', `# ${name}: ${r.hint}`);
    lines.push(`readonly ${r.bash}_RE='${r.pattern}'`, `readonly ${r.bash}_MAX=${r.maxLength}`);
  }
  return `${lines.join('\n')}\n`;
}
