import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // initdb and the migrations run once, here; each test file loads that snapshot into a PGlite of its own.
    globalSetup: ["test/database.ts"],
    // Each test file holds its own PGlite (~0.8 GB); two at a time fit a small CI runner.
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    env: { OTEL_LOGS_EXPORTER: "none" },
  },
});
