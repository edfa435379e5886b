import { describe, expect, it } from "vitest";
import { IntelligenceTasks } from "./tasks.js";

describe("the /intelligence/run task registry", () => {
  it("runs tasks in the order added, each with the user, and reports their outputs", async () => {
    const tasks = new IntelligenceTasks();
    const seen: string[] = [];
    tasks.add("a", (u) => (seen.push(`a${u}`), { n: 1 }));
    tasks.add("b", (u) => void seen.push(`b${u}`), { after: ["a"] });
    const report = await tasks.run(7);
    expect(seen).toEqual(["a7", "b7"]);
    expect(report.reports).toEqual([
      { name: "a", status: "ok", duration_ms: expect.any(Number), output: { n: 1 } },
      { name: "b", status: "ok", duration_ms: expect.any(Number), output: null },
    ]);
    expect(report).toMatchObject({ ok_count: 2, failed_count: 0, skipped_count: 0 });
  });

  it("skips what depends on a failed task, directly or through a skipped one; the rest still runs", async () => {
    const tasks = new IntelligenceTasks();
    const ran: string[] = [];
    tasks.add("dedupe", () => {
      throw new Error("disk full");
    });
    tasks.add("consolidate", () => void ran.push("consolidate"), { after: ["dedupe"] });
    tasks.add("reflect", () => void ran.push("reflect"), { after: ["consolidate"] });
    tasks.add("temporal", async () => void ran.push("temporal"));
    const report = await tasks.run(1);
    expect(ran).toEqual(["temporal"]);
    expect(report.reports.map((r) => [r.name, r.status, r.error])).toEqual([
      ["dedupe", "failed", "disk full"],
      ["consolidate", "skipped", "skipped: dedupe did not succeed"],
      ["reflect", "skipped", "skipped: consolidate did not succeed"],
      ["temporal", "ok", undefined],
    ]);
    expect(report).toMatchObject({ ok_count: 1, failed_count: 1, skipped_count: 2 });
  });

  it("refuses a dependency that is not added yet, and a name added twice", () => {
    const tasks = new IntelligenceTasks();
    expect(() => tasks.add("b", () => null, { after: ["a"] })).toThrow("intelligence task b runs after a, which is not added (add it first)");
    tasks.add("a", () => null);
    expect(() => tasks.add("a", () => null)).toThrow("intelligence task a is already added");
    expect(tasks.names()).toEqual(["a"]);
  });
});
