import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createEngram, type Engram } from "../engram.js";
import { storeInputSchema } from "../memory/schemas.js";
import { ManualClock } from "../util/clock.js";
import { parseImportBody, parseImportRoute } from "./bundle.js";

let engram: Engram;
let alice: number;
let bob: number;

beforeEach(() => {
  const clock = new ManualClock(new Date("2026-06-10T12:00:00.000Z"));
  engram = createEngram({ dbPath: ":memory:", dbSynchronous: "normal", apiKeyPepper: "", embedder: null, vectorMinSimilarity: 0.2 }, { clock });
  alice = engram.auth.createUser("alice", undefined, "writer").id;
  bob = engram.auth.createUser("bob", undefined, "writer").id;
});
afterEach(() => engram.close());

const store = (userId: number, content: string) => {
  const r = engram.memories.store(userId, storeInputSchema.parse({ content }));
  if (r.kind !== "stored") throw new Error("unexpected duplicate");
  return r.memory.id;
};
const exportText = (userId: number) =>
  [...engram.portability.exportRecords(userId, { includeForgotten: false, username: "u" })].map((r) => JSON.stringify(r)).join("\n");
const rowCount = (userId: number) => engram.memories.stats(userId).rows;

describe("export", () => {
  it("pages through any number of rows: every memory once, in id order, the footer counting them", () => {
    const ids = Array.from({ length: 1203 }, (_, i) => store(alice, `Memory number ${i} about topic ${i * 7919}`));
    const recs = [...engram.portability.exportRecords(alice, { includeForgotten: false, username: "alice" })];
    const memories = recs.filter((r) => r.type === "memory").map((r) => r.id);
    expect(memories).toEqual(ids);
    expect(recs.at(-1)).toEqual({ type: "footer", records: recs.length - 2 });
    expect(recs[0]).toMatchObject({ counts: { memory: 1203 } });
  });
});

describe("import", () => {
  it("a failure at commit rolls the whole import back: no memory, space or link of it remains", () => {
    store(alice, "The release train leaves every second Tuesday");
    const v1 = store(alice, "Deploys go through the blue-green switch on lb-02");
    engram.memories.update(alice, v1, { content: "Deploys go through the blue-green switch on lb-03" });
    const bundle = exportText(alice);
    const fail = () => {
      throw new Error("disk full");
    };
    engram.db.commitHooks.beforeCommit.push(fail);
    expect(() => engram.portability.import(bob, bundle, "application/x-ndjson")).toThrow("disk full");
    engram.db.commitHooks.beforeCommit.splice(engram.db.commitHooks.beforeCommit.indexOf(fail), 1);
    expect(rowCount(bob)).toBe(0);
    expect(engram.portability.import(bob, bundle, "application/x-ndjson")).toMatchObject({ imported: 3, by_type: { memory: 3, link: 1 } });
    expect(rowCount(bob)).toBe(3);
  });

  it("gives each imported row a sync id of its own, and skips the held ones on a second import", () => {
    store(alice, "Invoices are sent on the last working day of the month");
    const bundle = exportText(alice);
    expect(engram.portability.import(bob, bundle, undefined)).toMatchObject({ imported: 1, skipped: 0, format: "engram-ndjson" });
    expect(engram.portability.import(bob, bundle, undefined)).toMatchObject({ imported: 0, skipped: 1 });
    const bobs = [...engram.portability.exportRecords(bob, { includeForgotten: false, username: "bob" })].filter((r) => r.type === "memory");
    const alices = [...engram.portability.exportRecords(alice, { includeForgotten: false, username: "alice" })].filter((r) => r.type === "memory");
    expect(bobs[0]!.sync_id).toBe(alices[0]!.sync_id);
    expect(bobs[0]!.id).not.toBe(alices[0]!.id);
  });
});

describe("parseImportBody", () => {
  it("detects each format of the contract's table", () => {
    expect(parseImportBody('{"type":"header","format":"engram-ndjson"}\n{"type":"footer","records":0}\n', "text/plain").format).toBe("engram-ndjson");
    expect(parseImportBody(JSON.stringify({ version: 1, memories: [{ content: "a b c" }] }), undefined).format).toBe("engram");
    expect(parseImportBody(JSON.stringify({ memories: [{ memory: "a b c" }] }), undefined).format).toBe("mem0");
    expect(parseImportBody(JSON.stringify({ results: [] }), undefined).format).toBe("mem0");
    expect(parseImportBody(JSON.stringify({ data: [] }), undefined).format).toBe("array");
    expect(parseImportBody(JSON.stringify([{ text: "a b c" }]), undefined).format).toBe("array");
    expect(() => parseImportBody("hello", undefined)).toThrow("body: unrecognized import format");
  });

  it("reads the reference's older export, whose columns were numbered", () => {
    const parsed = parseImportBody(JSON.stringify({ version: "1", memories: [{ col_0: 3, col_1: "Old export text", col_2: "task", col_3: "cli", col_4: 8 }] }), undefined);
    expect(parsed.memories[0]!.record).toMatchObject({ content: "Old export text", category: "task", source: "cli", importance: 8 });
  });

  it("takes tags as the JSON text of an array, as the reference wrote them", () => {
    const parsed = parseImportBody(JSON.stringify([{ content: "x y z", tags: '["A","b"]' }]), undefined);
    expect(parsed.memories[0]!.record.tags).toEqual(["A", "b"]);
  });
});

describe("parseImportRoute", () => {
  it("takes one format per route, with that route's defaults", () => {
    expect(() => parseImportRoute("json", JSON.stringify({ memories: [{ content: "x y z" }] }))).toThrow("version: missing (not an Engram export)");
    expect(parseImportRoute("json", JSON.stringify({ version: 1, memories: [{ content: "x y z" }] })).memories[0]!.record.source).toBe("import");
    expect(parseImportRoute("mem0", JSON.stringify([{ memory: "x y z" }])).memories[0]!.record).toMatchObject({ source: "mem0-import", tags: ["mem0-import"] });
    const sm = parseImportRoute("supermemory", JSON.stringify({ data: [{ raw: "x y z", type: "Bookmark", space: "Reading" }] })).memories[0]!.record;
    expect(sm).toMatchObject({ category: "discovery", source: "supermemory-import", tags: ["supermemory-import", "Reading", "Bookmark"] });
    expect(() => parseImportRoute("supermemory", JSON.stringify({ data: [{ raw: "x y z", tags: [1] }] }))).toThrow("index 0: tags.1: must be a string");
  });
});
