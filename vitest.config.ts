import { defineConfig } from 'vitest/config';

// Unit and integration tests run in Node; the browser e2e (e2e/browser) runs under @playwright/test.
export default defineConfig({
  test: {
    environment: 'node',
    globalSetup: ['scripts/vitest-global-setup.ts'],
    include: ['src/**/*.test.ts', 'scripts/**/*.test.ts', 'resources/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 300_000,
    pool: 'forks',
    fileParallelism: true,
    maxWorkers: 2,
  },
});
