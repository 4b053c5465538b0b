import { defineConfig } from 'vitest/config';

// Five projects: `unit` is pure and fast (no Docker, no network); `integration` talks to the real sandbox
// (Docker engine, registry, the VPS vps1), which tests/integration-setup.ts brings up first; `workflows` and
// `hosts` also use the sandbox but never change vps1, so scripts/test.sh runs them beside `integration`;
// `infra` runs the infrastructure tools (OpenTofu) offline on infra/.
/** A project of tests against the sandbox: tests/integration-setup.ts brings it up first; files run one at a time. */
function sandboxProject(name: string, include: string[], exclude: string[] = []) {
  return {
    extends: true as const,
    test: {
      name,
      include,
      exclude: ['**/node_modules/**', ...exclude],
      globalSetup: ['tests/integration-setup.ts'],
      testTimeout: 300_000,
      hookTimeout: 600_000,
      fileParallelism: false,
    },
  };
}

export default defineConfig({
  test: {
    server: { deps: { inline: ['@actions/workflow-parser'] } },
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: [
            'actions/*/tests/**/*.test.ts',
            'workflows-src/tests/**/*.test.ts',
            'service/tests/**/*.test.ts',
            'tests/unit/**/*.test.ts',
            'infra/*/tests/**/*.test.ts',
            'scripts/**/tests/**/*.test.ts',
            'infra/**/tests/**/*.test.ts',
          ],
          exclude: ['**/*.int.test.ts', '**/node_modules/**'],
        },
      },
      sandboxProject(
        'integration',
        ['**/*.int.test.ts'],
        ['tests/infra/**', 'tests/hosts/**', 'tests/workflows/**'],
      ),
      // The generated workflows under act for what the rehearsal does not show (a failing gate deploys nothing,
      // a branch cannot roll back): they only read vps1's ledger, so scripts/test.sh runs them beside
      // `integration`.
      sandboxProject('workflows', ['tests/workflows/**/*.int.test.ts']),
      // Bare sandbox hosts (vps2-vps4, remade from bare each run): setup-vps.sh, Ansible, the bootstrap drill.
      // They never touch vps1, so scripts/test.sh runs them beside `integration`.
      sandboxProject('hosts', ['tests/hosts/**/*.int.test.ts']),
      {
        // infra/ checked offline with the real tools (OpenTofu, its providers), no sandbox needed. Run by
        // `make infra-check` and by scripts/test.sh after the tool builds it overlaps with other suites.
        extends: true,
        test: {
          name: 'infra',
          include: ['tests/infra/**/*.int.test.ts'],
          exclude: ['**/node_modules/**'],
          testTimeout: 120_000,
          hookTimeout: 1_800_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
