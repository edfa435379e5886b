import { describe, expect, it } from "vitest";
import { layOut, memoryLine, sharedPrefix, type Placed } from "./layout.js";

const placed = (id: number, content: string, group = "session:a", createdAt = "2025-01-01T00:00:00.000Z", category = "general"): Placed => ({
  id,
  line: memoryLine(category, content),
  group,
  createdAt,
});
const text = (ps: Placed[]) =>
  layOut(ps)
    .map((l) => l.text)
    .join("");

describe("shared prefixes", () => {
  it("cut at a closing bracket or a colon followed by a space, never inside a word or a time", () => {
    const lines = ["[general] [1:56 pm on 8 May, 2023] Caroline: I went", "[general] [1:56 pm on 8 May, 2023] Caroline: I think"];
    expect(lines[0]!.slice(0, sharedPrefix(lines))).toBe("[general] [1:56 pm on 8 May, 2023] Caroline:");
    const speakers = ["[general] [1:56 pm on 8 May, 2023] Caroline: hi", "[general] [1:56 pm on 8 May, 2023] Melanie: hello"];
    expect(speakers[0]!.slice(0, sharedPrefix(speakers))).toBe("[general] [1:56 pm on 8 May, 2023]");
    // Agent memories have their own forms: a label with a colon, a date with a colon.
    const notes = ["[decision] deploy: use blue-green switches", "[decision] deploy: canary for an hour first"];
    expect(notes[0]!.slice(0, sharedPrefix(notes))).toBe("[decision] deploy:");
    const dated = ["[note] 2024-05-01: backup ran at 10:30", "[note] 2024-05-01: backup failed at 10:31"];
    expect(dated[0]!.slice(0, sharedPrefix(dated))).toBe("[note] 2024-05-01:");
    // Too short to pay for a line of its own.
    expect(sharedPrefix(["[x] backup ran", "[x] backup failed"])).toBe(0);
    expect(sharedPrefix(["[general] same", "[event] same"])).toBe(0);
    expect(sharedPrefix(["[general] only one"])).toBe(0);
  });

  it("prints a prefix once above the lines that share it, and every memory's text whole", () => {
    const contents = [
      "[1:56 pm on 8 May, 2023] Caroline: I went to a LGBTQ support group yesterday.",
      "[1:56 pm on 8 May, 2023] Melanie: That's great!   It must have   been powerful.",
      "[1:56 pm on 8 May, 2023] Caroline: It was. Thanks, Mel.",
    ];
    const ps = contents.map((c, i) => placed(i + 1, c));
    const out = text(ps);
    expect(out).toBe(
      "[general] [1:56 pm on 8 May, 2023]\n- Caroline: I went to a LGBTQ support group yesterday.\n- Melanie: That's great! It must have been powerful.\n- Caroline: It was. Thanks, Mel.\n",
    );
    expect(out.match(/8 May, 2023/g)).toHaveLength(1);
    for (const c of contents) expect(out).toContain(c.replace(/\s+/g, " ").replace("[1:56 pm on 8 May, 2023] ", ""));
  });

  it("leaves a lone memory, and memories that share nothing, on lines of their own", () => {
    const out = text([placed(1, "Deploys go out on Tuesdays", "memory:1"), placed(2, "Backups run nightly", "memory:2")]);
    expect(out).toBe("- [general] Deploys go out on Tuesdays\n- [general] Backups run nightly\n");
  });
});

describe("session groups", () => {
  it("put one session's memories together in the order they were written, groups in order of their best member", () => {
    const ps = [
      placed(7, "[s2] Ben: third", "session:s2", "2025-01-02T00:00:03.000Z"),
      placed(3, "[s1] Ann: second", "session:s1", "2025-01-01T00:00:02.000Z"),
      placed(5, "[s2] Ben: first", "session:s2", "2025-01-02T00:00:01.000Z"),
      placed(2, "[s1] Ann: first", "session:s1", "2025-01-01T00:00:01.000Z"),
      placed(9, "lone", "memory:9"),
    ];
    expect(layOut(ps).map((l) => l.id)).toEqual([5, 7, 2, 3, 9]);
    // Written in the same millisecond: the id decides.
    expect(layOut([placed(4, "b"), placed(3, "a")]).map((l) => l.id)).toEqual([3, 4]);
  });
});
