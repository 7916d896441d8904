import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    testTimeout: 20_000,
    hookTimeout: 600_000,
    pool: 'forks',
    globalSetup: ['test/integration/global-setup.ts'],
  },
});
