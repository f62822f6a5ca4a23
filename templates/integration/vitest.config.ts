import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts", "test/**/*.test.tsx"],
    // Test files that need Postgres start their own PGlite (~0.8 GB, 2–10 s on a busy 2-core runner): two at a
    // time, with room for the start-up.
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    env: { OTEL_LOGS_EXPORTER: "none" },
  },
});
