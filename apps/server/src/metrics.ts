import { matchedRoute } from "./route-path.js";
import { MemoryStatusCounts, type Engram } from "@engram/core";
import client from "prom-client";
import type { MiddlewareHandler } from "hono";

/**
 * Prometheus metrics: Node's default process_* and nodejs_* metrics under their standard names;
 * Engram's own, all named engram_*: request counts and latencies per route pattern, memory counts by status
 * (all tenants: served to admin keys only, unless ENGRAM_METRICS_PUBLIC=1), and the optional LLM's
 * calls, tokens and cost. The memory counts
 * scan the table, so they are recounted at most every 30 s, however often the scraper comes.
 */
export function createMetrics(engram: Engram) {
  const memoryCounts = new MemoryStatusCounts({ db: engram.db, clock: engram.clock });
  const registry = new client.Registry();
  // The standard names (process_*, nodejs_*) unprefixed: stock Node.js dashboards look for them.
  client.collectDefaultMetrics({ register: registry });
  const requests = new client.Counter({
    name: "engram_http_requests_total",
    help: "HTTP requests by method, route pattern and status",
    labelNames: ["method", "route", "status"],
    registers: [registry],
  });
  const latency = new client.Histogram({
    name: "engram_http_request_duration_seconds",
    help: "HTTP request latency by method and route pattern",
    labelNames: ["method", "route"],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  new client.Gauge({
    name: "engram_memories",
    help: "Latest memory versions by status, all tenants",
    labelNames: ["status"],
    registers: [registry],
    collect() {
      for (const [status, n] of Object.entries(memoryCounts.current())) this.set({ status }, n);
    },
  });

  registerLlmMetrics(registry, engram);

  const middleware: MiddlewareHandler = async (c, next) => {
    const start = performance.now();
    await next();
    // The route pattern, not the raw path, keeps label cardinality bounded.
    const route = matchedRoute(c);
    requests.inc({ method: c.req.method, route, status: String(c.res.status) });
    latency.observe({ method: c.req.method, route }, (performance.now() - start) / 1000);
  };
  return { registry, middleware };
}

/** The LLM client keeps running totals; these read them at scrape time. */
function registerLlmMetrics(registry: client.Registry, engram: Engram): void {
  new client.Counter({
    name: "engram_llm_calls_total",
    help: "LLM calls by feature and outcome (ok, or why the feature fell back to rules)",
    labelNames: ["feature", "outcome"],
    registers: [registry],
    collect() {
      this.reset();
      for (const c of engram.llm.stats().calls) this.inc({ feature: c.feature, outcome: c.outcome }, c.count);
    },
  });
  new client.Counter({
    name: "engram_llm_tokens_total",
    help: "Tokens the LLM endpoint reported, by kind (prompt, completion)",
    labelNames: ["kind"],
    registers: [registry],
    collect() {
      this.reset();
      const s = engram.llm.stats();
      this.inc({ kind: "prompt" }, s.promptTokens);
      this.inc({ kind: "completion" }, s.completionTokens);
    },
  });
  new client.Counter({
    name: "engram_llm_cost_usd_total",
    help: "LLM cost in USD at ENGRAM_LLM_PRICE_IN_PER_MTOK / ENGRAM_LLM_PRICE_OUT_PER_MTOK",
    registers: [registry],
    collect() {
      this.reset();
      this.inc(engram.llm.stats().costUsd);
    },
  });
}
