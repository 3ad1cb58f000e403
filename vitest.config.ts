import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["tests/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Tests that share PostgreSQL/Redis or bind ports coordinate by unique names, so files may run in parallel.
    pool: "forks",
  },
});
