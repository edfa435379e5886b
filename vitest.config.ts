import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    projects: [
      { test: { name: "core", include: ["packages/core/src/**/*.test.ts", "packages/core/test/**/*.test.ts"] } },
      { test: { name: "client", include: ["packages/client/test/**/*.test.ts"], testTimeout: 60_000, hookTimeout: 60_000 } },
      { test: { name: "server", include: ["apps/server/test/**/*.test.ts"], testTimeout: 60_000, hookTimeout: 60_000 } },
      { test: { name: "cli", include: ["apps/cli/test/**/*.test.ts"], testTimeout: 60_000, hookTimeout: 60_000 } },
      { test: { name: "mcp", include: ["apps/mcp/test/**/*.test.ts"], testTimeout: 60_000, hookTimeout: 60_000 } },
      { test: { name: "sidecar", include: ["apps/sidecar/test/**/*.test.ts"], testTimeout: 60_000, hookTimeout: 60_000 } },
      { test: { name: "repo", include: ["scripts/**/*.test.ts"] } },
      { test: { name: "hooks", include: ["hooks/test/**/*.test.ts"], testTimeout: 60_000, hookTimeout: 60_000 } },
    ],
    reporters: ["default", "./test/support/summary-reporter.ts"],
  },
});
