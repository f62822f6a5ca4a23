import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // PGlite takes 2–10 s to start on a busy 2-core runner; the default 10 s hook timeout is too tight.
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
