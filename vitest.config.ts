import { defineConfig } from "vitest/config";

/**
 * The suite runs on SQLite, the embedded default. With a PostgreSQL cluster to test against
 * (EVCRED_TEST_PG_URL: `npm run test:pg`, and .ci/run), it runs again on PostgreSQL: every test
 * whose workspace comes from the test bench (commands, server, pages, faults, the app and
 * domain layers) gets a database of its own there (EVCRED_TEST_DIALECT=postgres, see
 * test/helpers/workspace.ts). Left out of the second run: the files that already run on both
 * dialects themselves, and the tests of what only a SQLite file has (its locks, pages,
 * permissions, WAL and its own migrations).
 */
const ON_BOTH_ALREADY = [
  "test/commands/doctor-postgres.test.ts",
  "test/e2e/**",
  "test/faults/campaign-run-due.test.ts",
  "test/faults/key-rotation-crash.test.ts",
  "test/faults/kill-import.test.ts",
  "test/faults/kill-send.test.ts",
  "test/mail/runner.test.ts",
  "test/store/**",
];
const SQLITE_FILE_ONLY = [
  "test/commands/no-workspace.test.ts",
  // The ledger's own SQLite scope; its PostgreSQL side is test/store/contract-sending.test.ts.
  "test/mail/ledger-scope.test.ts",
  // These two read the SQLite file's own bytes (old seals, a reader holding its WAL).
  "test/faults/old-key-scan.test.ts",
  "test/faults/privacy.test.ts",
  "test/faults/workspace-faults.test.ts",
  "test/faults/writable-database.test.ts",
  "test/vault/**",
];

const postgres = process.env.EVCRED_TEST_PG_URL
  ? [
      {
        extends: true as const,
        test: {
          name: "postgres",
          include: ["test/{app,commands,domain,faults,mail,render,server}/**/*.test.ts"],
          exclude: [...ON_BOTH_ALREADY, ...SQLITE_FILE_ONLY],
          env: { EVCRED_TEST_DIALECT: "postgres" },
        },
      },
    ]
  : [];

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: "forks",
    globalSetup: ["test/helpers/build.ts"],
    projects: [
      { extends: true, test: { name: "sqlite", include: ["test/**/*.test.ts"] } },
      ...postgres,
    ],
  },
});
