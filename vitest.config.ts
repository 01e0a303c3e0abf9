import { defineConfig } from 'vitest/config';

// Three projects (the browser e2e runs under @playwright/test instead):
// - unit: fast, no build, no timed assertions;
// - integration (*.integration.test.ts): real LanceDB, ONNX Runtime and the built CLI (built once, first);
// - perf (*.perf.test.ts): checks with a time or stall bound, retried because a loaded machine can miss one.
const everywhere = ['src/**/*.test.ts', 'scripts/**/*.test.ts', 'resources/**/*.test.ts'];

export default defineConfig({
  test: {
    environment: 'node',
    testTimeout: 120_000,
    hookTimeout: 300_000,
    pool: 'forks',
    fileParallelism: true,
    maxWorkers: 2,
    projects: [
      { extends: true, test: { name: 'unit', include: everywhere, exclude: ['**/*.integration.test.ts', '**/*.perf.test.ts', '**/node_modules/**'] } },
      { extends: true, test: { name: 'integration', include: ['**/*.integration.test.ts'], exclude: ['**/node_modules/**'], globalSetup: ['scripts/vitest-global-setup.ts'] } },
      { extends: true, test: { name: 'perf', include: ['**/*.perf.test.ts'], exclude: ['**/node_modules/**'], retry: 2 } },
    ],
  },
});
