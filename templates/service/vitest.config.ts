import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Each test file starts its own PGlite (~0.8 GB); two at a time fit a small CI runner.
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    env: { OTEL_LOGS_EXPORTER: "none" },
  },
});
