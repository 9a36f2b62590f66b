import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'pos',
    include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
    // The end-to-end tests run a real store server: the store server's test services
    // (a database per test file, copied from a migrated template) come from its global setup.
    globalSetup: ['../store-server/test/support/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
  },
});
