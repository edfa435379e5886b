import { execFile } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, bootstrap, CLI_BIN, startServer, tempDir, type RunningServer } from "../../../test/support/server.js";
import { cli, expectOneLineError, parse } from "./cli-process.js";

/** `engram-cli import`: the built CLI imports files into a real server; what it stored is read back over HTTP. */

interface StoredMemory {
  id: number;
  content: string;
  category: string;
  source: string;
  tags: string[];
  importance: number;
}

function write(file: string, text: string): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  return file;
}

describe("engram-cli import", () => {
  let server: RunningServer;
  let key: string;
  const dir = tempDir("engram-import-");
  const run = (...args: string[]) => cli(["--server", server.url, "--key", key, ...args]);
  const all = async () => (await api(server.url, key).get("/list?limit=1000")).body.results as StoredMemory[];
  const byContent = async (content: string) => (await all()).find((m) => m.content === content);

  beforeAll(async () => {
    server = await startServer({ ENGRAM_EMBEDDING_PROVIDER: "none" });
    key = await bootstrap(server.url);
  });
  afterAll(() => server.stop());

  describe("a .jsonl file", () => {
    const lines = [
      JSON.stringify({ content: "the fire exit is behind the kitchen", category: "facts", tags: ["Safety"], importance: 7 }),
      "",
      "{not json",
      JSON.stringify({ content: "the office opens at eight" }),
      "[1, 2]",
      JSON.stringify({ content: "   " }),
      JSON.stringify({ content: 42, source: "wiki" }),
      JSON.stringify({ content: "the badge printer is on floor two", source: "wiki" }),
      JSON.stringify({ content: "the fire exit is behind the kitchen", category: "facts" }),
    ];

    it("stores every good line, reports each bad one with its line number, goes on, and exits 1", async () => {
      const file = write(path.join(dir, "notes.jsonl"), `${lines.join("\n")}\n`);
      const before = (await all()).length;
      const r = await run("import", file, "--tags", "batch-1");
      expect(r.code).toBe(1);
      expect(r.stdout).toBe(`imported ${file}: 3 stored, 1 duplicate, 4 failed (8 entries)\n`);
      expect(r.stderr).toBe(
        [
          "notes.jsonl line 3: not valid JSON",
          "notes.jsonl line 5: not a JSON object",
          "notes.jsonl line 6: content: must not be empty or whitespace",
          "notes.jsonl line 7: content: must be a string",
          "",
        ].join("\n"),
      );
      expect((await all()).length).toBe(before + 3);
      expect(await byContent("the fire exit is behind the kitchen")).toMatchObject({ category: "facts", source: "import", importance: 7, tags: ["safety", "batch-1"] });
      expect(await byContent("the office opens at eight")).toMatchObject({ category: "general", source: "import", tags: ["batch-1"] });
      expect(await byContent("the badge printer is on floor two")).toMatchObject({ source: "wiki" });
    });

    it("--json reports the same, with the new ids", async () => {
      const file = write(path.join(dir, "more.jsonl"), [JSON.stringify({ content: "the cafeteria closes at three" }), "nope"].join("\n"));
      const r = await run("import", file, "--category", "office", "--json");
      expect(r.code).toBe(1);
      const report = JSON.parse(r.stdout);
      expect(report).toMatchObject({ path: file, total: 2, stored: 1, duplicates: 0, failed: [{ where: "more.jsonl line 2", error: "not valid JSON" }] });
      expect((await api(server.url, key).get(`/memory/${report.ids[0]}`)).body).toMatchObject({ content: "the cafeteria closes at three", category: "office" });
    });

    it("a clean file exits 0", async () => {
      const file = write(path.join(dir, "clean.jsonl"), `${JSON.stringify({ content: "the plants are watered on Mondays" })}\n`);
      const r = await run("import", file);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toBe(`imported ${file}: 1 stored, 0 duplicates, 0 failed (1 entry)\n`);
      expect(r.stderr).toBe("");
    });
  });

  describe("a folder of Markdown files", () => {
    it("stores one memory per top-level section, tagged with the file name, source import", async () => {
      const folder = path.join(dir, "notes");
      write(
        path.join(folder, "deploy.md"),
        [
          "---",
          "title: deploy notes",
          "---",
          "How we ship the API.",
          "",
          "# Deploys",
          "We deploy on Tuesdays.",
          "```bash",
          "# not a heading: a shell comment",
          "make deploy",
          "```",
          "## Checklist",
          "Tests green first.",
          "# Rollbacks",
          "Roll back with make rollback.",
          "# Empty",
          "",
        ].join("\n"),
      );
      write(path.join(folder, "team", "db.markdown"), "## Staging\nThe staging database is heron.\n## Production\nThe production database is osprey.\n");
      write(path.join(folder, ".drafts", "secret.md"), "# Draft\nnot for import\n");
      write(path.join(folder, "readme.txt"), "not markdown\n");

      const r = await run("import", folder, "--category", "runbook");
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toBe(`imported ${folder}: 5 stored, 0 duplicates, 0 failed (5 entries)\n`);

      const imported = (await all()).filter((m) => m.category === "runbook");
      expect(imported.map((m) => m.content).sort()).toEqual(
        [
          "How we ship the API.",
          "# Deploys\nWe deploy on Tuesdays.\n```bash\n# not a heading: a shell comment\nmake deploy\n```\n## Checklist\nTests green first.",
          "# Rollbacks\nRoll back with make rollback.",
          "## Staging\nThe staging database is heron.",
          "## Production\nThe production database is osprey.",
        ].sort(),
      );
      for (const m of imported) {
        expect(m.source).toBe("import");
        expect(m.tags).toEqual([m.content.includes("database") ? "db" : "deploy"]);
      }
    });
  });

  describe("failures", () => {
    it("a missing path or another kind of file is one error line", async () => {
      expectOneLineError(await run("import", path.join(dir, "nope.jsonl")), `cannot read ${path.join(dir, "nope.jsonl")}: no such file or folder`);
      const txt = write(path.join(dir, "notes.txt"), "hello\n");
      expectOneLineError(await run("import", txt), `cannot import ${txt}: expected a .jsonl file or a folder of Markdown files`);
    });

    it("a server that is down stops the import at the first entry, saying how far it got", async () => {
      const file = write(path.join(dir, "down.jsonl"), [JSON.stringify({ content: "one" }), JSON.stringify({ content: "two" })].join("\n"));
      const down = await startServer({ ENGRAM_EMBEDDING_PROVIDER: "none" });
      await down.stop();
      expectOneLineError(
        await cli(["--server", down.url, "--key", key, "import", file]),
        `down.jsonl line 1: cannot reach engram-server at ${down.url}: ECONNREFUSED; import stopped after 0 of 2 entries (0 stored)`,
      );
    });

    it("a key without write scope stops it too", async () => {
      const reader = parse(await run("keys", "create", "--scopes", "read", "--json")).key as string;
      const file = write(path.join(dir, "readonly.jsonl"), JSON.stringify({ content: "readers cannot import" }));
      expectOneLineError(
        await cli(["--server", server.url, "--key", reader, "import", file]),
        "readonly.jsonl line 1: this key lacks the write scope; import stopped after 0 of 1 entries (0 stored)",
      );
    });
  });

  it("on a terminal, draws a progress bar on stderr", async () => {
    const file = write(path.join(dir, "bar.jsonl"), ["first bar entry", "second bar entry", "third bar entry"].map((content) => JSON.stringify({ content })).join("\n"));
    // script(1) runs the CLI on a pseudo-terminal, so stderr is a TTY as in an interactive shell.
    const command = [process.execPath, CLI_BIN, "--server", server.url, "--key", key, "import", file].map((a) => `'${a}'`).join(" ");
    const out = await new Promise<string>((resolve, reject) =>
      execFile("script", ["-qec", command, "/dev/null"], { env: { PATH: process.env.PATH ?? "", TERM: "xterm" }, timeout: 30_000 }, (err, stdout) =>
        err ? reject(err) : resolve(stdout),
      ),
    );
    expect(out).toMatch(/importing \[[█░]+\] 100% 3\/3 \| 3 stored, 0 duplicates, 0 failed/);
    expect(out).toContain(`imported ${file}: 3 stored, 0 duplicates, 0 failed (3 entries)`);
    expect((await all()).map((m) => m.content)).toEqual(expect.arrayContaining(["first bar entry", "second bar entry", "third bar entry"]));
  });
});
