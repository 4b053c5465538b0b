import { defineConfig } from 'vitest/config';

// Three projects: `unit` is pure and fast (no Docker, no network); `integration` talks to the real
// sandbox (Docker engine, registry, VPS namespace), which tests/integration-setup.ts brings up first;
// `infra` runs the infrastructure tools (OpenTofu) offline on infra/.
/**
 * Integration tests that never touch the sandbox's VPS (vps1): bare hosts of their own, or stacks on this
 * machine's engine. A test that deploys to or reads vps1 belongs in `integration`, never in these folders.
 */
const OFF_VPS = [
  'tests/hosts/**/*.int.test.ts',
  'tests/backup/**/*.int.test.ts',
  'service/tests/**/*.int.test.ts',
  'docker/tests/**/*.int.test.ts',
  'infra/monitoring/tests/**/*.int.test.ts',
  'infra/ansible/**/tests/**/*.int.test.ts',
  'infra/deploy-engine/tests/**/*.int.test.ts',
  'tests/sandbox/chroma-image.int.test.ts',
];

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
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['**/*.int.test.ts'],
          exclude: ['**/node_modules/**', 'tests/infra/**', ...OFF_VPS],
          globalSetup: ['tests/integration-setup.ts'],
          testTimeout: 300_000,
          hookTimeout: 600_000,
          fileParallelism: false,
        },
      },
      {
        // Everything that never touches vps1: the bare-host tests (vps2-vps4, remade from bare each run) and the
        // tests of stacks on this machine's engine. scripts/test.sh runs this lane alongside `integration`.
        extends: true,
        test: {
          name: 'off-vps',
          include: OFF_VPS,
          exclude: ['**/node_modules/**'],
          globalSetup: ['tests/integration-setup.ts'],
          testTimeout: 300_000,
          hookTimeout: 600_000,
          fileParallelism: false,
        },
      },
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
