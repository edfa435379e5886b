import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { EncryptionKeyError } from "./errors.js";
import { resolveDbKey } from "./key-source.js";

const HEX = "0123456789abcdef".repeat(4);

function keyFile(content: string | Buffer, mode = 0o600): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "engram-key-")), "dbkey");
  fs.writeFileSync(file, content);
  fs.chmodSync(file, mode);
  return file;
}

describe("resolveDbKey", () => {
  it("mode none has no key", () => {
    expect(resolveDbKey({ mode: "none" })).toBeNull();
  });

  it.each([
    ["32 raw bytes", Buffer.from(HEX, "hex")],
    ["64 hex characters", HEX],
    ["64 hex characters and a newline", `${HEX}\n`],
  ])("reads a key file of %s", (_what, content) => {
    expect(resolveDbKey({ mode: "keyfile", keyfile: keyFile(content) })?.toString("hex")).toBe(HEX);
  });

  it.each([
    ["a file of 31 bytes", () => keyFile(Buffer.alloc(31, 7)), /has 31 bytes; it must hold exactly 32 raw bytes/],
    ["a group-readable file", () => keyFile(HEX, 0o640), /has mode 640: group or others may read it; run chmod 600 /],
    ["a folder", () => fs.mkdtempSync(path.join(os.tmpdir(), "engram-key-")), /is not a regular file/],
    ["hex with two newlines", () => keyFile(`${HEX}\n\n`), /has 66 bytes/],
  ])("refuses %s", (_what, make, message) => {
    const file = make();
    expect(() => resolveDbKey({ mode: "keyfile", keyfile: file })).toThrow(EncryptionKeyError);
    expect(() => resolveDbKey({ mode: "keyfile", keyfile: file })).toThrow(message);
  });

  it("mode env: 64 hex characters; otherwise names the variable and the length, never the value", () => {
    expect(resolveDbKey({ mode: "env", key: HEX })?.toString("hex")).toBe(HEX);
    expect(() => resolveDbKey({ mode: "env", key: "z".repeat(64) })).toThrow("ENGRAM_DB_KEY must be 64 hex characters (32 bytes), got characters that are not hex");
    expect(() => resolveDbKey({ mode: "env", key: HEX.slice(1) })).toThrow("got 63 characters");
    try {
      resolveDbKey({ mode: "env", key: HEX.slice(1) });
    } catch (err) {
      expect((err as Error).message).not.toContain(HEX.slice(1));
    }
  });
});
