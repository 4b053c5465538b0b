import type { Finding, Level } from './findings.js';

export const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';

type SarifLevel = 'error' | 'warning' | 'note';

const SARIF_LEVEL: Record<Level, SarifLevel> = {
  error: 'error',
  warning: 'warning',
  info: 'note',
  style: 'note',
};

/** Where a rule is explained: hadolint's wiki for DL rules, ShellCheck's for the SC rules it runs in RUN. */
export function helpUri(code: string): string {
  if (/^SC\d+$/.test(code)) return `https://www.shellcheck.net/wiki/${code}`;
  return `https://github.com/hadolint/hadolint/wiki/${encodeURIComponent(code)}`;
}

/** A relative URI reference: `/`-separated, each segment percent-encoded (spaces, `#`, `%`). */
export function artifactUri(file: string): string {
  return file.split(/[\\/]/).map(encodeURIComponent).join('/');
}

export interface SarifLog {
  $schema: string;
  version: '2.1.0';
  runs: {
    tool: {
      driver: {
        name: string;
        version: string;
        informationUri: string;
        rules: { id: string; shortDescription: { text: string }; helpUri: string }[];
      };
    };
    results: {
      ruleId: string;
      ruleIndex: number;
      level: SarifLevel;
      message: { text: string };
      locations: {
        physicalLocation: {
          artifactLocation: { uri: string };
          region: { startLine: number; startColumn: number };
        };
      }[];
    }[];
  }[];
}

/** A SARIF 2.1.0 log of `findings` (workspace-relative files), valid with no findings too. Pure. */
export function toSarif(findings: readonly Finding[], hadolintVersion: string): SarifLog {
  const codes = [...new Set(findings.map((f) => f.code))].sort();
  const index = new Map(codes.map((c, i) => [c, i]));
  const firstMessage = (code: string) => findings.find((f) => f.code === code)?.message || code;
  return {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'hadolint',
            version: hadolintVersion.replace(/^v/, ''),
            informationUri: 'https://github.com/hadolint/hadolint',
            rules: codes.map((id) => ({
              id,
              shortDescription: { text: firstMessage(id) },
              helpUri: helpUri(id),
            })),
          },
        },
        results: findings.map((f) => ({
          ruleId: f.code,
          ruleIndex: index.get(f.code) ?? 0,
          level: SARIF_LEVEL[f.level],
          message: { text: f.message || f.code },
          locations: [
            {
              physicalLocation: {
                artifactLocation: { uri: artifactUri(f.file) },
                region: { startLine: Math.max(1, f.line), startColumn: Math.max(1, f.column) },
              },
            },
          ],
        })),
      },
    ],
  };
}
