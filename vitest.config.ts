import { defineConfig } from 'vitest/config';

// Two projects: `unit` (pure code, fixtures written by the tests) and `integration` (the real local Neo4j, started by
// the global setup when none answers, the real datasets under ../shared/data, the real GGUF model).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: ['test/integration/**', 'node_modules/**'],
          testTimeout: 30_000,
          setupFiles: ['test/yield-between-tests.ts'],
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/integration/global-setup.ts'],
          setupFiles: ['test/yield-between-tests.ts'],
          pool: "forks",
          poolOptions: { forks: { singleFork: true } },
          testTimeout: 300_000,
          hookTimeout: 300_000,
        },
      },
    ],
  },
});
