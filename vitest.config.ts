import { defineConfig } from 'vitest/config';

const env = {
  AWS_ACCESS_KEY_ID: 'local',
  AWS_SECRET_ACCESS_KEY: 'local',
  AWS_REGION: 'us-east-1',
};

// Two projects: `unit` needs neither Java nor a build (`npm run test:unit`);
// `integration` (integration and reliability tests) shares one DynamoDB Local
// started by the global setup. `npm test` runs both.
export default defineConfig({
  test: {
    pool: 'forks',
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          env,
          // Pure tests with fakes and virtual time: sharing workers keeps the run to seconds.
          pool: 'threads',
          isolate: false,
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts', 'test/reliability/**/*.test.ts'],
          globalSetup: ['test/global-setup.ts'],
          env,
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
