/** Job summaries of ssh-deploy and rollback. Pure: results in, markdown out. */
import { details, heading, table } from '../index.js';
import type { EngineResult, Listing } from './engine.js';

export function deploySummary(
  kind: 'Deploy' | 'Rollback',
  host: string,
  releaseId: string,
  images: Record<string, string>,
  result: EngineResult | undefined,
  failure?: string,
): string {
  const ok = result?.ok === true && !failure;
  let md = heading(`${kind} ${ok ? 'succeeded' : 'failed'}: ${releaseId} on ${host}`);
  md += table(
    ['', ''],
    [
      ['Release', releaseId],
      ['Previous release', result?.previous || '(none)'],
      ['Slot', result?.slot ?? ''],
      ['Seconds', result?.seconds ?? ''],
    ],
  );
  const rows = Object.entries(images).map(([service, ref]) => [service, `\`${ref}\``]);
  if (rows.length) md += `\n${table(['Service', 'Image (by digest)'], rows)}`;
  if (!ok) {
    md += `\n**${failure ?? result?.error ?? 'failed'}**\n\n`;
    md += 'The release that was live before keeps serving. ';
    md += 'See docs/RUNBOOK.md ("A deploy failed").\n';
    if (result?.detail) md += `\n${details('Health output', '```\n' + result.detail + '\n```')}`;
  }
  return md;
}

export function ledgerSummary(listing: Listing, maxRows = 20): string {
  let md = heading(`Live release: ${listing.current || '(none)'}`, 4);
  md += '\nReleases retained on the host (any can be chosen as `to`):\n\n';
  md += table(
    ['', 'Release', 'Git SHA', 'Created'],
    listing.releases.map((r) => [r.live ? 'live' : '', r.id, (r.gitSha ?? '').slice(0, 12), r.created ?? '']),
  );
  const rows = listing.ledger
    .slice(-maxRows)
    .reverse()
    .map((e) => [e.startedAt ?? '', e.kind, e.release, e.result, e.previous || '-', e.actor ?? '']);
  md += `\n${details(
    `Ledger (last ${rows.length} of ${listing.ledger.length}, newest first)`,
    table(['Started', 'Kind', 'Release', 'Result', 'Previous', 'Actor'], rows),
  )}`;
  return md;
}
