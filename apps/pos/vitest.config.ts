import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'pos',
    include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
  },
});
