import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    passWithNoTests: true,
    projects: ['packages/*/vitest.config.ts', 'apps/*/vitest.config.ts'],
    // The JSON report is what .ci/run counts for its "tests: N passed, N failed" line.
    reporters: ['default', ['json', { outputFile: '.till/test-report.json' }]],
  },
});
