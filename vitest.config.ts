// Test runner configuration: one DynamoDB Local for the whole run, started by the global setup.
import { defineConfig } from 'vitest/config';

// Set before the workers fork so every one inherits it: the SDK warns on Node 20, which runs the tests first (npm run
// test:node24 runs them again on Node 24, the deployed functions' runtime).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export default defineConfig({
  test: {
    globalSetup: ['test/global-setup.ts'],
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 180_000,
    pool: 'forks',
    env: {
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      // Node 20 and then Node 24 run the tests; the deployed functions run on Node 24 (see README).
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      // Function logs stay out of the test output; tests that read them capture them (shared/platform/log.ts).
      SWITCHBOARD_LOG: 'off',
      // Tests post to the fake channel server on 127.0.0.1, as the local stack does (shared/channels/outbound-url.ts);
      // the guard's own tests turn it off.
      SWITCHBOARD_ALLOW_LOOPBACK_OUTBOUND: '1',
    },
  },
});
