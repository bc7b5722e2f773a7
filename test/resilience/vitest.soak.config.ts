// The soak run of the resilience suite (npm run test:soak): full sizes, one file at a time so the load test runs alone.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import base from '../../vitest.config.js';

export default defineConfig({
  ...base,
  root: fileURLToPath(new URL('../../', import.meta.url)),
  test: {
    ...base.test,
    include: ['test/resilience/**/*.test.ts'],
    fileParallelism: false,
    testTimeout: 60 * 60_000,
    env: { ...base.test?.env, RESILIENCE_SCALE: 'soak' },
  },
});
