import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // forks: each test file gets its own process (the native addon keeps a process-wide thread pool)
    pool: "forks",
    testTimeout: 120_000,
  },
});
