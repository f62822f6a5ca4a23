import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts", "test/**/*.test.tsx"],
    // initdb and the migrations run once, here; each test file that needs Postgres loads that snapshot into a
    // PGlite of its own (~0.8 GB): two at a time, with room for the start-up.
    globalSetup: ["test/database.ts"],
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    env: { OTEL_LOGS_EXPORTER: "none" },
  },
});
