import { execFile, execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { CLI_BIN, tempDir } from "../../../test/support/server.js";
import { cli } from "./cli-process.js";

/**
 * The completion scripts are loaded into real shells and their completion functions run
 * with the shell's own completion variables set, as a TAB press would.
 */

const CLI = `${process.execPath} ${CLI_BIN}`;

/** A folder holding an `engram-cli` on PATH, so the scripts are loaded the way the docs say. */
function binFolder(): string {
  const dir = tempDir("engram-completion-");
  const bin = path.join(dir, "engram-cli");
  fs.writeFileSync(bin, `#!/bin/sh\nexec ${CLI} "$@"\n`, { mode: 0o755 });
  return dir;
}

function shell(program: "bash" | "zsh", script: string, cwd?: string): Promise<string> {
  const args = program === "zsh" ? ["-f", "-c", script] : ["-c", script];
  return new Promise((resolve, reject) =>
    execFile(program, args, { env: { PATH: `${binDir}:${process.env.PATH ?? ""}`, HOME: cwd ?? binDir }, cwd, timeout: 30_000 }, (err, stdout, stderr) =>
      err ? reject(new Error(`${program} failed: ${stderr}`)) : resolve(stdout),
    ),
  );
}

let binDir: string;
beforeAll(() => {
  binDir = binFolder();
});

const hasZsh = (() => {
  try {
    execFileSync("zsh", ["-fc", "true"]);
    return true;
  } catch {
    return false;
  }
})();

describe("engram-cli completion bash", () => {
  /** The words bash would offer after `engram-cli <words...>` with the cursor on the last word. */
  const complete = async (words: string[], cwd?: string) => {
    const quoted = ["engram-cli", ...words].map((w) => `'${w}'`).join(" ");
    const out = await shell(
      "bash",
      `source <(engram-cli completion bash)
COMP_WORDS=(${quoted}); COMP_CWORD=${words.length}
_engram_cli
printf '%s\\n' "\${COMPREPLY[@]}"`,
      cwd,
    );
    return out.split("\n").filter(Boolean);
  };

  it("registers a completion function for engram-cli", async () => {
    expect(await shell("bash", "source <(engram-cli completion bash); complete -p engram-cli")).toBe("complete -F _engram_cli engram-cli\n");
  });

  it("proposes every top-level command, and narrows by prefix", async () => {
    const all = await complete([""]);
    for (const name of ["store", "search", "recall", "context", "guard", "fsrs", "graph", "tags", "spaces", "import", "keys", "users", "completion"]) {
      expect(all).toContain(name);
    }
    expect(await complete(["s"])).toEqual(["store", "search", "spaces"]);
    expect(await complete(["ke"])).toEqual(["keys"]);
  });

  it("proposes subcommands, also after global options", async () => {
    expect(await complete(["keys", ""])).toEqual(["create", "list", "revoke", "rotate"]);
    expect(await complete(["--server", "http://127.0.0.1:4200", "--json", "fsrs", ""])).toEqual(["review", "state"]);
    expect(await complete(["graph", ""])).toEqual(["neighborhood"]);
  });

  it("proposes a command's own options and the global ones", async () => {
    expect(await complete(["store", "--im"])).toEqual(["--importance"]);
    const recall = await complete(["recall", "--"]);
    expect(recall).toEqual(expect.arrayContaining(["--query", "--limit", "--space", "--server", "--key", "--json", "--help"]));
    expect(recall).not.toContain("--importance");
  });

  it("proposes an option's choices and an argument's", async () => {
    expect(await complete(["users", "create", "bob", "--role", ""])).toEqual(["admin", "writer", "reader"]);
    expect(await complete(["context", "q", "--strategy", "b"])).toEqual(["balanced", "breadth"]);
    expect(await complete(["fsrs", "review", "3", "--grade", ""])).toEqual(["1", "2", "3", "4"]);
    expect(await complete(["completion", ""])).toEqual(["bash", "zsh"]);
    // The value of an option is not mistaken for a command.
    expect(await complete(["search", "--category", "list", ""])).toEqual([]);
  });

  it("completes file names for import", async () => {
    const cwd = tempDir("engram-completion-files-");
    fs.writeFileSync(path.join(cwd, "notes.jsonl"), "");
    fs.mkdirSync(path.join(cwd, "notes-folder"));
    expect((await complete(["import", "no"], cwd)).sort()).toEqual(["notes-folder", "notes.jsonl"]);
  });

  it("an unknown shell is refused", async () => {
    const r = await cli(["completion", "fish"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Allowed choices are bash, zsh/);
  });
});

describe.skipIf(!hasZsh)("engram-cli completion zsh", () => {
  /**
   * What zsh would offer: the completion function runs with `words`/`CURRENT` set as the
   * completion system sets them, and compadd/_describe/_files replaced by stand-ins that
   * print what they were given.
   */
  const complete = async (words: string[]) => {
    const quoted = ["engram-cli", ...words].map((w) => `'${w}'`).join(" ");
    const out = await shell(
      "zsh",
      `autoload -Uz compinit && compinit -u -D
source <(engram-cli completion zsh)
_describe() { print -rl -- "\${(@P)4}" }
compadd() { shift; print -rl -- "$@" }
_files() { print -- "<files>" }
words=(${quoted}); CURRENT=\${#words}
_engram_cli`,
    );
    return out.split("\n").filter(Boolean);
  };

  it("registers _engram_cli with compdef", async () => {
    expect(await shell("zsh", "autoload -Uz compinit && compinit -u -D; source <(engram-cli completion zsh); print ${_comps[engram-cli]}")).toBe("_engram_cli\n");
  });

  it("proposes commands with their descriptions", async () => {
    const all = await complete([""]);
    expect(all).toContain("store:store a memory");
    expect(all).toContain("import:store many memories: a .jsonl file (one per line) or a folder of Markdown files (one per top-level section)");
    expect(await complete(["keys", ""])).toEqual([
      "create:create an API key (the plain key is shown once)",
      "list:list live keys",
      "revoke:revoke a key now",
      "rotate:issue a successor key; the old one keeps working for the grace period",
    ]);
  });

  it("proposes options, option choices and files", async () => {
    expect(await complete(["store", "--"])).toContain("--importance:importance, 1-10, or a fraction between 0 and 1 read as tenths (0.9 → 9; rounded half up, at least 1) (server default: 5)");
    expect(await complete(["--key", "k", "users", "create", "--role", ""])).toEqual(["admin", "writer", "reader"]);
    expect(await complete(["import", ""])).toEqual(["<files>"]);
  });
});
