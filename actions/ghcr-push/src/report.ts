/** Pure: outputs and the job summary. */
import { heading, table } from '../../toolkit/src/index.js';

export interface PushResult {
  service: string;
  /** `registry/repository/service`. */
  name: string;
  tags: string[];
  digest: string;
  /** True when a thin labelled image was built, false when the local image already carried the labels. */
  built: boolean;
}

/** The `digests` output: service -> `registry/repository/service@sha256:...`. */
export function digestsOutput(results: readonly PushResult[]): string {
  return JSON.stringify(Object.fromEntries(results.map((r) => [r.service, `${r.name}@${r.digest}`])));
}

export function summaryMarkdown(
  tag: string,
  results: readonly PushResult[],
  labels: Record<string, string>,
): string {
  const rows = results.map((r) => [
    r.service,
    r.tags.map((t) => `\`${t}\``).join(' '),
    `\`${r.name}@${r.digest}\``,
  ]);
  const labelRows = Object.entries(labels).map(([k, v]) => [`\`${k}\``, v]);
  return (
    heading(`ghcr-push: ${results.length} image${results.length === 1 ? '' : 's'} pushed as \`${tag}\``) +
    '\n' +
    table(['service', 'tags', 'digest'], rows) +
    '\n' +
    table(['label', 'value'], labelRows)
  );
}
