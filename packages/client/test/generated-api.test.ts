import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { GENERATED_PATH, renderApiTypes, serverDocument } from "../scripts/api-types.js";

const checkedIn = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", GENERATED_PATH);

describe("src/generated/api.ts", () => {
  it("is what the built server's /openapi.json generates (else: pnpm build && pnpm --filter @engram/client generate)", async () => {
    const expected = await renderApiTypes(await serverDocument());
    expect(fs.readFileSync(checkedIn, "utf8")).toBe(expected);
  });
});
