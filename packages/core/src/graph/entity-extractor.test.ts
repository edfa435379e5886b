import fs from "node:fs";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { EngramError } from "../errors.js";
import { EntityExtractor } from "./entity-extractor.js";
import { extractEntities } from "./entity-rules.js";

/**
 * The extraction worker itself: the compiled one (`pnpm build` makes it; the TypeScript sources
 * have none, and there extraction runs inline), driven by the extractor from the sources.
 */
const WORKER = new URL("../../dist/graph/entity-worker.js", import.meta.url);

const open: EntityExtractor[] = [];
afterEach(async () => {
  for (const e of open.splice(0)) await e.close();
});
function extractor(timeoutMs: number): EntityExtractor {
  expect(fs.existsSync(fileURLToPath(WORKER)), "run pnpm build first: the test drives the compiled worker").toBe(true);
  const e = new EntityExtractor(timeoutMs, WORKER);
  open.push(e);
  return e;
}

const NOTE = "Alice said the deploy to api.example.com failed; ask @bob about /etc/nginx/nginx.conf on server web-01 with Docker.";
const ATLAS = [{ name: "Atlas", aliases: ["atlas-core"], type: "project" as const }];

describe("entity extraction on a worker thread", () => {
  it("finds what extraction on the main thread finds, task after task", async () => {
    const e = extractor(10_000);
    const texts = [NOTE, "the atlas-core build is flaky", ""];
    const [first, second] = await Promise.all([e.extract(texts, ATLAS), e.extract([NOTE], [])]);
    expect(first).toEqual(texts.map((t) => extractEntities(t, ATLAS)));
    expect(second).toEqual([extractEntities(NOTE, [])]);
  });

  it("stops a task past its time limit, then serves the next one on a new worker", async () => {
    // 4,000 texts of 16 KB dense with names: several seconds of work, against a 2 s limit.
    const e = extractor(2_000);
    const heavy = Array.from({ length: 4_000 }, (_, i) => `${i} ${NOTE.repeat(150)}`);
    const late = e.extract(heavy, []);
    const next = e.extract([NOTE], []);
    const err = await late.catch((x: unknown) => x);
    expect(err).toBeInstanceOf(EngramError);
    expect(err).toMatchObject({ kind: "unavailable", message: "entity extraction did not finish within 2000 ms (ENGRAM_ENTITY_TIMEOUT_MS); its worker was stopped" });
    expect(await next).toEqual([extractEntities(NOTE, [])]);
  });
});
