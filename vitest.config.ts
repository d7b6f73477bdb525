import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // Workspace packages resolve to their TypeScript sources in tests, never to a stale dist.
    conditions: ['llm-orchestrator-source'],
  },
  ssr: {
    resolve: {
      conditions: ['llm-orchestrator-source'],
      externalConditions: ['llm-orchestrator-source'],
    },
  },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    pool: 'forks',
    reporters: ['default', './test/summary-reporter.ts'],
  },
});
