import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../config/index.js";
import { DEFAULT_JOBS_CONFIG } from "./config.js";

describe("job queue configuration", () => {
  it("uses the core defaults when nothing is set", () => {
    expect(loadConfig({}).jobs).toEqual(DEFAULT_JOBS_CONFIG);
    expect(DEFAULT_JOBS_CONFIG.sweepIntervalMs).toBe(300_000);
  });

  it("reads ENGRAM_JOB_* and ENGRAM_SWEEP_INTERVAL_SECS (0 switches the scheduled sweep off)", () => {
    const jobs = loadConfig({
      ENGRAM_JOB_CONCURRENCY: "8",
      ENGRAM_JOB_TYPE_CONCURRENCY: "3",
      ENGRAM_JOB_MAX_ATTEMPTS: "5",
      ENGRAM_JOB_POLL_MS: "250",
      ENGRAM_JOB_BACKOFF_BASE_MS: "100",
      ENGRAM_JOB_BACKOFF_MAX_MS: "60000",
      ENGRAM_JOB_RETENTION_DAYS: "2",
      ENGRAM_JOB_MAX_PENDING_PER_TENANT: "500",
      ENGRAM_SWEEP_INTERVAL_SECS: "0",
    }).jobs;
    expect(jobs).toEqual({
      concurrency: 8,
      typeConcurrency: 3,
      maxAttempts: 5,
      pollMs: 250,
      backoffBaseMs: 100,
      backoffMaxMs: 60_000,
      retentionMs: 2 * 86_400_000,
      sweepIntervalMs: 0,
      maxPendingPerTenant: 500,
    });
  });

  it("names the variable at fault", () => {
    expect(() => loadConfig({ ENGRAM_JOB_CONCURRENCY: "0" })).toThrow(/ENGRAM_JOB_CONCURRENCY/);
    expect(() => loadConfig({ ENGRAM_SWEEP_INTERVAL_SECS: "-5" })).toThrow(/ENGRAM_SWEEP_INTERVAL_SECS/);
    expect(() => loadConfig({ ENGRAM_JOB_MAX_ATTEMPTS: "two" })).toThrow(/ENGRAM_JOB_MAX_ATTEMPTS/);
    expect(() => loadConfig({ ENGRAM_JOB_MAX_PENDING_PER_TENANT: "0" })).toThrow(/ENGRAM_JOB_MAX_PENDING_PER_TENANT/);
    expect(() => loadConfig({ ENGRAM_JOB_BACKOFF_BASE_MS: "5000", ENGRAM_JOB_BACKOFF_MAX_MS: "1000" })).toThrow(ConfigError);
  });
});
