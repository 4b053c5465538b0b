/**
 * Docker reference grammar (distribution/reference), as regular expressions. Pure; used to validate inputs
 * before anything reaches a command line.
 */

/** One path component: lower-case alphanumerics joined by `.`, `_`, `__` or runs of `-`. */
const COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
/** A registry host: DNS labels or an IPv4 address, optional port. */
const DOMAIN =
  '(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)(?:\\.(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?))*(?::[0-9]+)?';
const TAG = '[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}';
const DIGEST = 'sha256:[0-9a-f]{64}';

export const TAG_PATTERN = new RegExp(`^${TAG}$`);
export const SERVICE_PATTERN = /^[a-z0-9][a-z0-9_-]*$/;
export const REGISTRY_PATTERN = new RegExp(`^${DOMAIN}$`);
export const REPOSITORY_PATTERN = new RegExp(`^${COMPONENT}(?:/${COMPONENT})*$`);
/** A local image: `[host[:port]/]path[:tag][@sha256:...]`. Image IDs are refused: a FROM line cannot use them. */
export const IMAGE_PATTERN = new RegExp(
  `^(?:${DOMAIN}/)?${COMPONENT}(?:/${COMPONENT})*(?::${TAG})?(?:@${DIGEST})?$`,
);

/** A full reference name may not exceed 255 characters (distribution/reference NameTotalLengthMax). */
export const NAME_MAX = 255;
