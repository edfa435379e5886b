import { describe, expect, it } from "vitest";
import { deepImports, isStorageModule, sqlOutsideStores, unitCycles } from "./rules.js";

const core = (path: string, text: string) => ({ path: `packages/core/src/${path}`, text });

describe("SQL outside storage modules", () => {
  it("knows a storage module by its place", () => {
    expect(isStorageModule("packages/core/src/jobs/store.ts")).toBe(true);
    expect(isStorageModule("packages/core/src/memory/store/live.ts")).toBe(true);
    expect(isStorageModule("packages/core/src/intelligence/facts/store.ts")).toBe(true);
    expect(isStorageModule("packages/core/src/db/migrations.ts")).toBe(true);
    expect(isStorageModule("packages/core/src/jobs/queue.ts")).toBe(false);
    expect(isStorageModule("packages/core/src/graph/entity-store.ts")).toBe(false);
    expect(isStorageModule("apps/server/src/store.ts")).toBe(false);
  });

  it("reports each kind of SQL in a service or an app, with its line", () => {
    const findings = sqlOutsideStores([
      core("memory/service.ts", 'import { and, eq } from "drizzle-orm";\nconst s = db.prepare("SELECT 1");'),
      core("fsrs/service.ts", 'import { memories } from "../db/schema.js";\nconst q = sql`x = 1`;\nthis.db.select().from(memories);'),
      core("audit/log.ts", 'sqlite.pragma("journal_mode");\ndb.exec("DELETE FROM audit_log");'),
      { path: "apps/server/src/routes/operations.ts", text: 'engram.db.sqlite.prepare("SELECT max(version) FROM schema_migrations")' },
    ]);
    expect(findings.map((f) => `${f.path.replace("packages/core/src/", "")}:${f.line} ${f.what}`).sort()).toEqual([
      "apps/server/src/routes/operations.ts:1 .prepare(",
      "audit/log.ts:1 .pragma(",
      "audit/log.ts:2 raw SQL passed to exec",
      "fsrs/service.ts:1 value import from ../db/schema.js",
      "fsrs/service.ts:2 sql`…` template",
      "fsrs/service.ts:3 query builder on a db handle",
      "memory/service.ts:1 value import from drizzle-orm",
      "memory/service.ts:2 .prepare(",
    ]);
  });

  it("lets storage modules, type-only imports, comments and a RegExp's exec pass", () => {
    expect(
      sqlOutsideStores([
        core("jobs/store.ts", 'import { eq } from "drizzle-orm";\nconst s = db.prepare("SELECT 1");'),
        core("memory/store/live.ts", "export const live = sql`is_forgotten = 0`;"),
        core("memory/service.ts", 'import type { Db } from "../db/connection.js";\nimport { type MemoryRow } from "../db/schema.js";\n// db.prepare("SELECT") in a comment\nconst m = /x/.exec(text);'),
      ]),
    ).toEqual([]);
  });
});

describe("import cycles between core's folders", () => {
  it("finds a two-folder loop and names the files that close it", () => {
    const cycles = unitCycles([
      core("memory/service.ts", 'import { JobQueue } from "../jobs/index.js";'),
      core("jobs/ttl.ts", 'import type { MemoryService } from "../memory/service.js";'),
      core("graph/service.ts", 'import { MemoryService } from "../memory/index.js";'),
    ]);
    expect(cycles).toEqual([
      {
        units: ["jobs", "memory"],
        via: ["jobs → memory (packages/core/src/jobs/ttl.ts)", "memory → jobs (packages/core/src/memory/service.ts)"],
      },
    ]);
  });

  it("finds a loop around three folders and passes a layered tree", () => {
    const loop = unitCycles([
      core("search/a.ts", 'import "../graph/index.js";'),
      core("graph/b.ts", 'import "../text/index.js";'),
      core("text/c.ts", 'import "../search/fts.js";'),
    ]);
    expect(loop.map((c) => c.units)).toEqual([["graph", "search", "text"]]);
    const layered = unitCycles([
      core("search/a.ts", 'import "../graph/index.js";\nimport "../text/index.js";'),
      core("graph/b.ts", 'import "../text/index.js";\nimport "../errors.js";'),
      core("engram.ts", 'import "./search/index.js";\nimport "./graph/index.js";'),
    ]);
    expect(layered).toEqual([]);
  });
});

describe("imports past a folder's public face", () => {
  it("reports an import of another folder's inner file, not of its index or of the folder's own files", () => {
    expect(
      deepImports([
        core("search/a.ts", 'import "../graph/index.js";\nimport "../graph/entities.js";\nimport "./fusion.js";\nimport "../errors.js";'),
      ]),
    ).toEqual([{ path: "packages/core/src/search/a.ts", imports: "../graph/entities.js" }]);
  });

  it("lets a storage module reach db/'s tables, and nobody else", () => {
    expect(
      deepImports([
        core("memory/store/links.ts", 'import { memoryLinks } from "../../db/schema.js";'),
        core("memory/service.ts", 'import type { MemoryRow } from "../db/schema.js";'),
      ]),
    ).toEqual([{ path: "packages/core/src/memory/service.ts", imports: "../db/schema.js" }]);
  });
});
