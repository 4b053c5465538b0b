/** Pure: the pushed digest, from `docker push` output, checked against the image's RepoDigests. */

const PUSHED = /digest: (sha256:[0-9a-f]{64})/;

/** `<tag>: digest: sha256:... size: 1234` -> `sha256:...`. */
export function parsePushDigest(stdout: string): string | undefined {
  return PUSHED.exec(stdout)?.[1];
}

/**
 * True when `docker image inspect --format '{{json .RepoDigests}}'` lists `name@digest`: the engine itself
 * recorded that the registry holds this image under that digest.
 */
export function repoDigestsContain(inspectJson: string, name: string, digest: string): boolean {
  let list: unknown;
  try {
    list = JSON.parse(inspectJson.trim() || 'null');
  } catch {
    return false;
  }
  return Array.isArray(list) && list.includes(`${name}@${digest}`);
}
